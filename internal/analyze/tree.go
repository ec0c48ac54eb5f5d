package analyze

import (
	"errors"
	"io/fs"
	"path"
	"time"

	"github.com/dietimg/diet/internal/rootfs"
)

// Tree is the merged file tree of an image without content: enough to
// resolve symlinks with rootfs.Resolve and to look files up by path. It
// implements rootfs.FS, except that files cannot be opened.
type Tree struct {
	byPath map[string]File // absolute paths; ancestors always present
}

// NewTree indexes files (an Analysis's Files).
func NewTree(files []File) *Tree {
	t := &Tree{byPath: make(map[string]File, len(files))}
	for _, f := range files {
		t.byPath[f.Path] = f
	}
	for _, f := range files {
		for d := path.Dir(f.Path); d != "/"; d = path.Dir(d) {
			if _, ok := t.byPath[d]; ok {
				break
			}
			t.byPath[d] = File{Path: d, Kind: KindDir}
		}
	}
	t.byPath["/"] = File{Path: "/", Kind: KindDir}
	return t
}

// Resolve returns the symlink-free path of name (absolute) inside the
// tree, and whether it exists.
func (t *Tree) Resolve(name string) (string, bool) {
	r, err := rootfs.Resolve(t, name)
	if err != nil {
		return "", false
	}
	return r.Path, true
}

// Lookup returns the entry at the symlink-free path name.
func (t *Tree) Lookup(name string) (File, bool) {
	f, ok := t.byPath[rootfs.Clean(name)]
	return f, ok
}

func (t *Tree) lookup(name string) (File, error) {
	f, ok := t.byPath[rootfs.Clean(name)]
	if !ok || !fs.ValidPath(name) {
		return File{}, fs.ErrNotExist
	}
	return f, nil
}

// Open satisfies fs.FS; the tree has no content.
func (t *Tree) Open(name string) (fs.File, error) {
	return nil, &fs.PathError{Op: "open", Path: name, Err: errors.ErrUnsupported}
}

// Lstat describes the entry at name without following a final symlink.
func (t *Tree) Lstat(name string) (fs.FileInfo, error) {
	f, err := t.lookup(name)
	if err != nil {
		return nil, &fs.PathError{Op: "lstat", Path: name, Err: err}
	}
	return fileInfo{f}, nil
}

// ReadLink returns the target of the symlink at name.
func (t *Tree) ReadLink(name string) (string, error) {
	f, err := t.lookup(name)
	if err != nil {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: err}
	}
	if f.Kind != KindSymlink {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: fs.ErrInvalid}
	}
	return f.Link, nil
}

type fileInfo struct{ f File }

func (i fileInfo) Name() string       { return path.Base(i.f.Path) }
func (i fileInfo) Size() int64        { return i.f.Size }
func (i fileInfo) ModTime() time.Time { return time.Time{} }
func (i fileInfo) IsDir() bool        { return i.f.Kind == KindDir }
func (i fileInfo) Sys() any           { return nil }
func (i fileInfo) Mode() fs.FileMode {
	switch i.f.Kind {
	case KindDir:
		return fs.ModeDir | 0o755
	case KindSymlink:
		return fs.ModeSymlink | 0o777
	case KindOther:
		return fs.ModeDevice | 0o644
	}
	return 0o644
}
