package report

import (
	"errors"
	"io/fs"
	"path"
	"time"

	"github.com/dietimg/diet/internal/rootfs"
)

// tree is the merged file tree of an image without content: enough to
// resolve symlinks with rootfs.Resolve and to look files up by path.
type tree struct {
	byPath map[string]File // absolute paths; ancestors always present
}

func newTree(files []File) *tree {
	t := &tree{byPath: make(map[string]File, len(files))}
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

// resolve returns the symlink-free path of name, or "" when it does not
// resolve inside the tree.
func (t *tree) resolve(name string) string {
	r, err := rootfs.Resolve(t, name)
	if err != nil {
		return ""
	}
	return r.Path
}

func (t *tree) lookup(name string) (File, error) {
	f, ok := t.byPath[rootfs.Clean(name)]
	if !ok || !fs.ValidPath(name) {
		return File{}, fs.ErrNotExist
	}
	return f, nil
}

// Open is there to satisfy fs.FS; the tree has no content.
func (t *tree) Open(name string) (fs.File, error) {
	return nil, &fs.PathError{Op: "open", Path: name, Err: errors.ErrUnsupported}
}

func (t *tree) Lstat(name string) (fs.FileInfo, error) {
	f, err := t.lookup(name)
	if err != nil {
		return nil, &fs.PathError{Op: "lstat", Path: name, Err: err}
	}
	return fileInfo{f}, nil
}

func (t *tree) ReadLink(name string) (string, error) {
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
