package slim

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/dietimg/diet/internal/rootfs"
)

// node is one entry of the unpacked original tree.
type node struct {
	Path     string // absolute in the image
	Mode     fs.FileMode
	UID, GID int
	Size     int64
	Link     string // symlink target
}

// tree indexes the unpacked original image: every path with its type and
// mode as the unpacker left them, and its owner as the layers recorded it.
type tree struct {
	dir   string // host directory holding the root
	nodes map[string]*node
	paths []string // sorted
}

// loadTree walks the unpacked root at dir. It never follows symlinks.
// Owners come from owners (the unpacker's record of the tar headers), so
// that a slim made without root, where every host file belongs to the
// caller, keeps the owners of the original; a path it lacks takes the
// host file's.
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
		n := &node{Path: abs, Mode: fi.Mode(), Size: fi.Size()}
		if o, ok := owners[filepath.ToSlash(rel)]; ok {
			n.UID, n.GID = o.UID, o.GID
		} else if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			n.UID, n.GID = int(st.Uid), int(st.Gid)
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
