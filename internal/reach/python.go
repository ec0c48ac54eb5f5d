package reach

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/dietimg/diet/internal/rootfs"
	"github.com/dietimg/diet/internal/why"
)

// python reads Python modules and resolves their imports as CPython's
// path finder would, on the search path of the image's own interpreter.
// Facts about the image (interpreters, listings of directories,
// resolutions, distribution metadata) are found once and shared by every
// file of the image, so that scanning a standard library costs little
// more than tokenizing it.
type python struct {
	img *Image

	mu       sync.Mutex // guards all below: Reach may be called concurrently
	ready    bool
	interps  []*pyInterp // the default first
	fallback *pyInterp   // when the image has no interpreter: PYTHONPATH only
	tags     []string    // the cache tags of the interpreters: "311"
	dirs     map[string]*pyDir
	searches map[string]*pySearch
	meta     map[string]map[string][]pyHit
}

// newPython makes the Python language for img; the image's facts are
// found on the first Reach.
func newPython(img *Image) Language {
	return &python{img: img, dirs: map[string]*pyDir{}, searches: map[string]*pySearch{}, meta: map[string]map[string][]pyHit{}}
}

// Claims takes .py files and scripts run by a python interpreter.
// Compiled .pyc files are not read: one without its .py beside it is
// skipped, since bytecode does not show its imports as source does.
func (py *python) Claims(p string, head []byte) bool {
	return strings.HasSuffix(p, ".py") || strings.HasPrefix(shebang(head), "python")
}

// Reach returns the files of the modules src imports directly, with the
// __init__ files of their packages, their compiled caches, the metadata
// of their distributions and the system data a few standard modules read.
func (py *python) Reach(p string, src []byte) ([]Found, error) {
	imps, err := pyImports(src)
	if err != nil {
		return nil, fmt.Errorf("python: %w", err)
	}
	py.mu.Lock()
	defer py.mu.Unlock()
	if !py.ready {
		py.setup()
		py.ready = true
	}
	sc := py.scope(p, src)
	out := &pyOut{newFinds(p)}
	if top, _, _ := strings.Cut(sc.module, "."); isSiteDir(sc.root) {
		out.hits(py.metadata(sc.root, top), why.Data, "metadata of "+top)
	}
	app := !sc.stdlib && !isSiteDir(sc.root)
	py.follow(sc, imps, out)
	if app {
		py.expandDelayed(out)
	}
	py.computed(sc, out)
	return out.found, nil
}

// inStdlib reports a path in an interpreter's standard library.
func (py *python) inStdlib(p string) bool {
	for _, x := range py.interps {
		if strings.HasPrefix(p, x.stdlib+"/") {
			return true
		}
	}
	return false
}

// follow adds what the imports of one file reach, as Python would make
// them: a standard module's imports inside its functions serve functions
// the application may never call (shutil's tarfile, ast's argparse,
// difflib's doctest), and following them would keep most of the library,
// so they are left out (the application's own delayed imports are
// followed, and expandDelayed follows those of the standard modules it
// imports itself); a third-party package's delayed imports are followed
// to other third-party modules (jinja2.ext, a plugin) but not into the
// standard library (jinja2's asyncio for async templates); and the
// ImportError fallback of a try whose imports all resolve never runs
// (decimal's _pydecimal when _decimal is there).
func (py *python) follow(sc pyScope, imps []pyImport, out *pyOut) {
	tried, failed := map[int]bool{}, map[int]bool{}
	for _, m := range imps {
		if m.try != 0 {
			tried[m.try] = true
			if m.level != 0 || !py.resolve(sc.search, m.name).full {
				failed[m.try] = true
			}
		}
	}
	for _, m := range imps {
		switch {
		case m.fallback != 0 && tried[m.fallback] && !failed[m.fallback]:
			continue
		case m.delayed && sc.stdlib:
			continue
		case m.delayed && isSiteDir(sc.root):
			sub := &pyOut{newFinds(out.by)}
			py.reachImport(sc, m, sub)
			for _, f := range sub.found {
				if !py.inStdlib(f.Path) {
					out.add(f.Path, f.As, f.Reason.Kind, f.Reason.Detail)
				}
			}
			continue
		}
		py.reachImport(sc, m, out)
	}
}

// expandDelayed follows the delayed imports of the standard modules that
// the application imports itself: it calls their functions
// (minidom.parseString imports expatbuilder when called). Each is said to
// be imported by the standard module that imports it.
func (py *python) expandDelayed(out *pyOut) {
	for _, f := range append([]Found(nil), out.found...) {
		if !strings.HasSuffix(f.Path, ".py") || !py.inStdlib(f.Path) {
			continue
		}
		src, err := rootfs.ReadFile(py.img.FS, f.Path)
		if err != nil {
			continue
		}
		imps, err := pyImports(src)
		if err != nil {
			continue
		}
		sc := py.scope(f.Path, src)
		sub := &pyOut{newFinds(f.Path)}
		var delayed []pyImport
		for _, m := range imps {
			if m.delayed {
				m.delayed = false
				delayed = append(delayed, m)
			}
		}
		py.follow(sc, delayed, sub)
		for _, g := range sub.found {
			if !out.seen[g.Path] {
				out.seen[g.Path] = true
				out.found = append(out.found, g)
			}
		}
	}
}

