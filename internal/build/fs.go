package build

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"testing/fstest"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/dietimg/diet/internal/rootfs"
)

// overlay is a root file system with one extra regular file from the host
// (the program, at its path in the image), and the directories above it
// when the root lacks them. It lets the closure of a host program be
// resolved inside another root.
type overlay struct {
	base rootfs.FS
	name string // fs.ValidPath name of the extra file
	host string // where its content is
}

func (o *overlay) parentOfFile(name string) bool {
	return name != o.name && (name == "." || strings.HasPrefix(o.name, name+"/"))
}

func (o *overlay) Open(name string) (fs.File, error) {
	if name == o.name {
		return os.Open(o.host)
	}
	f, err := o.base.Open(name)
	if err != nil && o.parentOfFile(name) && errors.Is(err, fs.ErrNotExist) {
		return &synthDir{info: dirInfo(path.Base(name))}, nil
	}
	return f, err
}

func (o *overlay) Lstat(name string) (fs.FileInfo, error) {
	if name == o.name {
		return os.Stat(o.host)
	}
	fi, err := o.base.Lstat(name)
	if err != nil && o.parentOfFile(name) && errors.Is(err, fs.ErrNotExist) {
		return dirInfo(path.Base(name)), nil
	}
	return fi, err
}

func (o *overlay) Stat(name string) (fs.FileInfo, error) {
	if name == o.name {
		return os.Stat(o.host)
	}
	fi, err := fs.Stat(o.base, name)
	if err != nil && o.parentOfFile(name) && errors.Is(err, fs.ErrNotExist) {
		return dirInfo(path.Base(name)), nil
	}
	return fi, err
}

func (o *overlay) ReadLink(name string) (string, error) {
	if name == o.name || (o.parentOfFile(name)) {
		if fi, err := o.Lstat(name); err == nil && fi.Mode()&fs.ModeSymlink == 0 {
			return "", &fs.PathError{Op: "readlink", Path: name, Err: errors.New("not a symlink")}
		}
	}
	return o.base.ReadLink(name)
}

type dirInfo string

func (d dirInfo) Name() string       { return string(d) }
func (d dirInfo) Size() int64        { return 0 }
func (d dirInfo) Mode() fs.FileMode  { return fs.ModeDir | 0o755 }
func (d dirInfo) ModTime() time.Time { return time.Time{} }
func (d dirInfo) IsDir() bool        { return true }
func (d dirInfo) Sys() any           { return nil }

type synthDir struct{ info fs.FileInfo }

func (d *synthDir) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *synthDir) Read([]byte) (int, error)   { return 0, io.EOF }
func (d *synthDir) Close() error               { return nil }
func (d *synthDir) ReadDir(int) ([]fs.DirEntry, error) {
	return nil, nil
}

// imageFS flattens an image's layers into an in-memory root file system,
// for resolving a program's closure inside a base image.
func imageFS(img v1.Image) (fstest.MapFS, error) {
	rc := mutate.Extract(img)
	defer rc.Close()
	m := fstest.MapFS{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return m, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading the base image: %w", err)
		}
		name := path.Clean(strings.TrimPrefix(h.Name, "/"))
		if name == "." || !fs.ValidPath(name) {
			continue
		}
		perm := fs.FileMode(h.Mode).Perm()
		switch h.Typeflag {
		case tar.TypeDir:
			m[name] = &fstest.MapFile{Mode: fs.ModeDir | perm}
		case tar.TypeSymlink:
			m[name] = &fstest.MapFile{Mode: fs.ModeSymlink | 0o777, Data: []byte(h.Linkname)}
		case tar.TypeReg:
			b, err := io.ReadAll(tr)
			if err != nil {
				return nil, fmt.Errorf("reading the base image: %s: %w", h.Name, err)
			}
			m[name] = &fstest.MapFile{Mode: perm, Data: b}
		case tar.TypeLink:
			target := path.Clean(strings.TrimPrefix(h.Linkname, "/"))
			if t, ok := m[target]; ok {
				c := *t
				m[name] = &c
			}
		}
	}
}
