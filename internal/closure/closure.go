// Package closure finds the files a program needs inside a root file
// system the way its dynamic loader would find them (glibc's ld.so or
// musl's), from the bytes of the files alone: it never executes anything.
package closure

import (
	"errors"

	"github.com/dietimg/diet/internal/elfinfo"
	"github.com/dietimg/diet/internal/rootfs"
)

// Options changes how the loader would search.
type Options struct {
	// LDLibraryPath is the LD_LIBRARY_PATH the program would run with.
	LDLibraryPath []string
	// HWCaps are the glibc-hwcaps subdirectories ("x86-64-v3",
	// "x86-64-v2") the target CPU supports, best first. glibc tries
	// DIR/glibc-hwcaps/NAME before every search directory DIR and
	// prefers such ld.so.cache entries. Empty means the baseline only,
	// whose libraries run on every CPU.
	HWCaps []string
}

// Object is one shared object the loader would load.
type Object struct {
	Soname   string   `json:"soname"`
	Path     string   `json:"path"`            // absolute path inside the root that the loader opens
	Realpath string   `json:"realpath"`        // the file Path finally names
	Links    []string `json:"links,omitempty"` // symlinks followed from Path to Realpath, in order
	NeededBy []string `json:"needed_by,omitempty"`
	// Dlopen is set for an object the loader maps only when the program
	// calls dlopen: a library a .note.dlopen names, or one of its
	// DT_NEEDED libraries not already loaded at start.
	Dlopen bool `json:"dlopen,omitempty"`
	// File holds the parsed facts of the object.
	File *elfinfo.File `json:"-"`
}

// Missing is a DT_NEEDED entry the loader would not find.
type Missing struct {
	Soname   string   `json:"soname"`
	NeededBy []string `json:"needed_by"`
	// Reason says why, when a file was found but the loader could not
	// use it (musl stops at the first file of that name).
	Reason string `json:"reason,omitempty"`
	// Dlopen is set for a library a .note.dlopen names (Soname then
	// lists its alternatives, joined by " or "). Optional says its
	// priority is not "required": the program works without it.
	Dlopen   bool `json:"dlopen,omitempty"`
	Optional bool `json:"optional,omitempty"`
}

// Result is the closure of one program.
type Result struct {
	// Interpreter is the program's loader (PT_INTERP), nil for static files.
	Interpreter *Object `json:"interpreter,omitempty"`
	// Objects are the shared objects in the order the loader would load
	// them (breadth first), without the interpreter; then those the
	// objects' .note.dlopen name, with their own DT_NEEDED.
	Objects []Object  `json:"closure"`
	Missing []Missing `json:"missing"`
}

// Resolver resolves closures inside one root. It is safe for concurrent use
// and parses each shared object and the root's ld.so.cache once.
type Resolver struct {
	fsys rootfs.FS
	cfs  *cachingFS // fsys, with Lstat and ReadLink remembered
	opts Options

	files   onceMap[*elfinfo.File] // by real path
	probes  onceMap[*found]        // by searched path
	loaders onceMap[*glibcLoader]  // by interpreter path
	musl    onceMap[[]string]      // by interpreter path
	ldcache onceMap[*LDCache]      // one key: the root's /etc/ld.so.cache
	preload onceMap[[]string]      // one key: the root's /etc/ld.so.preload
}

// New returns a Resolver over fsys.
func New(fsys rootfs.FS, opts Options) *Resolver {
	return &Resolver{fsys: fsys, cfs: &cachingFS{FS: fsys}, opts: opts}
}

// FS returns the root the resolver works in.
func (r *Resolver) FS() rootfs.FS { return r.fsys }

// found is a path that exists in the root, resolved, with its facts (nil
// file and a non-nil parseErr when it is not a usable ELF file).
type found struct {
	path     string
	res      rootfs.Resolved
	file     *elfinfo.File
	parseErr error
}

// ErrNotRegular is returned for a path that names something other than a
// regular file (a directory, a device).
var ErrNotRegular = errors.New("closure: not a regular file")

// File parses the ELF file at name (absolute, inside the root), through
// the resolver's cache.
func (r *Resolver) File(name string) (*elfinfo.File, error) {
	fd, err := r.probe(name)
	if err != nil {
		return nil, err
	}
	return fd.file, fd.parseErr
}

// Lookup resolves name inside the root (rootfs.Resolve), through the
// resolver's cache.
func (r *Resolver) Lookup(name string) (rootfs.Resolved, error) {
	fd, err := r.probe(name)
	if err != nil {
		return rootfs.Resolved{}, err
	}
	return fd.res, nil
}

// ReadLink returns the target of the symlink at name (absolute, inside
// the root, with no symlinks in its directories, as the links of a
// rootfs.Resolved), through the resolver's cache.
func (r *Resolver) ReadLink(name string) (string, error) {
	return r.cfs.ReadLink(rootfs.Rel(name))
}

func (r *Resolver) parse(real string) (*elfinfo.File, error) {
	return r.files.get(real, func() (*elfinfo.File, error) {
		fi, err := r.cfs.Lstat(rootfs.Rel(real))
		if err != nil {
			return nil, err
		}
		if !fi.Mode().IsRegular() {
			return nil, ErrNotRegular
		}
		return elfinfo.Open(r.fsys, rootfs.Rel(real))
	})
}

// probe resolves p inside the root and parses what it names. The error
// is set only when p does not exist (or cannot be resolved); a file that
// exists but is no usable ELF file has parseErr set.
func (r *Resolver) probe(p string) (*found, error) {
	p = rootfs.Clean(p)
	return r.probes.get(p, func() (*found, error) {
		res, err := rootfs.Resolve(r.cfs, p)
		if err != nil {
			return nil, err
		}
		f, err := r.parse(res.Path)
		return &found{path: p, res: res, file: f, parseErr: err}, nil
	})
}

// cache returns the root's ld.so.cache, nil when it has none or it is not
// valid (glibc then goes on without it).
func (r *Resolver) cache() *LDCache {
	c, _ := r.ldcache.get("", func() (*LDCache, error) {
		b, err := rootfs.ReadFile(r.cfs, "/etc/ld.so.cache")
		if err != nil {
			return nil, nil
		}
		c, err := ParseLDCache(b)
		if err != nil {
			return nil, nil
		}
		return c, nil
	})
	return c
}

// Resolve returns the closure of the ELF file at name (an absolute path
// inside the root): its interpreter, every shared object the loader would
// load, and what it would not find.
func (r *Resolver) Resolve(name string) (*Result, error) {
	name = rootfs.Clean(name)
	main, err := r.probe(name)
	if err != nil {
		return nil, err
	}
	if main.parseErr != nil {
		return nil, main.parseErr
	}
	w := newWalk(r, main)
	w.run()
	return w.result(), nil
}
