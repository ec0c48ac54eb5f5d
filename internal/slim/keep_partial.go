package slim

import (
	"path"
	"sort"
	"strings"

	"github.com/dietimg/diet/internal/trace"
	"github.com/dietimg/diet/internal/why"
)

// PartialDir is a directory whose files the traced program loaded some
// of, while others were cut.
type PartialDir struct {
	Dir    string `json:"dir"`
	Loaded int    `json:"loaded"` // regular files in it the program opened
	Files  int    `json:"files"`  // regular files in it in the original
	Cut    int    `json:"cut"`
	Keep   string `json:"keep"` // the flag that keeps the rest
	// ByName is the entry of the table of what programs load by name
	// that kept files here, when one did: it kept what it judged the
	// program can be asked for, and covers the directory no further.
	ByName string `json:"by_name,omitempty"`
}

// partialDirs lists, most cut first, the directories the program opened
// files of while others of theirs were cut: where modules and data are
// loaded on demand, a trace sees only what the probes asked for.
func (k *keeper) partialDirs() []PartialDir {
	loaded := map[string]int{}
	for p, r := range k.kept {
		if r.Kind == why.Trace && r.Detail == string(trace.OpOpen) && k.t.nodes[p].Mode.IsRegular() {
			loaded[path.Dir(p)]++
		}
	}
	var out []PartialDir
	for d, n := range loaded {
		pd := PartialDir{Dir: d, Loaded: n, Keep: "--keep " + d}
		for _, p := range k.t.under(d) {
			if path.Dir(p) != d || !k.t.nodes[p].Mode.IsRegular() {
				continue
			}
			pd.Files++
			r, ok := k.kept[p]
			if !ok {
				pd.Cut++
			}
			if by, found := strings.CutPrefix(r.Detail, "by name: "); found && r.Kind == why.Data && pd.ByName == "" {
				pd.ByName = by
			}
		}
		if pd.Cut > 0 {
			out = append(out, pd)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Cut != out[j].Cut {
			return out[i].Cut > out[j].Cut
		}
		return out[i].Dir < out[j].Dir
	})
	return out
}
