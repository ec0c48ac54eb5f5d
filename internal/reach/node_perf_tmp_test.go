package reach

import (
	"strings"
	"testing"
	"time"
)

func TestNodeTmpPerf(t *testing.T) {
	for _, unit := range []string{"/(", "import {a, ", "a --> b ", "`${", "require(", "x = {} / ", "[/", "bindings({ ", "__dirname + 'x' + ", "path.join(__dirname, 'a', ", "'\\", "/[/]/ ", "export {", "import * as x, "} {
		src := []byte(strings.Repeat(unit, 1<<20/len(unit)))
		st := time.Now()
		toks, err := tokenizeJS(src)
		refs := nodeRefs(toks)
		n := newNode(&Image{FS: nodeTree(map[string]string{"/app/x.js": ""})})
		n.Reach("/app/y.js", src)
		t.Logf("%q: %v (%d toks, %d refs, err %v)", unit, time.Since(st), len(toks), len(refs), err != nil)
	}
}
