package report

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Sizes returns the two sizes diet reports for an image, the same for
// every command: uncompressed is what `docker images` shows (the sum of
// LayerSize over the layers), compressed the sum of the layer blobs, what
// a pull transfers; the manifest and the config blob are not counted.
func Sizes(img v1.Image) (uncompressed, compressed int64, err error) {
	layers, err := img.Layers()
	if err != nil {
		return 0, 0, fmt.Errorf("listing layers: %w", err)
	}
	for i, l := range layers {
		n, err := l.Size()
		if err != nil {
			return 0, 0, fmt.Errorf("layer %d: reading blob size: %w", i, err)
		}
		compressed += n
		rc, err := l.Uncompressed()
		if err != nil {
			return 0, 0, fmt.Errorf("layer %d: opening: %w", i, err)
		}
		n, err = LayerSize(rc)
		if cerr := rc.Close(); err == nil && cerr != nil {
			err = cerr
		}
		if err != nil {
			return 0, 0, fmt.Errorf("layer %d: %w", i, err)
		}
		uncompressed += n
	}
	return uncompressed, compressed, nil
}

// LayerSize reads a layer's uncompressed tar stream to its end and returns
// the size Docker reports for the layer once loaded (see
// Layer.Uncompressed).
func LayerSize(r io.Reader) (int64, error) {
	var n int64
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return n, fmt.Errorf("reading tar entry: %w", err)
		}
		n += entrySize(hdr)
	}
	// Drain the end-of-archive blocks, so that verifying readers check
	// the digest.
	if _, err := io.Copy(io.Discard, r); err != nil {
		return n, fmt.Errorf("reading tar stream: %w", err)
	}
	return n, nil
}

// entrySize is what one tar entry adds to Docker's size of its layer. The
// overlay2 driver sums the lstat sizes of the unpacked files: a regular
// file its length, a symlink the length of its target; a hard link shares
// its target's inode and is counted once, and directories, devices and
// whiteouts (character devices once unpacked) count nothing.
func entrySize(hdr *tar.Header) int64 {
	if strings.HasPrefix(path.Base(hdr.Name), ".wh.") {
		return 0
	}
	switch hdr.Typeflag {
	case tar.TypeReg, tar.TypeRegA:
		return hdr.Size
	case tar.TypeSymlink:
		return int64(len(hdr.Linkname))
	}
	return 0
}
