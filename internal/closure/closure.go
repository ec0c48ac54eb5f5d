// Package closure finds the files a program needs inside a root file
// system the way its dynamic loader would find them (glibc's ld.so or
// musl's), from the bytes of the files alone: it never executes anything.
package closure

import (
	"github.com/dietimg/diet/internal/elfinfo"
	"github.com/dietimg/diet/internal/rootfs"
)

// Options changes how the loader would search.
type Options struct {
	// LDLibraryPath is the LD_LIBRARY_PATH the program would run with.
	LDLibraryPath []string
}

// Object is one shared object the loader would load.
type Object struct {
	Soname   string   `json:"soname"`
	Path     string   `json:"path"`            // absolute path inside the root that the loader opens
	Realpath string   `json:"realpath"`        // the file Path finally names
	Links    []string `json:"links,omitempty"` // symlinks followed from Path to Realpath, in order
	NeededBy []string `json:"needed_by,omitempty"`
	// File holds the parsed facts of the object.
	File *elfinfo.File `json:"-"`
}

// Missing is a DT_NEEDED entry the loader would not find.
type Missing struct {
	Soname   string   `json:"soname"`
	NeededBy []string `json:"needed_by"`
}

// Result is the closure of one program.
type Result struct {
	// Interpreter is the program's loader (PT_INTERP), nil for static files.
	Interpreter *Object `json:"interpreter,omitempty"`
	// Objects are the shared objects in the order the loader would load
	// them (breadth first), without the interpreter.
	Objects []Object  `json:"closure"`
	Missing []Missing `json:"missing"`
}

// Resolver resolves closures inside one root. It is safe for concurrent use
// and parses each shared object and the root's ld.so.cache once.
type Resolver struct {
	fsys rootfs.FS
	opts Options
}

// New returns a Resolver over fsys.
func New(fsys rootfs.FS, opts Options) *Resolver {
	return &Resolver{fsys: fsys, opts: opts}
}

// Resolve returns the closure of the ELF file at name (an absolute path
// inside the root): its interpreter, every shared object the loader would
// load, and what it would not find.
func (r *Resolver) Resolve(name string) (*Result, error) {
	return nil, errNotYet
}

// File parses the ELF file at name (absolute, inside the root), through
// the resolver's cache.
func (r *Resolver) File(name string) (*elfinfo.File, error) {
	return nil, errNotYet
}

// FS returns the root the resolver works in.
func (r *Resolver) FS() rootfs.FS { return r.fsys }
