package closure

import (
	"path"
	"strings"

	"github.com/dietimg/diet/internal/elfinfo"
	"github.com/dietimg/diet/internal/rootfs"
)

// node is one object in the loader's list.
type node struct {
	obj    *Object
	file   *elfinfo.File
	path   string // the name the loader opened (l_name)
	origin string // $ORIGIN
	loader *node  // the object whose DT_NEEDED loaded it first
	main   bool
}

type walk struct {
	r       *Resolver
	musl    bool
	arch    Arch
	interp  string // PT_INTERP, or the usual one for the machine
	main    *node
	rtld    *node
	queue   []*node
	objects []*Object
	names   map[string]*node // names already loaded: needed names, sonames, paths
	real    map[string]*node // loaded files by real path
	missing []Missing
	miss    map[string]int
	next    int  // the first node of queue whose DT_NEEDED are not yet loaded
	dlopen  bool // loading what .note.dlopen names
}

func newWalk(r *Resolver, main *found) *walk {
	f := main.file
	w := &walk{
		r:      r,
		musl:   f.Libc == elfinfo.Musl,
		arch:   ArchOf(f),
		interp: f.Interpreter,
		names:  map[string]*node{},
		real:   map[string]*node{},
		miss:   map[string]int{},
	}
	// $ORIGIN of the program comes from /proc/self/exe: its real path.
	w.main = &node{
		obj:    &Object{Path: main.path, Realpath: main.res.Path, Links: main.res.Links, File: f},
		file:   f,
		path:   main.path,
		origin: path.Dir(main.res.Path),
		main:   true,
	}
	w.add(w.main, main.path, f.Soname)
	switch {
	case w.interp == "" && w.musl:
		w.interp = "/lib/ld-musl-" + w.arch.MuslArch + ".so.1"
	case w.interp == "":
		w.interp = w.arch.GlibcInterp
	default:
		w.loadInterp()
	}
	return w
}

// loadInterp puts the program's loader first in the list, as the kernel
// maps it before anything else: later DT_NEEDED entries naming it (by
// soname or path) are satisfied by it.
func (w *walk) loadInterp() {
	p := rootfs.Clean(w.interp)
	fd, err := w.r.probe(p)
	switch {
	case err != nil:
		w.addMissing(w.interp, w.main.path, "")
		return
	case fd.parseErr != nil:
		w.addMissing(w.interp, w.main.path, fd.res.Path+": "+fd.parseErr.Error())
		return
	}
	w.rtld = &node{
		obj:    &Object{Soname: fd.file.Soname, Path: p, Realpath: fd.res.Path, Links: fd.res.Links, NeededBy: []string{w.main.path}, File: fd.file},
		file:   fd.file,
		path:   p,
		origin: path.Dir(p),
	}
	if w.rtld.obj.Soname == "" {
		w.rtld.obj.Soname = path.Base(p)
	}
	w.add(w.rtld, p, fd.file.Soname)
	w.real[fd.res.Path] = w.rtld
}

// add records the names n is known by.
func (w *walk) add(n *node, names ...string) {
	for _, s := range names {
		if s != "" {
			w.names[s] = n
		}
	}
	if n.main {
		w.real[n.obj.Realpath] = n
	}
}

func (w *walk) addMissing(soname, by, reason string) int {
	if i, ok := w.miss[soname]; ok {
		w.missing[i].NeededBy = appendOnce(w.missing[i].NeededBy, by)
		return i
	}
	w.miss[soname] = len(w.missing)
	w.missing = append(w.missing, Missing{Soname: soname, NeededBy: []string{by}, Reason: reason})
	return len(w.missing) - 1
}

func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func (w *walk) run() {
	w.queue = append(w.queue, w.main)
	if !w.musl {
		w.preloads()
	}
	w.loadNeeded()
	// Then the libraries each object says it may dlopen, found as dlopen
	// finds them (the caller's search paths, as for its DT_NEEDED), each
	// with its own DT_NEEDED.
	w.dlopen = true
	for j := 0; j < len(w.queue); j++ {
		n := w.queue[j]
		for _, d := range n.file.Dlopen {
			w.dlopenNote(n, d)
		}
		w.loadNeeded()
	}
}

