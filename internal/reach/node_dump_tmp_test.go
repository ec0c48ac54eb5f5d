package reach

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
)

func TestNodeTmpDump(t *testing.T) {
	list := os.Getenv("JSLIST")
	if list == "" {
		t.Skip()
	}
	data, _ := os.ReadFile(list)
	out, _ := os.Create(os.Getenv("JSOUT"))
	w := bufio.NewWriter(out)
	defer func() { w.Flush(); out.Close() }()
	for _, p := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		src, _ := os.ReadFile(p)
		toks, err := tokenizeJS(src)
		w.WriteString("F " + p + "\n")
		if err != nil {
			w.WriteString("E " + err.Error() + "\n")
			continue
		}
		for _, tk := range toks {
			switch tk.kind {
			case jsIdent:
				w.WriteString("I " + tk.val + "\n")
			case jsStr, jsHead, jsMid, jsTail:
				w.WriteString("S " + strconv.Quote(tk.val) + "\n")
			case jsRegex:
				w.WriteString("R " + strings.ReplaceAll(tk.val, "\n", "\\n") + "\n")
			}
		}
	}
}
