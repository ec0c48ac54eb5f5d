package image

import (
	"archive/tar"
	"bytes"
	"encoding/json"
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
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// refNameAnnotation is the OCI layout annotation that names a manifest.
const refNameAnnotation = "org.opencontainers.image.ref.name"

// fsLayout reads an OCI image layout from any fs.FS: a directory, or an
// oci-archive held in memory.
type fsLayout struct {
	fsys fs.FS
	desc string // for errors
}

func (l fsLayout) blob(h v1.Hash) ([]byte, error) {
	b, err := fs.ReadFile(l.fsys, path.Join("blobs", h.Algorithm, h.Hex))
	if err != nil {
		return nil, fmt.Errorf("%s: blob %s: %w", l.desc, h, err)
	}
	return b, nil
}

func (l fsLayout) open(h v1.Hash) (io.ReadCloser, error) {
	f, err := l.fsys.Open(path.Join("blobs", h.Algorithm, h.Hex))
	if err != nil {
		return nil, fmt.Errorf("%s: blob %s: %w", l.desc, h, err)
	}
	return f, nil
}

func (l fsLayout) index() (*v1.IndexManifest, error) {
	b, err := fs.ReadFile(l.fsys, "index.json")
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: not an OCI image layout (no index.json)", l.desc)
		}
		return nil, fmt.Errorf("%s: %w", l.desc, err)
	}
	var im v1.IndexManifest
	if err := json.Unmarshal(b, &im); err != nil {
		return nil, fmt.Errorf("%s: index.json: %w", l.desc, err)
	}
	return &im, nil
}

// pick finds the manifest named tag in the layout's index.json, or the
// only one when tag is empty, and returns it as an image (choosing by
// platform inside an image index).
func (l fsLayout) pick(tag string, platform *v1.Platform) (v1.Image, error) {
	im, err := l.index()
	if err != nil {
		return nil, err
	}
	var found []v1.Descriptor
	var names []string
	for _, d := range im.Manifests {
		n := d.Annotations[refNameAnnotation]
		if n != "" {
			names = append(names, n)
		}
		if tag == "" || n == tag {
			found = append(found, d)
		}
	}
	sort.Strings(names)
	switch {
	case len(found) == 0 && tag != "":
		return nil, fmt.Errorf("%s: no image tagged %q (tags: %s)", l.desc, tag, strings.Join(names, ", "))
	case len(found) == 0:
		return nil, fmt.Errorf("%s: the layout holds no image", l.desc)
	case len(found) > 1:
		return nil, fmt.Errorf("%s: %d images, name one with :TAG (tags: %s)", l.desc, len(found), strings.Join(names, ", "))
	}
	return l.imageOrChild(found[0], platform)
}

func (l fsLayout) imageOrChild(d v1.Descriptor, platform *v1.Platform) (v1.Image, error) {
	switch {
	case d.MediaType.IsImage():
		return l.image(d.Digest)
	case d.MediaType.IsIndex():
		idx := &fsIndex{l: l, digest: d.Digest}
		return imageFromIndex(idx, platform, l.desc)
	}
	return nil, fmt.Errorf("%s: %s has media type %s, not an image", l.desc, d.Digest, d.MediaType)
}

func (l fsLayout) image(h v1.Hash) (v1.Image, error) {
	raw, err := l.blob(h)
	if err != nil {
		return nil, err
	}
	return partial.CompressedToImage(&fsImage{l: l, raw: raw})
}

// fsImage is the core of an image read from a layout.
type fsImage struct {
	l   fsLayout
	raw []byte
}

func (i *fsImage) RawManifest() ([]byte, error) { return i.raw, nil }

func (i *fsImage) MediaType() (types.MediaType, error) {
	m, err := v1.ParseManifest(bytes.NewReader(i.raw))
	if err != nil {
		return "", err
	}
	if m.MediaType == "" {
		return types.OCIManifestSchema1, nil
	}
	return m.MediaType, nil
}

func (i *fsImage) RawConfigFile() ([]byte, error) {
	m, err := v1.ParseManifest(bytes.NewReader(i.raw))
	if err != nil {
		return nil, err
	}
	return i.l.blob(m.Config.Digest)
}

func (i *fsImage) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	m, err := v1.ParseManifest(bytes.NewReader(i.raw))
	if err != nil {
		return nil, err
	}
	if h == m.Config.Digest {
		return &fsBlob{l: i.l, desc: m.Config}, nil
	}
	for _, d := range m.Layers {
		if d.Digest == h {
			return &fsBlob{l: i.l, desc: d}, nil
		}
	}
	return nil, fmt.Errorf("%s: layer %s not in manifest", i.l.desc, h)
}

