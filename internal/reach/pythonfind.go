package reach

import (
	"io/fs"
	"path"
	"strings"

	"github.com/dietimg/diet/internal/rootfs"
)

// pyHit is a file an import keeps, and how.
type pyHit struct {
	path string
	as   As
}

// pySearch is one search path with the resolutions made on it.
type pySearch struct {
	dirs []string
	res  map[string]*pyResult
}

// pyResult is what a dotted name resolves to: the files of each of its
// parts, as far as they are found, and the site directory of its
// top-level part, when it is in one.
type pyResult struct {
	hits      []pyHit
	site, top string
	full      bool // every part was found: the import succeeds
}

func (py *python) search(dirs []string) *pySearch {
	key := strings.Join(dirs, "\x00")
	s, ok := py.searches[key]
	if !ok {
		s = &pySearch{dirs: dirs, res: map[string]*pyResult{}}
		py.searches[key] = s
	}
	return s
}

// resolve finds a.b.c: a on the search path, b in a's package
// directories, c in b's. A part not found ends the chain: the import
// fails there, or is a name inside a module, and what was found is still
// what Python loads first.
func (py *python) resolve(s *pySearch, name string) *pyResult {
	if r, ok := s.res[name]; ok {
		return r
	}
	r := &pyResult{}
	dirs := s.dirs
	for i, part := range strings.Split(name, ".") {
		if len(dirs) == 0 {
			break
		}
		pkg, hits, where, ok := py.find(dirs, part)
		if !ok {
			break
		}
		if i == 0 && isSiteDir(where) {
			r.site, r.top = where, part
		}
		r.hits = append(r.hits, hits...)
		dirs = pkg
		r.full = i == strings.Count(name, ".")
	}
	s.res[name] = r
	return r
}

// find looks for the module name in dirs as CPython's FileFinder does,
// directory by directory: a package (a directory with an __init__), else
// a module file (an extension, then source, then bytecode alone); a
// directory without __init__ is a namespace package, used only when no
// directory has anything else, with all such directories as its path.
func (py *python) find(dirs []string, name string) (pkg []string, hits []pyHit, where string, ok bool) {
	var ns []string
	for _, d := range dirs {
		l := py.list(d)
		if l == nil {
			continue
		}
		if l.dirs[name] {
			sub := path.Join(d, name)
			if init := py.module(sub, "__init__"); init != nil {
				return []string{sub}, init, d, true
			}
			ns = append(ns, sub)
		}
		if hits := py.module(d, name); hits != nil {
			return nil, hits, d, true
		}
	}
	if ns != nil {
		return ns, nil, path.Dir(ns[0]), true
	}
	return nil, nil, "", false
}

// module returns the file of the module stem in dir, in the order
// CPython's loaders try them, with the compiled caches of a source.
// Extension modules are programs: the caller keeps their libraries. A
// .pyc alone is kept too, though nothing can be read from it.
func (py *python) module(dir, stem string) []pyHit {
	l := py.list(dir)
	if l == nil {
		return nil
	}
	var ext []pyHit
	var src, pyc string
	for _, n := range l.byStem[stem] {
		if l.dirs[n] {
			continue
		}
		switch rest := n[len(stem):]; {
		case rest == ".py":
			src = n
		case rest == ".pyc":
			pyc = n
		case py.isExtension(rest):
			ext = append(ext, pyHit{path.Join(dir, n), Program})
		}
	}
	switch {
	case ext != nil:
		return ext
	case src != "":
		return append([]pyHit{{path.Join(dir, src), File}}, py.caches(dir, stem)...)
	case pyc != "":
		return []pyHit{{path.Join(dir, pyc), File}}
	}
	return nil
}

// isExtension reports the suffixes CPython loads extension modules with
// (after the module's name): .cpython-311-x86_64-linux-gnu.so for one of
// the image's versions, .abi3.so and .so.
func (py *python) isExtension(rest string) bool {
	mid, ok := strings.CutSuffix(rest, ".so")
	if !ok || mid == "" {
		return ok
	}
	mid = mid[1:]
	if mid == "abi3" {
		return true
	}
	tag, ok := strings.CutPrefix(mid, "cpython-")
	if !ok || strings.Contains(tag, ".") {
		return false
	}
	return py.tagged(tag)
}

// tagged reports a cache or extension tag ("311-x86_64-linux-gnu",
// "311") of one of the image's versions; any, when the image has none.
func (py *python) tagged(s string) bool {
	for _, t := range py.tags {
		if rest, ok := strings.CutPrefix(s, t); ok && (rest == "" || !pyDigit(rest[0])) {
			return true
		}
	}
	return len(py.tags) == 0
}

// caches returns the compiled caches of dir/stem.py in __pycache__:
// stem.cpython-311.pyc and its .opt-1 and .opt-2 variants.
func (py *python) caches(dir, stem string) []pyHit {
	cache := path.Join(dir, "__pycache__")
	l := py.list(cache)
	if l == nil {
		return nil
	}
	var out []pyHit
	for _, n := range l.byStem[stem] {
		tag, ok := strings.CutPrefix(n[len(stem):], ".cpython-")
		if tag, ok = strings.CutSuffix(tag, ".pyc"); !ok {
			continue
		}
		tag = strings.TrimSuffix(strings.TrimSuffix(tag, ".opt-1"), ".opt-2")
		if !strings.Contains(tag, ".") && py.tagged(tag) && !l.dirs[n] {
			out = append(out, pyHit{path.Join(cache, n), File})
		}
	}
	return out
}

// pyDir is a directory's listing, indexed for module lookups.
type pyDir struct {
	names  []string            // sorted
	byStem map[string][]string // names by what precedes their first dot
	dirs   map[string]bool     // the names that are directories, symlinks followed
}

// list reads the directory dir once; nil when it is not one.
func (py *python) list(dir string) *pyDir {
	if d, ok := py.dirs[dir]; ok {
		return d
	}
	var d *pyDir
	if res, err := rootfs.Resolve(py.img.FS, dir); err == nil {
		if ents, err := fs.ReadDir(py.img.FS, rootfs.Rel(res.Path)); err == nil {
			d = &pyDir{byStem: make(map[string][]string, len(ents)), dirs: map[string]bool{}}
			for _, e := range ents {
				n := e.Name()
				d.names = append(d.names, n)
				stem, _, _ := strings.Cut(n, ".")
				d.byStem[stem] = append(d.byStem[stem], n)
				if e.IsDir() || e.Type()&fs.ModeSymlink != 0 && isDir(py.img.FS, path.Join(dir, n)) {
					d.dirs[n] = true
				}
			}
		}
	}
	py.dirs[dir] = d
	return d
}

// isSiteDir reports a directory that installers put distributions in.
func isSiteDir(d string) bool {
	b := path.Base(d)
	return b == "site-packages" || b == "dist-packages"
}
