package testbases

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/klauspost/compress/gzip"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// epoch is the modification time of every entry, so that a base made
// twice from the same tree is the same image.
var epoch = time.Unix(0, 0)

// skipAll and skipFiles are directories the base keeps empty: what a
// container runtime provides (dev, proc, sys), and apt's package lists,
// caches and downloaded packages, which Debian's official images leave out
// too and which would otherwise add some 80 MB to the base.
var (
	skipAll   = map[string]bool{"dev": true, "proc": true, "sys": true}
	skipFiles = map[string]bool{"var/lib/apt/lists": true, "var/cache/apt": true, "var/cache/apt/archives": true}
)

// dirLayer writes the tree at root as a gzip-compressed tar to file and
// returns it as a layer. It streams: memory does not grow with the tree.
func dirLayer(ctx context.Context, root, file string) (v1.Layer, error) {
	f, err := os.Create(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zw, err := gzip.NewWriterLevel(f, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	tw := tar.NewWriter(zw)
	inodes := map[uint64]string{}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil || rel == "." {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel == ".complete" {
			return nil
		}
		switch parent := path.Dir(rel); {
		case skipAll[parent] && d.IsDir():
			return fs.SkipDir
		case skipAll[parent], skipFiles[parent] && !d.IsDir():
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		link := ""
		if fi.Mode()&fs.ModeSymlink != 0 {
			if link, err = os.Readlink(p); err != nil {
				return err
			}
		}
		h, err := tar.FileInfoHeader(fi, link)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		h.Name = rel
		if fi.IsDir() {
			h.Name += "/"
		}
		h.ModTime, h.AccessTime, h.ChangeTime = epoch, time.Time{}, time.Time{}
		h.Uname, h.Gname = "", ""
		h.Format = tar.FormatPAX
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			h.Uid, h.Gid = int(st.Uid), int(st.Gid)
			if fi.Mode().IsRegular() && st.Nlink > 1 {
				if first, seen := inodes[st.Ino]; seen {
					h.Typeflag, h.Linkname, h.Size = tar.TypeLink, first, 0
				} else {
					inodes[st.Ino] = rel
				}
			}
		}
		if err := tw.WriteHeader(h); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if h.Typeflag != tar.TypeReg {
			return nil
		}
		src, err := os.Open(p)
		if err != nil {
			return err
		}
		defer src.Close()
		if _, err := io.Copy(tw, src); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("archiving %s: %w", root, err)
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	return tarball.LayerFromFile(file, tarball.WithMediaType(types.OCILayer))
}

// busyboxLayer lays out the busybox binary with a symlink for each applet
// (as listed by busybox --list-full), and the few files of /etc a shell
// expects.
func busyboxLayer(bb string, applets []string) (v1.Layer, error) {
	bin, err := os.ReadFile(bb)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dirs := map[string]bool{}
	put := func(h *tar.Header, data []byte) error {
		for d := path.Dir(h.Name); d != "." && !dirs[d]; d = path.Dir(d) {
			dirs[d] = true
		}
		h.ModTime = epoch
		h.Format = tar.FormatPAX
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	// Directories first, in a fixed order.
	for _, d := range []string{"bin", "etc", "root", "sbin", "tmp", "usr", "usr/bin", "usr/sbin", "var"} {
		mode := int64(0o755)
		switch d {
		case "tmp":
			mode = 0o1777
		case "root":
			mode = 0o700
		}
		if err := put(&tar.Header{Name: d + "/", Typeflag: tar.TypeDir, Mode: mode}, nil); err != nil {
			return nil, err
		}
	}
	if err := put(&tar.Header{Name: "bin/busybox", Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(bin))}, bin); err != nil {
		return nil, err
	}
	etc := map[string]string{
		"etc/passwd": "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
		"etc/group":  "root:x:0:\nnogroup:x:65534:\n",
	}
	for _, n := range []string{"etc/group", "etc/passwd"} {
		if err := put(&tar.Header{Name: n, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(etc[n]))}, []byte(etc[n])); err != nil {
			return nil, err
		}
	}
	seen := map[string]bool{"bin/busybox": true}
	for _, a := range applets {
		a = strings.TrimPrefix(path.Clean("/"+a), "/")
		if seen[a] || a == "" {
			continue
		}
		seen[a] = true
		if d := path.Dir(a); !dirs[d] && d != "." {
			return nil, fmt.Errorf("applet %s: directory %s not in the base", a, d)
		}
		if err := put(&tar.Header{Name: a, Typeflag: tar.TypeSymlink, Linkname: "/bin/busybox", Mode: 0o777}, nil); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	tb := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(tb)), nil
	}, tarball.WithMediaType(types.OCILayer))
}
