package slim

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/dietimg/diet/internal/rootfs"
)

// node is one entry of the unpacked original tree.
type node struct {
	Path     string // absolute in the image
	Mode     fs.FileMode
	UID, GID int
	Size     int64
	Link     string // symlink target
	ModTime  time.Time
	Xattrs   map[string]string // extended attributes of files and directories
	inode    inode             // for regular files with more than one name
}

// inode identifies a file with several names (hard links).
type inode struct{ dev, ino uint64 }

// tree indexes the unpacked original image: every path with its type,
// mode, time and extended attributes as the unpacker left them, and its
// owner as the layers recorded it.
type tree struct {
	dir   string // host directory holding the root
	nodes map[string]*node
	paths []string // sorted
}

// loadTree walks the unpacked root at dir. It never follows symlinks.
// Owners and extended attributes come from owners (the unpacker's record
// of the tar headers), so that a slim made without root, where every host
// file belongs to the caller and file capabilities cannot be set, keeps
// those of the original; a path it lacks takes the host file's.
func loadTree(dir string, owners map[string]rootfs.Owner) (*tree, error) {
	t := &tree{dir: dir, nodes: map[string]*node{}}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		abs := "/"
		if rel != "." {
			abs = "/" + filepath.ToSlash(rel)
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		n := &node{Path: abs, Mode: fi.Mode(), Size: fi.Size(), ModTime: fi.ModTime()}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			n.UID, n.GID = int(st.Uid), int(st.Gid)
			if fi.Mode().IsRegular() && st.Nlink > 1 {
				n.inode = inode{dev: uint64(st.Dev), ino: uint64(st.Ino)}
			}
		}
		o, recorded := owners[filepath.ToSlash(rel)]
		if recorded {
			n.UID, n.GID = o.UID, o.GID
		}
		switch {
		case recorded:
			// As the layers recorded them, whether or not this caller
			// could set them on the host file (security.capability
			// without root), so that a slim is the same made either way.
			for k, v := range o.Xattrs {
				if keptXattr(k) && (fi.Mode().IsRegular() || fi.IsDir()) {
					if n.Xattrs == nil {
						n.Xattrs = map[string]string{}
					}
					n.Xattrs[k] = v
				}
			}
		case fi.Mode().IsRegular() || fi.IsDir():
			if n.Xattrs, err = xattrs(p); err != nil {
				return fmt.Errorf("reading the extended attributes of %s: %w", abs, err)
			}
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			if n.Link, err = os.Readlink(p); err != nil {
				return err
			}
		}
		if !fi.Mode().IsRegular() && !fi.IsDir() && fi.Mode()&fs.ModeSymlink == 0 {
			return nil // the unpacker makes no devices or fifos; ignore anything else
		}
		t.nodes[abs] = n
		t.paths = append(t.paths, abs)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the unpacked image: %w", err)
	}
	sort.Strings(t.paths)
	return t, nil
}

// xattrs reads the extended attributes the unpacker restored on p that
// a slim keeps (keptXattr).
func xattrs(p string) (map[string]string, error) {
	buf := make([]byte, 1024)
	for {
		n, err := unix.Llistxattr(p, buf)
		if errors.Is(err, unix.ERANGE) {
			buf = make([]byte, 2*len(buf))
			continue
		}
		if errors.Is(err, unix.ENOTSUP) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		buf = buf[:n]
		break
	}
	var out map[string]string
	for _, name := range strings.Split(string(buf), "\x00") {
		if !keptXattr(name) {
			continue
		}
		v, err := getxattr(p, name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if out == nil {
			out = map[string]string{}
		}
		out[name] = v
	}
	return out, nil
}

// keptXattr says which extended attributes a slim carries over: file
// capabilities and the user and trusted namespaces, which come from the
// image. Others (security.selinux) are labels of the machine that
// unpacked it, and would make the slim depend on it.
func keptXattr(name string) bool {
	return name == "security.capability" || strings.HasPrefix(name, "user.") || strings.HasPrefix(name, "trusted.")
}

func getxattr(p, name string) (string, error) {
	buf := make([]byte, 256)
	for {
		n, err := unix.Lgetxattr(p, name, buf)
		if errors.Is(err, unix.ERANGE) {
			buf = make([]byte, 2*len(buf))
			continue
		}
		if err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	}
}

// host is the host path of the image path p.
func (t *tree) host(p string) string { return filepath.Join(t.dir, filepath.FromSlash(p)) }

// under returns the paths strictly inside the directory dir, sorted.
func (t *tree) under(dir string) []string {
	prefix := strings.TrimSuffix(dir, "/") + "/"
	i := sort.SearchStrings(t.paths, prefix)
	var out []string
	for ; i < len(t.paths) && strings.HasPrefix(t.paths[i], prefix); i++ {
		out = append(out, t.paths[i])
	}
	return out
}

// match returns the paths matching a --keep or --exclude pattern: an exact
// path (a directory brings everything under it) or a glob (path.Match
// syntax, matched against whole absolute paths; a matching directory
// brings everything under it too).
func (t *tree) match(pattern string) []string {
	pattern = path.Clean("/" + pattern)
	var hits []string
	if !strings.ContainsAny(pattern, "*?[") {
		if _, ok := t.nodes[pattern]; ok {
			hits = append(hits, pattern)
			hits = append(hits, t.under(pattern)...)
		}
		return hits
	}
	seen := map[string]bool{}
	for _, p := range t.paths {
		if ok, _ := path.Match(pattern, p); ok && !seen[p] {
			seen[p] = true
			hits = append(hits, p)
			if t.nodes[p].Mode.IsDir() {
				for _, q := range t.under(p) {
					if !seen[q] {
						seen[q] = true
						hits = append(hits, q)
					}
				}
			}
		}
	}
	return hits
}

// matches reports whether p is named by pattern, or lies under a path it
// names.
func matches(pattern, p string) bool {
	pattern = path.Clean("/" + pattern)
	for q := p; ; q = path.Dir(q) {
		if q == pattern {
			return true
		}
		if ok, _ := path.Match(pattern, q); ok {
			return true
		}
		if q == "/" {
			return false
		}
	}
}