type fsBlob struct {
	l    fsLayout
	desc v1.Descriptor
}

func (b *fsBlob) Digest() (v1.Hash, error)            { return b.desc.Digest, nil }
func (b *fsBlob) Compressed() (io.ReadCloser, error)  { return b.l.open(b.desc.Digest) }
func (b *fsBlob) Size() (int64, error)                { return b.desc.Size, nil }
func (b *fsBlob) MediaType() (types.MediaType, error) { return b.desc.MediaType, nil }
func (b *fsBlob) Descriptor() (*v1.Descriptor, error) { d := b.desc; return &d, nil }

// fsIndex is an image index read from a layout.
type fsIndex struct {
	l      fsLayout
	digest v1.Hash
}

func (x *fsIndex) raw() ([]byte, error) { return x.l.blob(x.digest) }

func (x *fsIndex) MediaType() (types.MediaType, error) { return x.mediaType() }
func (x *fsIndex) Digest() (v1.Hash, error)            { return x.digest, nil }
func (x *fsIndex) Size() (int64, error)                { b, err := x.raw(); return int64(len(b)), err }
func (x *fsIndex) RawManifest() ([]byte, error)        { return x.raw() }
func (x *fsIndex) Image(h v1.Hash) (v1.Image, error)   { return x.l.image(h) }
func (x *fsIndex) ImageIndex(h v1.Hash) (v1.ImageIndex, error) {
	return &fsIndex{l: x.l, digest: h}, nil
}

func (x *fsIndex) mediaType() (types.MediaType, error) {
	im, err := x.IndexManifest()
	if err != nil {
		return "", err
	}
	if im.MediaType == "" {
		return types.OCIImageIndex, nil
	}
	return im.MediaType, nil
}

func (x *fsIndex) IndexManifest() (*v1.IndexManifest, error) {
	b, err := x.raw()
	if err != nil {
		return nil, err
	}
	return v1.ParseIndexManifest(bytes.NewReader(b))
}

// imageFromIndex picks the image for platform (default: linux on this
// machine's architecture) out of an index.
func imageFromIndex(idx v1.ImageIndex, platform *v1.Platform, desc string) (v1.Image, error) {
	want := hostPlatform()
	if platform != nil {
		want = *platform
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	var have []string
	for _, d := range im.Manifests {
		if d.Platform == nil || !d.MediaType.IsImage() {
			continue
		}
		have = append(have, d.Platform.String())
		if d.Platform.Satisfies(want) {
			return idx.Image(d.Digest)
		}
	}
	return nil, fmt.Errorf("%s: no image for platform %s (has %s)", desc, want.String(), strings.Join(have, ", "))
}

// readArchive indexes a tar archive (an oci-archive) as a file system
// without reading its contents: each file is read from the archive, in
// place, when it is opened, so a layer is never held in memory.
func readArchive(file string) (fs.FS, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	a := &archiveFS{file: file, files: map[string]archived{}}
	tr := tar.NewReader(f) // *os.File seeks over the contents
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return a, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", file, err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		n := path.Clean(strings.TrimPrefix(h.Name, "./"))
		if !fs.ValidPath(n) {
			continue
		}
		off, err := f.Seek(0, io.SeekCurrent)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", file, err)
		}
		a.files[n] = archived{off: off, size: h.Size}
	}
}

// archiveFS is the regular files of a tar archive, read in place.
type archiveFS struct {
	file  string
	files map[string]archived
}

type archived struct{ off, size int64 }

func (a *archiveFS) Open(name string) (fs.File, error) {
	e, ok := a.files[name]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	f, err := os.Open(a.file)
	if err != nil {
		return nil, err
	}
	return &archivedFile{SectionReader: io.NewSectionReader(f, e.off, e.size), f: f, name: path.Base(name)}, nil
}

type archivedFile struct {
	*io.SectionReader
	f    *os.File
	name string
}

func (f *archivedFile) Stat() (fs.FileInfo, error) { return archivedInfo{f.name, f.Size()}, nil }
func (f *archivedFile) Close() error               { return f.f.Close() }

type archivedInfo struct {
	name string
	size int64
}

func (i archivedInfo) Name() string       { return i.name }
func (i archivedInfo) Size() int64        { return i.size }
func (i archivedInfo) Mode() fs.FileMode  { return 0o444 }
func (i archivedInfo) ModTime() time.Time { return time.Time{} }
func (i archivedInfo) IsDir() bool        { return false }
func (i archivedInfo) Sys() any           { return nil }
