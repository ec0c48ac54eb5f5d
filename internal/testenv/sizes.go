package testenv

import (
	"archive/tar"
	"io"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// ImageSizes measures img from its layers, independently of diet's own
// size code: uncompressed sums the regular files and the lengths of the
// symlink targets, as Docker counts them; compressed sums the layer blobs.
// It also returns how many symlinks it counted.
func ImageSizes(t testing.TB, img v1.Image) (uncompressed, compressed int64, symlinks int) {
	t.Helper()
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range layers {
		n, err := l.Size()
		if err != nil {
			t.Fatal(err)
		}
		compressed += n
		rc, err := l.Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		tr := tar.NewReader(rc)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			switch h.Typeflag {
			case tar.TypeReg:
				uncompressed += h.Size
			case tar.TypeSymlink:
				uncompressed += int64(len(h.Linkname))
				symlinks++
			}
		}
		rc.Close()
	}
	return uncompressed, compressed, symlinks
}