// pyScope is what resolving one file's imports needs to know of it.
type pyScope struct {
	dir    string   // the file's directory, where relative imports start
	pkg    []string // the package the file belongs to; nil at the top level
	isInit bool     // the file is its package's __init__
	module string   // the file's dotted module name
	root   string   // the directory of its top-level package
	stdlib bool     // root is an interpreter's standard library
	search *pySearch
}

// scope places p: its package, found by walking up while __init__ files
// exist, and its search path, the interpreter's preceded by the file's
// own top-level directory (unless the path already holds it: a module
// found in site-packages must not let site-packages shadow the standard
// library) and the working directory.
func (py *python) scope(p string, src []byte) pyScope {
	sc := pyScope{dir: path.Dir(p), root: path.Dir(p)}
	for sc.root != "/" && py.module(sc.root, "__init__") != nil {
		sc.pkg = append([]string{path.Base(sc.root)}, sc.pkg...)
		sc.root = path.Dir(sc.root)
	}
	stem, _, _ := strings.Cut(path.Base(p), ".")
	sc.isInit = stem == "__init__"
	sc.module = strings.Join(sc.pkg, ".")
	if !sc.isInit {
		sc.module = strings.TrimPrefix(sc.module+"."+stem, ".")
	}
	in := py.interpFor(p, src)
	for _, x := range py.interps {
		sc.stdlib = sc.stdlib || x.stdlib == sc.root
	}
	var dirs []string
	add := func(d string) {
		if !in.inPath[d] && !slices.Contains(dirs, d) && py.list(d) != nil {
			dirs = append(dirs, d)
		}
	}
	add(sc.root)
	if py.img.WorkingDir != "" {
		add(path.Clean("/" + py.img.WorkingDir))
	}
	sc.search = py.search(append(dirs, in.path...))
	return sc
}

// reachImport adds what one import reaches.
func (py *python) reachImport(sc pyScope, m pyImport, out *pyOut) {
	switch {
	case m.level == 0:
		py.add(out, sc.search, m.name, m.written(), m.name)
		for _, x := range m.froms {
			py.add(out, sc.search, m.name+"."+x, m.sub(x), m.name+"."+x)
		}
	case m.pkg != "" && m.pkg != "__package__" && m.pkg != "__name__":
		// import_module(".x", "pkg"): relative to a literal package.
		parts := strings.Split(m.pkg, ".")
		if m.level-1 >= len(parts) {
			return
		}
		abs := strings.Join(parts[:len(parts)-(m.level-1)], ".")
		if m.name != "" {
			abs += "." + m.name
		}
		py.add(out, sc.search, abs, m.written(), abs)
	default:
		// A relative import starts in the file's own directory: the
		// package Python found the file in.
		if m.pkg == "__name__" && !sc.isInit {
			return // the package would be a module, which has no submodules
		}
		base := sc.dir
		for i := 1; i < m.level; i++ {
			base = path.Dir(base)
		}
		// The absolute name, for the system data table, when the file's
		// package is deep enough to hold the import.
		abs := func(string) string { return "" }
		if n := len(sc.pkg) - (m.level - 1); n > 0 {
			pkg := strings.Join(sc.pkg[:n], ".")
			abs = func(name string) string { return joinDotted(pkg, name) }
		}
		s := py.search([]string{base})
		out.hits(py.module(base, "__init__"), why.Import, m.written())
		if m.name != "" {
			py.add(out, s, m.name, m.written(), abs(m.name))
		}
		for _, x := range m.froms {
			name := joinDotted(m.name, x)
			py.add(out, s, name, m.sub(x), abs(name))
		}
	}
}

// add adds the files of the module name found on s, its distribution's
// metadata, and the system data its absolute name abs reads ("" when the
// absolute name is not known).
func (py *python) add(out *pyOut, s *pySearch, name, written, abs string) {
	r := py.resolve(s, name)
	out.hits(r.hits, why.Import, written)
	if r.site != "" {
		out.hits(py.metadata(r.site, r.top), why.Data, "metadata of "+r.top)
	}
	if abs != "" {
		py.systemData(abs, out)
	}
}

// pyOut collects one file's findings.
type pyOut struct{ *finds }

func (o *pyOut) hits(hs []pyHit, kind why.Kind, detail string) {
	for _, h := range hs {
		o.add(h.path, h.as, kind, detail)
	}
}

func joinDotted(a, b string) string {
	if a == "" || b == "" {
		return a + b
	}
	return a + "." + b
}
