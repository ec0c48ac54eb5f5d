package slim

import (
	"path"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dietimg/diet/internal/closure"
	"github.com/dietimg/diet/internal/rootfs"
	"github.com/dietimg/diet/internal/trace"
	"github.com/dietimg/diet/internal/why"
)

// keeper builds the keep-set over the original tree.
type keeper struct {
	t        *tree
	fsys     rootfs.FS
	res      *closure.Resolver // the image's loader, for every closure
	pathDirs []string          // the image's PATH
	kept     map[string]why.Reason
	excludes []string
	excluded map[string]bool // used paths that an exclude cut
	closed   map[string]bool // real paths of ELF files whose closure is kept
	states   map[string]why.Reason
	// libDirs are the directories the loaders of the programs kept
	// search for libraries, as named and resolved (never state);
	// loaders the programs' loaders whose directories are in libDirs.
	libDirs map[string]bool
	loaders map[string]bool
}

func newKeeper(t *tree, fsys rootfs.FS, cfg *v1.ConfigFile, excludes []string) *keeper {
	env := cfg.Config.Env
	return &keeper{
		t: t, fsys: fsys,
		res:      closure.New(fsys, closure.Options{LDLibraryPath: envList(env, "LD_LIBRARY_PATH")}),
		pathDirs: envList(env, "PATH"),
		kept:     map[string]why.Reason{}, excludes: excludes, excluded: map[string]bool{},
		closed: map[string]bool{}, states: map[string]why.Reason{},
		libDirs: map[string]bool{}, loaders: map[string]bool{},
	}
}

// envList is the colon-separated list of the variable key of env, nil
// when env does not set it.
func envList(env []string, key string) []string {
	var out []string
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, key+"="); ok {
			out = strings.Split(v, ":")
		}
	}
	return out
}

func (k *keeper) isExcluded(p string) bool {
	for _, e := range k.excludes {
		if matches(e, p) {
			return true
		}
	}
	return false
}

// add keeps the path p as a program would reach it: every symlink on the
// way, the file it names, and their parent directories. It reports
// whether p exists in the tree.
func (k *keeper) add(p string, r why.Reason) bool {
	res, err := rootfs.Resolve(k.fsys, p)
	if err != nil {
		return false
	}
	for _, l := range res.Links {
		k.one(l, r)
	}
	k.one(res.Path, r)
	return true
}

// one keeps the single path p (no symlink resolution) and its parents.
func (k *keeper) one(p string, r why.Reason) {
	if p == "/" {
		return
	}
	if _, ok := k.t.nodes[p]; !ok {
		return
	}
	if k.isExcluded(p) {
		k.excluded[p] = true
		return
	}
	if _, ok := k.kept[p]; !ok {
		k.kept[p] = r
	}
	for d := path.Dir(p); d != "/"; d = path.Dir(d) {
		if _, ok := k.kept[d]; ok {
			break
		}
		if k.isExcluded(d) {
			k.excluded[d] = true
			break
		}
		k.kept[d] = why.Reason{Kind: why.Rule, Detail: "parent directory"}
	}
}

// pseudo are the trees a runtime provides; what the program did there
// says nothing about the image.
var pseudo = []string{"/proc", "/sys", "/dev", sensorDir, recordDir}

func isPseudo(p string) bool {
	for _, d := range pseudo {
		if p == d || strings.HasPrefix(p, d+"/") {
			return true
		}
	}
	return false
}

// addTrace keeps what the traced runs used: every path that exists in the
// tree, whether the call succeeded or not; every program executed, with
// its static closure (the kernel opens #! interpreters and the ELF
// loader itself, which no traced syscall shows); and, whole, the
// directories the program created, wrote, renamed or removed files in.
func (k *keeper) addTrace(events []trace.Event) {
	var execs []string
	for _, e := range events {
		if isPseudo(e.Path) || e.Path == "/" {
			continue
		}
		k.add(e.Path, why.Reason{Kind: why.Trace, Detail: string(e.Op)})
		switch {
		case e.Op == trace.OpExec && e.OK:
			execs = append(execs, e.Path)
		case (e.Op == trace.OpCreate || e.Op == trace.OpRemove || e.Op == trace.OpWrite) && e.OK:
			by := ""
			if e.By != "" {
				by = " by " + e.By
			}
			k.addState(path.Dir(e.Path), why.Reason{Kind: why.State, Detail: "files " + opVerb[e.Op] + " here" + by + " while traced"})
		}
	}
	for _, p := range execs {
		k.addProgram(p, "exec of "+p)
	}
}

var opVerb = map[trace.Op]string{trace.OpCreate: "created", trace.OpRemove: "removed", trace.OpWrite: "written"}

// removed lists the paths of the tree that are not kept.
func (k *keeper) removed() []string {
	var out []string
	for _, p := range k.t.paths {
		if p == "/" {
			continue
		}
		if _, ok := k.kept[p]; !ok {
			out = append(out, p)
		}
	}
	return out
}

// keptPaths lists the kept paths, sorted.
func (k *keeper) keptPaths() []string {
	out := make([]string, 0, len(k.kept))
	for p := range k.kept {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}
