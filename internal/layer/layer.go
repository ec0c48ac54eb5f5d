// Package layer makes reproducible image layers from a set of files: the
// same entries give the same bytes, whatever the machine, the order the
// entries came in, the owners and times of the source files, or the number
// of cores that compressed them.
package layer

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Compression names.
const (
	Gzip = "gzip"
	Zstd = "zstd"
)

// Entry is one file, directory or symlink of a layer.
type Entry struct {
	// Path is absolute in the image ("/usr/local/bin/x").
	Path string
	// Mode carries the type bits (fs.ModeDir, fs.ModeSymlink, none for a
	// regular file) and the permission bits (with setuid, setgid, sticky).
	Mode     fs.FileMode
	UID, GID int
	// Link is the target of a symlink.
	Link string
	// Source is the host path a regular file's content is read from, when
	// Data is nil.
	Source string
	// Data is the inline content of a regular file.
	Data []byte
}

// Options says how to write a layer.
type Options struct {
	// Epoch is the modification time of every entry (SOURCE_DATE_EPOCH).
	Epoch time.Time
	// Compression is "gzip" (the default) or "zstd".
	Compression string
	// Progress, when set, is called as compression goes with the bytes
	// done and the total (gzip only; from several goroutines, in order).
	Progress func(done, total int64)
}

// ErrDuplicate is returned when two different entries share a path.
var ErrDuplicate = errors.New("layer: two different entries for one path")

// Layer is a layer held in memory. It implements v1.Layer.
type Layer struct {
	tarball    []byte
	compressed []byte
	digest     v1.Hash
	diffID     v1.Hash
	mediaType  types.MediaType
}

// Build writes entries as one layer. Missing parent directories are added
// (0755, root:root); entries are sorted by path; times are set to
// opts.Epoch and user and group names dropped, so that only the paths,
// modes, owners and contents given decide the bytes.
func Build(entries []Entry, opts Options) (v1.Layer, error) {
	tb, err := Tar(entries, opts.Epoch)
	if err != nil {
		return nil, err
	}
	return compress(tb, opts.Compression, opts.Progress)
}

func compress(tb []byte, compression string, progress func(done, total int64)) (*Layer, error) {
	l := &Layer{tarball: tb, diffID: sha(tb)}
	var err error
	switch compression {
	case "", Gzip:
		l.compressed, err = gzipParallel(tb, progress)
		l.mediaType = types.OCILayer
	case Zstd:
		l.compressed, err = zstdCompress(tb)
		l.mediaType = types.OCILayerZStd
	default:
		return nil, fmt.Errorf("layer: unknown compression %q (want gzip or zstd)", compression)
	}
	if err != nil {
		return nil, fmt.Errorf("compressing layer: %w", err)
	}
	l.digest = sha(l.compressed)
	return l, nil
}

func sha(b []byte) v1.Hash {
	s := sha256.Sum256(b)
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(s[:])}
}

// Tar writes the normalised, sorted, uncompressed tarball of entries.
func Tar(entries []Entry, epoch time.Time) ([]byte, error) {
	all, err := normalise(entries)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	epoch = epoch.UTC().Truncate(time.Second)
	for _, e := range all {
		name := strings.TrimPrefix(e.Path, "/")
		hdr := &tar.Header{
			Name:    name,
			Mode:    TarMode(e.Mode),
			Uid:     e.UID,
			Gid:     e.GID,
			ModTime: epoch,
			Format:  tar.FormatPAX,
		}
		if hdr.Uid < 0x200000 && hdr.Gid < 0x200000 && len(name) < 100 && len(e.Link) < 100 {
			hdr.Format = tar.FormatUSTAR
		}
		var data []byte
		switch {
		case e.Mode.IsDir():
			hdr.Typeflag = tar.TypeDir
			hdr.Name += "/"
		case e.Mode&fs.ModeSymlink != 0:
			hdr.Typeflag = tar.TypeSymlink
			hdr.Linkname = e.Link
		case e.Mode.IsRegular():
			hdr.Typeflag = tar.TypeReg
			data = e.Data
			if data == nil && e.Source != "" {
				if data, err = os.ReadFile(e.Source); err != nil {
					return nil, fmt.Errorf("reading %s for %s: %w", e.Source, e.Path, err)
				}
			}
			hdr.Size = int64(len(data))
		default:
			return nil, fmt.Errorf("layer: %s: unsupported file type %v", e.Path, e.Mode.Type())
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, fmt.Errorf("writing %s: %w", e.Path, err)
		}
		if _, err := tw.Write(data); err != nil {
			return nil, fmt.Errorf("writing %s: %w", e.Path, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// TarMode is the tar header mode of m: the permission bits with setuid,
// setgid and sticky.
func TarMode(m fs.FileMode) int64 {
	b := int64(m.Perm())
	if m&fs.ModeSetuid != 0 {
		b |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		b |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		b |= 0o1000
	}
	return b
}

// normalise cleans paths, drops exact duplicates, rejects conflicting
// ones, adds missing parent directories and sorts.
func normalise(entries []Entry) ([]Entry, error) {
	byPath := make(map[string]Entry, len(entries))
	for _, e := range entries {
		if e.Path == "" {
			return nil, errors.New("layer: entry with an empty path")
		}
		e.Path = path.Clean("/" + e.Path)
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

func pathLess(a, b string) bool {
	return strings.ReplaceAll(a, "/", "\x00") < strings.ReplaceAll(b, "/", "\x00")
}

func same(a, b Entry) bool {
	return a.Mode == b.Mode && a.UID == b.UID && a.GID == b.GID && a.Link == b.Link &&
		a.Source == b.Source && bytes.Equal(a.Data, b.Data)
}

// Digest is the sha256 of the compressed layer.
func (l *Layer) Digest() (v1.Hash, error) { return l.digest, nil }

// DiffID is the sha256 of the uncompressed tarball.
func (l *Layer) DiffID() (v1.Hash, error) { return l.diffID, nil }

// Compressed returns the compressed layer.
func (l *Layer) Compressed() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(l.compressed)), nil
}

// Uncompressed returns the tarball.
func (l *Layer) Uncompressed() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(l.tarball)), nil
}

// Size is the size of the compressed layer.
func (l *Layer) Size() (int64, error) { return int64(len(l.compressed)), nil }

// MediaType is the OCI layer media type for the compression used.
func (l *Layer) MediaType() (types.MediaType, error) { return l.mediaType, nil }

var _ v1.Layer = (*Layer)(nil)
