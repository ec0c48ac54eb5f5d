// Package layer makes reproducible image layers from a set of files: the
// same entries give the same bytes, whatever the machine, the order the
// entries came in, the owners and times of the source files, or the number
// of cores that compressed them.
//
// Layers stream: file contents are read from their sources while the tar
// stream is written, compressed in parallel blocks and hashed on the fly
// into a temporary file, so memory does not grow with the layer.
package layer

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Compression names.
const (
	Gzip = "gzip"
	Zstd = "zstd"
)

// Entry is one file, directory, symlink or hard link of a layer.
type Entry struct {
	// Path is absolute in the image ("/usr/local/bin/x").
	Path string
	// Mode carries the type bits (fs.ModeDir, fs.ModeSymlink, none for a
	// regular file) and the permission bits (with setuid, setgid, sticky).
	Mode     fs.FileMode
	UID, GID int
	// Link is the target of a symlink.
	Link string
	// HardLink, on a regular file, is the path of another regular file of
	// the layer this one is a hard link to: the layer carries the data
	// once and a tar link entry for the other name. Which of the names
	// carries the data is decided by the order of the layer, not by the
	// direction of the links.
	HardLink string
	// Source is the host path a regular file's content is read from, when
	// Data and Open are nil. It is read while the layer is written.
	Source string
	// Open, with Size, gives a regular file's content from elsewhere (a
	// file of a root file system); it is called while the layer is
	// written.
	Open func() (io.ReadCloser, error)
	// Size is the length of what Open gives.
	Size int64
	// Data is the inline content of a regular file.
	Data []byte
	// ModTime, when set, is the entry's modification time (to the
	// second) instead of Options.Epoch: diet slim keeps the original's.
	ModTime time.Time
	// Xattrs are extended attributes ("security.capability" and so on),
	// written as SCHILY.xattr PAX records.
	Xattrs map[string]string
}

// Options says how to write a layer.
type Options struct {
	// Epoch is the modification time of every entry that has none
	// (SOURCE_DATE_EPOCH).
	Epoch time.Time
	// Compression is "gzip" (the default) or "zstd".
	Compression string
	// Progress, when set, is called as compression goes with the bytes
	// done and an estimate of the total (gzip only; the last call has
	// done == total).
	Progress func(done, total int64)
	// TempDir is where the compressed layer is kept while the layer is
	// used (default: os.TempDir()).
	TempDir string
}

// ErrDuplicate is returned when two different entries share a path.
var ErrDuplicate = errors.New("layer: two different entries for one path")

// Layer is a layer whose compressed blob is kept in an unlinked temporary
// file: nothing is left on disk, whichever way the process ends, and the
// space is freed when the Layer is collected. It implements v1.Layer.
type Layer struct {
	blob      *os.File
	size      int64
	digest    v1.Hash
	diffID    v1.Hash
	mediaType types.MediaType
}

// Build writes entries as one layer. Missing parent directories are added
// (0755, root:root); entries are sorted by path; times are set to
// opts.Epoch (unless an entry has its own) and user and group names
// dropped, so that only the paths, modes, owners, times, attributes and
// contents given decide the bytes.
func Build(entries []Entry, opts Options) (v1.Layer, error) {
	all, err := normalise(entries)
	if err != nil {
		return nil, err
	}
	var mt types.MediaType
	switch opts.Compression {
	case "", Gzip:
		mt = types.OCILayer
	case Zstd:
		mt = types.OCILayerZStd
	default:
		return nil, fmt.Errorf("layer: unknown compression %q (want gzip or zstd)", opts.Compression)
	}
	f, err := os.CreateTemp(opts.TempDir, "diet-layer-*")
	if err != nil {
		return nil, fmt.Errorf("making the layer's temporary file: %w", err)
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, err
	}
	l, err := write(f, all, mt, opts)
	if err != nil {
		f.Close()
		return nil, err
	}
	return l, nil
}

// write streams the tar of all through the compressor into f, hashing
// both sides.
func write(f *os.File, all []Entry, mt types.MediaType, opts Options) (*Layer, error) {
	blob := &hashWriter{w: f, h: sha256.New()}
	var comp io.WriteCloser
	var err error
	if mt == types.OCILayerZStd {
		comp, err = newZstdWriter(blob)
	} else {
		var progress func(int64)
		if opts.Progress != nil {
			total := estimate(all)
			progress = func(done int64) { opts.Progress(min(done, total-1), total) }
		}
		comp, err = newGzipWriter(blob, progress)
	}
	if err != nil {
		return nil, fmt.Errorf("compressing layer: %w", err)
	}
	tarball := &hashWriter{w: comp, h: sha256.New()}
	if err := writeTar(tarball, all, opts.Epoch); err != nil {
		comp.Close()
		return nil, err
	}
	if err := comp.Close(); err != nil {
		return nil, fmt.Errorf("compressing layer: %w", err)
	}
	if opts.Progress != nil && mt != types.OCILayerZStd {
		opts.Progress(tarball.n, tarball.n)
	}
	return &Layer{blob: f, size: blob.n, digest: blob.sum(), diffID: tarball.sum(), mediaType: mt}, nil
}

// estimate is about the size of the tarball of all, for progress.
func estimate(all []Entry) int64 {
	n := int64(1024)
	for _, e := range all {
		n += 512 + (size(e)+511)&^511
	}
	return n
}

func size(e Entry) int64 {
	switch {
	case e.Data != nil:
		return int64(len(e.Data))
	case e.Open != nil:
		return e.Size
	case e.Source != "":
		if fi, err := os.Stat(e.Source); err == nil {
			return fi.Size()
		}
	}
	return 0
}

// hashWriter counts and hashes what goes through it.
type hashWriter struct {
	w io.Writer
	h hash.Hash
	n int64
}

func (w *hashWriter) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	w.h.Write(p[:n])
	w.n += int64(n)
	return n, err
}

func (w *hashWriter) sum() v1.Hash {
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(w.h.Sum(nil))}
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

// Digest is the sha256 of the compressed layer.
func (l *Layer) Digest() (v1.Hash, error) { return l.digest, nil }

// DiffID is the sha256 of the uncompressed tarball.
func (l *Layer) DiffID() (v1.Hash, error) { return l.diffID, nil }

// Compressed returns the compressed layer, read from its temporary file.
func (l *Layer) Compressed() (io.ReadCloser, error) {
	return io.NopCloser(io.NewSectionReader(l.blob, 0, l.size)), nil
}

// Uncompressed returns the tarball, decompressed as it is read.
func (l *Layer) Uncompressed() (io.ReadCloser, error) {
	r := io.NewSectionReader(l.blob, 0, l.size)
	if l.mediaType == types.OCILayerZStd {
		zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, err
		}
		return zr.IOReadCloser(), nil
	}
	return gzip.NewReader(r)
}

// Size is the size of the compressed layer.
func (l *Layer) Size() (int64, error) { return l.size, nil }

// MediaType is the OCI layer media type for the compression used.
func (l *Layer) MediaType() (types.MediaType, error) { return l.mediaType, nil }

var _ v1.Layer = (*Layer)(nil)

func same(a, b Entry) bool {
	return a.Mode == b.Mode && a.UID == b.UID && a.GID == b.GID && a.Link == b.Link &&
		a.HardLink == b.HardLink && a.Source == b.Source && a.Open == nil && b.Open == nil &&
		bytes.Equal(a.Data, b.Data) && a.ModTime.Equal(b.ModTime) && sameXattrs(a.Xattrs, b.Xattrs)
}

func sameXattrs(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
