package testbases

import (
	"context"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/dietimg/diet/internal/analyze"
	"github.com/dietimg/diet/internal/image"
)

func TestBases(t *testing.T) {
	for _, tc := range []struct {
		name string
		ref  func(testing.TB) string
		want []string // files the base must have
		min  int64    // uncompressed size at least
	}{
		{"busybox", BusyBox, []string{"/bin/busybox", "/bin/sh", "/etc/passwd"}, 1 << 20},
		{"debian", Debian, []string{"/usr/bin/bash", "/var/lib/dpkg/status", "/usr/lib/x86_64-linux-gnu/libc.so.6"}, 50 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ref := tc.ref(t)
			if again := tc.ref(t); again != ref {
				t.Errorf("second call gave %s, want %s", again, ref)
			}
			img, err := image.Read(context.Background(), ref, image.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if mt, err := img.MediaType(); err != nil || mt != types.OCIManifestSchema1 {
				t.Errorf("%s: manifest media type %s, %v; want OCI's", ref, mt, err)
			}
			a, err := analyze.Image(context.Background(), ref, img, analyze.Options{KeepFiles: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(a.Layers) != 1 || a.Uncompressed < tc.min || a.Platform == "" {
				t.Errorf("%s: %d layers, %d bytes, platform %q", ref, len(a.Layers), a.Uncompressed, a.Platform)
			}
			have := map[string]bool{}
			for _, f := range a.Files {
				have[f.Path] = true
			}
			for _, p := range tc.want {
				if !have[p] {
					t.Errorf("%s has no %s", ref, p)
				}
			}
			if tc.name == "debian" {
				p := a.Packages
				if p == nil || len(p.List) < 50 || !p.FileLists {
					t.Fatalf("debian packages: %+v", p)
				}
				// Every regular file is some package's or no package's,
				// and a minbase tree is mostly packaged files.
				sum := p.UnownedBytes
				for _, pk := range p.List {
					sum += pk.Bytes
				}
				if sum != a.FileBytes || p.UnownedBytes > a.FileBytes/10 {
					t.Errorf("package bytes %d + unowned %d, file bytes %d", sum-p.UnownedBytes, p.UnownedBytes, a.FileBytes)
				}
			}
		})
	}
}
