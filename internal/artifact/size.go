package artifact

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dietimg/diet/internal/rootfs"
)

// Size is an image's size as every diet command reports it (SizeOf).
type Size struct {
	// Compressed is the sum of the layer blobs, what a pull transfers;
	// manifests and configs are not counted.
	Compressed int64 `json:"compressed"`
	// Uncompressed is what `docker images` shows once the image is
	// loaded.
	Uncompressed int64 `json:"uncompressed"`
	// Files is the sum of the sizes of the regular files diet put in
	// the image (0 when not counted).
	Files int64 `json:"files,omitempty"`
}

// SizeOf measures img as every diet command does.
func SizeOf(img v1.Image) (Size, error) {
	u, c, err := Sizes(img)
	return Size{Compressed: c, Uncompressed: u}, err
}

// Sizes returns the two sizes diet reports for an image, the same for
// every command: uncompressed is what `docker images` shows (the sum of
// LayerSize over the layers), compressed the sum of the layer blobs, what
// a pull transfers; the manifest and the config blob are not counted.
func Sizes(img v1.Image) (uncompressed, compressed int64, err error) {
	if compressed, err = CompressedSize(img); err != nil {
		return 0, 0, err
	}
	layers, err := img.Layers()
	if err != nil {
		return 0, 0, fmt.Errorf("listing layers: %w", err)
	}
	for i, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			return 0, 0, fmt.Errorf("layer %d: opening: %w", i, err)
		}
		n, err := LayerSize(rc)
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

// CompressedSize is Sizes's compressed figure alone, which needs no read
// of the layers (rootfs.UnpackReport.Size is the uncompressed one of an
// image that is unpacked anyway).
func CompressedSize(img v1.Image) (int64, error) {
	layers, err := img.Layers()
	if err != nil {
		return 0, fmt.Errorf("listing layers: %w", err)
	}
	var compressed int64
	for i, l := range layers {
		n, err := l.Size()
		if err != nil {
			return 0, fmt.Errorf("layer %d: reading blob size: %w", i, err)
		}
		compressed += n
	}
	return compressed, nil
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
		n += rootfs.EntrySize(hdr)
	}
	// Drain the end-of-archive blocks, so that verifying readers check
	// the digest.
	if _, err := io.Copy(io.Discard, r); err != nil {
		return n, fmt.Errorf("reading tar stream: %w", err)
	}
	return n, nil
}
