package analyze

import (
	"archive/tar"
	"bytes"
	"context"
	"testing"

	"github.com/dietimg/diet/internal/artifact"
	"github.com/dietimg/diet/internal/rootfs"
)

func TestSizes(t *testing.T) {
	img := wasteImage(t)
	u, c, err := artifact.Sizes(img)
	if err != nil {
		t.Fatal(err)
	}
	// Counted by hand from wasteImage: layer 0 has regular files of
	// 1000+100+200+300+50+70+400+123+77 bytes, the dpkg texts, and two
	// symlinks of 6 and 7 bytes (the hard link counts nothing); layer 1
	// 1500+30+10 and three empty whiteouts; layer 2 1500+5.
	want := int64(1000+100+200+300+50+70+400+123+77) + int64(len(testStatus)) +
		int64(len("/.\n/usr\n/usr/bin\n/usr/bin/tool\n/bin/t2\n")+len("/.\n/a/keep\n/a/gone\n")) +
		int64(len("a/keep")+len("usr/bin")) +
		1500 + 30 + 10 + 1500 + 5
	if u != want {
		t.Errorf("uncompressed = %d, want %d", u, want)
	}
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	var blobs int64
	for _, l := range layers {
		n, err := l.Size()
		if err != nil {
			t.Fatal(err)
		}
		blobs += n
	}
	if c != blobs || c <= 0 {
		t.Errorf("compressed = %d, want the layer blobs' %d", c, blobs)
	}
	a, err := Image(context.Background(), "", img, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Uncompressed != u || a.Compressed != c {
		t.Errorf("Image says %d, %d; Sizes %d, %d", a.Uncompressed, a.Compressed, u, c)
	}
	// slim takes the uncompressed size from its unpack, and the
	// compressed one alone: the same figures.
	rep, err := rootfs.Unpack(context.Background(), img, t.TempDir(), rootfs.UnpackOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Size != u {
		t.Errorf("rootfs.Unpack's Size = %d, Sizes %d", rep.Size, u)
	}
	if cs, err := artifact.CompressedSize(img); err != nil || cs != c {
		t.Errorf("CompressedSize = %d, %v; Sizes %d", cs, err, c)
	}
}

func TestLayerSizeBadTar(t *testing.T) {
	tb := layerTar(t, reg("f", 2000))
	if _, err := artifact.LayerSize(bytes.NewReader(tb[:700])); err == nil {
		t.Error("a truncated layer gave no error")
	}
	n, err := artifact.LayerSize(bytes.NewReader(layerTar(t, dir("d/"), sym("s", "abc"), hard("h", "s"), ent{name: "dev", typ: tar.TypeChar})))
	if err != nil || n != 3 {
		t.Errorf("LayerSize = %d, %v; want 3 (the symlink only)", n, err)
	}
}
