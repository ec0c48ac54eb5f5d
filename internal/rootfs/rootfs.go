// Package rootfs views file trees (a directory, an unpacked image, an
// image's layers) as a root file system, and resolves paths inside them the
// way a kernel would under chroot: absolute symlinks restart at the root and
// ".." stops there, so no path ever escapes the tree.
package rootfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
)

// FS is a root file system: names are fs.ValidPath names relative to the
// root ("usr/lib/libc.so.6"), and symlinks can be read without following
// them. os.Root's FS and fstest.MapFS both satisfy it.
type FS interface {
	fs.FS
	fs.ReadLinkFS
}

// ErrLoop is returned when resolving a path meets too many symlinks.
var ErrLoop = errors.New("rootfs: too many levels of symbolic links")

// maxLinks is the number of symlinks one resolution may follow, as Linux's
// MAXSYMLINKS.
const maxLinks = 40

// Dir opens the directory root as an FS. The returned FS refuses, at the
// operating-system level too, to open anything outside root.
func Dir(root string) (FS, error) {
	r, err := os.OpenRoot(root)
	if err != nil {
		return nil, err
	}
	fsys, ok := r.FS().(FS)
	if !ok {
		return nil, fmt.Errorf("rootfs: %s: os.Root FS cannot read links", root)
	}
	return fsys, nil
}

// Clean turns an absolute or relative path into the absolute, clean form
// used in reports ("/usr/lib/x").
func Clean(name string) string { return path.Clean("/" + name) }

// rel turns an absolute clean path into an fs.ValidPath name.
func rel(abs string) string {
	if abs == "/" {
		return "."
	}
	return strings.TrimPrefix(abs, "/")
}

// Rel turns a path as reports show it ("/usr/lib/x") into the name an FS
// takes ("usr/lib/x").
func Rel(name string) string { return rel(Clean(name)) }

// Resolved is the result of resolving a path inside a root.
type Resolved struct {
	// Path is the absolute, symlink-free path of the file inside the root.
	Path string
	// Links lists, in the order they were met, the absolute paths of the
	// symlinks followed on the way (an image must carry them all for the
	// original path to work).
	Links []string
}

// Resolve follows name (absolute or relative to the root) inside fsys with
// chroot semantics, and returns the symlink-free path with the symlinks
// followed. The final component must exist.
func Resolve(fsys FS, name string) (Resolved, error) {
	return walker{lstat: fsys.Lstat, readlink: fsys.ReadLink}.walk(name)
}

// errNotDir is a path component that should be a directory and is not.
var errNotDir = errors.New("not a directory")

// walker follows paths inside a root with chroot semantics: ".." and
// absolute symlinks never leave it. It is the one walk of diet: Resolve's
// over any FS, and Unpack's over the tree it writes (os.Root), which
// makes the directories an entry's path lacks.
type walker struct {
	// lstat and readlink read the root, by names relative to it ("."
	// for the root itself).
	lstat    func(name string) (fs.FileInfo, error)
	readlink func(name string) (string, error)
	// mkdir, when set, makes a directory that does not exist rather
	// than failing.
	mkdir func(name string) error
	// dirs asks every component, the last too, to be a directory.
	dirs bool
}

func (w walker) walk(name string) (Resolved, error) {
	var res Resolved
	fail := func(err error) (Resolved, error) {
		return res, &fs.PathError{Op: "resolve", Path: Clean(name), Err: unwrapPathErr(err)}
	}
	links := 0
	done := "/"                                 // resolved prefix, symlink-free
	todo := strings.Split(Clean(name)[1:], "/") // components left
	if len(todo) == 1 && todo[0] == "" {
		todo = nil
	}
	for len(todo) > 0 {
		c := todo[0]
		todo = todo[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			done = path.Dir(done)
			continue
		}
		next := path.Join(done, c)
		fi, err := w.lstat(rel(next))
		if errors.Is(err, fs.ErrNotExist) && w.mkdir != nil {
			if err := w.mkdir(rel(next)); err != nil {
				return fail(err)
			}
			done = next
			continue
		}
		if err != nil {
			return fail(err)
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			if !fi.IsDir() && (w.dirs || len(todo) > 0) {
				return fail(errNotDir)
			}
			done = next
			continue
		}
		links++
		if links > maxLinks {
			return fail(ErrLoop)
		}
		target, err := w.readlink(rel(next))
		if err != nil {
			return fail(err)
		}
		res.Links = append(res.Links, next)
		if strings.HasPrefix(target, "/") {
			done = "/"
		}
		todo = append(strings.Split(target, "/"), todo...)
	}
	res.Path = done
	return res, nil
}

// Stat returns the FileInfo of what name (absolute or relative to the
// root) names inside fsys, resolved with chroot semantics.
func Stat(fsys FS, name string) (fs.FileInfo, error) {
	res, err := Resolve(fsys, name)
	if err != nil {
		return nil, err
	}
	return fs.Stat(fsys, rel(res.Path))
}

// ReadFile reads the file name (absolute or relative to the root) names
// inside fsys, resolved with chroot semantics.
func ReadFile(fsys FS, name string) ([]byte, error) {
	res, err := Resolve(fsys, name)
	if err != nil {
		return nil, err
	}
	return fs.ReadFile(fsys, rel(res.Path))
}

func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
