package rootfs

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/layout"
)

// BenchmarkUnpackFat unpacks the nginx fat image of the slim tests (made
// by `go run ./internal/slim/cmd/mkfat`; DIET_BENCH_LAYOUT names another
// oci layout), the first step of every diet slim and most of its time.
func BenchmarkUnpackFat(b *testing.B) {
	dir := os.Getenv("DIET_BENCH_LAYOUT")
	if dir == "" {
		m, _ := filepath.Glob("/var/cache/diet-test/slim-fat/images-*")
		if len(m) == 0 {
			b.Skip("no fat image: run go run ./internal/slim/cmd/mkfat")
		}
		dir = m[0]
	}
	p, err := layout.FromPath(dir)
	if err != nil {
		b.Fatal(err)
	}
	idx, err := p.ImageIndex()
	if err != nil {
		b.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		b.Fatal(err)
	}
	img, err := idx.Image(im.Manifests[0].Digest)
	if err != nil {
		b.Fatal(err)
	}
	for _, keep := range []bool{false, true} {
		name := "plain"
		if keep {
			name = "owners"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				out := filepath.Join(b.TempDir(), "root")
				rep, err := Unpack(context.Background(), img, out, UnpackOptions{KeepOwners: keep})
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(rep.Entries), "entries")
				b.StopTimer()
				os.RemoveAll(out)
				b.StartTimer()
			}
		})
	}
}
