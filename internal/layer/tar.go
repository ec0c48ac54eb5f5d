package layer

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"time"
)

// writeTar writes the sorted entries as a tar stream, reading each file's
// content from its source as it goes.
func writeTar(w io.Writer, all []Entry, epoch time.Time) error {
	tw := tar.NewWriter(w)
	epoch = epoch.UTC().Truncate(time.Second)
	for _, e := range all {
		if err := writeEntry(tw, e, epoch); err != nil {
			return err
		}
	}
	return tw.Close()
}

func writeEntry(tw *tar.Writer, e Entry, epoch time.Time) error {
	name := strings.TrimPrefix(e.Path, "/")
	mtime := epoch
	if !e.ModTime.IsZero() {
		mtime = e.ModTime.UTC().Truncate(time.Second)
	}
	hdr := &tar.Header{
		Name:    name,
		Mode:    TarMode(e.Mode),
		Uid:     e.UID,
		Gid:     e.GID,
		ModTime: mtime,
		Format:  tar.FormatPAX,
	}
	if len(e.Xattrs) > 0 {
		hdr.PAXRecords = make(map[string]string, len(e.Xattrs))
		for k, v := range e.Xattrs {
			hdr.PAXRecords["SCHILY.xattr."+k] = v
		}
	} else if hdr.Uid < 0x200000 && hdr.Gid < 0x200000 && len(name) < 100 && len(e.Link) < 100 && len(e.HardLink) < 100 {
		hdr.Format = tar.FormatUSTAR
	}
	switch {
	case e.Mode.IsDir():
		hdr.Typeflag = tar.TypeDir
		hdr.Name += "/"
	case e.Mode&fs.ModeSymlink != 0:
		hdr.Typeflag = tar.TypeSymlink
		hdr.Linkname = e.Link
	case e.HardLink != "":
		hdr.Typeflag = tar.TypeLink
		hdr.Linkname = strings.TrimPrefix(e.HardLink, "/")
	case e.Mode.IsRegular():
		hdr.Typeflag = tar.TypeReg
		return writeFile(tw, hdr, e)
	default:
		return fmt.Errorf("layer: %s: unsupported file type %v", e.Path, e.Mode.Type())
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("writing %s: %w", e.Path, err)
	}
	return nil
}

// writeFile writes a regular file's header and content. A source that
// changes size while the layer is written is an error, not a short or
// long entry.
func writeFile(tw *tar.Writer, hdr *tar.Header, e Entry) error {
	r, size, err := e.Contents()
	if err != nil {
		return err
	}
	defer r.Close()
	hdr.Size = size
	if err := tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("writing %s: %w", e.Path, err)
	}
	n, err := io.Copy(tw, io.LimitReader(r, size))
	if err != nil {
		return fmt.Errorf("reading %s: %w", e.from(), err)
	}
	var one [1]byte
	if m, _ := r.Read(one[:]); n != size || m > 0 {
		return fmt.Errorf("reading %s: its size changed while the layer was written", e.from())
	}
	return nil
}

// Contents opens a regular file's content, from Data, Open or Source,
// with its size.
func (e Entry) Contents() (io.ReadCloser, int64, error) {
	switch {
	case e.Data != nil || (e.Source == "" && e.Open == nil):
		return io.NopCloser(bytes.NewReader(e.Data)), int64(len(e.Data)), nil
	case e.Open != nil:
		r, err := e.Open()
		if err != nil {
			return nil, 0, fmt.Errorf("reading %s: %w", e.from(), err)
		}
		return r, e.Size, nil
	}
	f, err := os.Open(e.Source)
	if err != nil {
		return nil, 0, fmt.Errorf("reading %s: %w", e.from(), err)
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = errors.New("not a regular file")
	}
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("reading %s: %w", e.from(), err)
	}
	return f, fi.Size(), nil
}

// from names where an entry's content comes from, for errors.
func (e Entry) from() string {
	if e.Source != "" && e.Data == nil && e.Open == nil {
		return e.Source + " for " + e.Path
	}
	return e.Path
}

// normalise cleans paths, drops exact duplicates, rejects conflicting
// ones, adds missing parent directories, sorts, and points every hard
// link at the first of its names in that order.
func normalise(entries []Entry) ([]Entry, error) {
	byPath := make(map[string]Entry, len(entries))
	for _, e := range entries {
		if e.Path == "" {
			return nil, errors.New("layer: entry with an empty path")
		}
		e.Path = path.Clean("/" + e.Path)
		if e.HardLink != "" {
			e.HardLink = path.Clean("/" + e.HardLink)
		}
		if e.Path == "/" {
			continue
		}
		if e.Mode&fs.ModeType&^(fs.ModeDir|fs.ModeSymlink) != 0 {
			return nil, fmt.Errorf("layer: %s: unsupported file type %v", e.Path, e.Mode.Type())
		}
		if old, ok := byPath[e.Path]; ok {
			if !same(old, e) {
				return nil, fmt.Errorf("%w: %s", ErrDuplicate, e.Path)
			}
			continue
		}
		byPath[e.Path] = e
	}
	for p := range byPath {
		for d := path.Dir(p); d != "/"; d = path.Dir(d) {
			if old, ok := byPath[d]; ok {
				if !old.Mode.IsDir() {
					return nil, fmt.Errorf("layer: %s is under %s, which is not a directory", p, d)
				}
				continue
			}
			byPath[d] = Entry{Path: d, Mode: fs.ModeDir | 0o755}
		}
	}
	if err := linkFirst(byPath); err != nil {
		return nil, err
	}
	all := make([]Entry, 0, len(byPath))
	for _, e := range byPath {
		all = append(all, e)
	}
	// Sorting by path puts every directory before what it holds ("/a" <
	// "/a/b"); '/' sorts before the other printable characters, so "/a/b"
	// comes before "/a-b" too. Comparing with '/' as the lowest byte keeps
	// that true for names holding characters below '/' ("/a b").
	sort.Slice(all, func(i, j int) bool { return pathLess(all[i].Path, all[j].Path) })
	return all, nil
}

// linkFirst rewrites the hard links of byPath so that in each set of
// names for one file the first in layer order carries the content and
// the others link to it: an unpacker meets the data before the links.
func linkFirst(byPath map[string]Entry) error {
	root := func(p string) (string, error) {
		for range len(byPath) + 1 {
			e, ok := byPath[p]
			switch {
			case !ok:
				return "", fmt.Errorf("layer: hard link to %s, which is not in the layer", p)
			case !e.Mode.IsRegular():
				return "", fmt.Errorf("layer: hard link to %s, which is not a regular file", p)
			case e.HardLink == "":
				return p, nil
			}
			p = e.HardLink
		}
		return "", fmt.Errorf("layer: hard links in a loop at %s", p)
	}
	groups := map[string][]string{} // data holder -> its other names
	for p, e := range byPath {
		if e.HardLink == "" {
			continue
		}
		r, err := root(p)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		groups[r] = append(groups[r], p)
	}
	for r, names := range groups {
		names = append(names, r)
		first := names[0]
		for _, n := range names[1:] {
			if pathLess(n, first) {
				first = n
			}
		}
		data := byPath[r]
		for _, n := range names {
			e := data
			e.Path = n
			if n != first {
				e.HardLink = first
				e.Data, e.Source, e.Open, e.Size, e.Xattrs = nil, "", nil, 0, nil
			}
			byPath[n] = e
		}
	}
	return nil
}

func pathLess(a, b string) bool {
	return strings.ReplaceAll(a, "/", "\x00") < strings.ReplaceAll(b, "/", "\x00")
}