// loadNeeded loads the DT_NEEDED of every node of the queue not yet done,
// breadth first.
func (w *walk) loadNeeded() {
	for ; w.next < len(w.queue); w.next++ {
		n := w.queue[w.next]
		for _, need := range n.file.Needed {
			w.need(n, need)
		}
	}
}

// need loads the dependency name of n, as the loader would.
func (w *walk) need(n *node, name string) {
	if l, ok := w.loaded(name); ok {
		w.link(l, n, name)
		return
	}
	fd, reason := w.search(n, name)
	if fd == nil {
		w.addMissing(name, n.path, reason)
		return
	}
	w.needFound(n, name, fd, n.path)
}

// dlopenNote loads the first of the alternatives of a .note.dlopen entry
// of n that the loader would find. One found nowhere is missing, and
// optional unless its priority is "required".
func (w *walk) dlopenNote(n *node, d elfinfo.Dlopen) {
	if len(d.Sonames) == 0 {
		return
	}
	for _, name := range d.Sonames {
		if l, ok := w.loaded(name); ok {
			w.link(l, n, name)
			return
		}
	}
	for _, name := range d.Sonames {
		if fd, _ := w.search(n, name); fd != nil {
			w.needFound(n, name, fd, n.path)
			return
		}
	}
	what := "dlopen"
	if d.Feature != "" {
		what += " for " + d.Feature
	}
	key := strings.Join(d.Sonames, " or ")
	_, seen := w.miss[key]
	i := w.addMissing(key, n.path, what+" ("+d.Priority+"): not found")
	if !seen {
		w.missing[i].Dlopen = true
		w.missing[i].Optional = d.Priority != "required"
	}
}

// loaded returns the object already loaded under name, if any: musl's
// loader is libc, libm, libpthread and the others of muslReserved.
func (w *walk) loaded(name string) (*node, bool) {
	if w.musl && w.rtld != nil && muslReserved(name) {
		return w.rtld, true
	}
	l, ok := w.names[name]
	return l, ok
}

// search finds name, needed by n, with the loader's rules; for musl, the
// reason a file found could not be used.
func (w *walk) search(n *node, name string) (*found, string) {
	if w.musl {
		return w.searchMusl(n, name)
	}
	return w.searchGlibc(n, name), ""
}

// needFound loads fd, found for name needed by n (by names the needer in
// the report), unless the same file is already loaded.
func (w *walk) needFound(n *node, name string, fd *found, by string) {
	if l, ok := w.real[fd.res.Path]; ok {
		w.names[name] = l
		if l != n && !l.main {
			l.obj.NeededBy = appendOnce(l.obj.NeededBy, by)
		}
		return
	}
	l := &node{
		obj:    &Object{Soname: name, Path: fd.path, Realpath: fd.res.Path, Links: fd.res.Links, NeededBy: []string{by}, Dlopen: w.dlopen, File: fd.file},
		file:   fd.file,
		path:   fd.path,
		origin: path.Dir(fd.path),
		loader: n,
	}
	w.add(l, name, fd.path, fd.file.Soname)
	w.real[fd.res.Path] = l
	w.objects = append(w.objects, l.obj)
	w.queue = append(w.queue, l)
}

// link records that n needs the already loaded l.
func (w *walk) link(l, n *node, name string) {
	w.names[name] = l
	if l != n && !l.main {
		l.obj.NeededBy = appendOnce(l.obj.NeededBy, n.path)
	}
}

// compatible reports whether the loader of the program would use f: of
// its class, byte order and machine, and for glibc of its ABI (musl's
// loader does not look at the ABI flags).
func (w *walk) compatible(fd *found) bool {
	return fd.parseErr == nil && w.main.file.Compatible(fd.file) && (w.musl || w.arch.Accepts(fd.file.ELFFlags))
}

// try opens p as glibc's open_verify would: it must exist and be an ELF
// file of the program's class and machine, else the search goes on.
func (w *walk) try(p string) *found {
	fd, err := w.r.probe(p)
	if err != nil || !w.compatible(fd) {
		return nil
	}
	return fd
}

func (w *walk) result() *Result {
	res := &Result{Objects: make([]Object, 0, len(w.objects)), Missing: w.missing}
	if res.Missing == nil {
		res.Missing = []Missing{}
	}
	if w.rtld != nil {
		res.Interpreter = w.rtld.obj
	}
	for _, o := range w.objects {
		res.Objects = append(res.Objects, *o)
	}
	return res
}
