package build

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/srcbuild"
	"github.com/dietimg/diet/internal/testenv"
	"github.com/dietimg/diet/internal/why"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// sourceCopy copies a test source of internal/srcbuild into a new
// directory: the build runs in another place each time and cannot write
// into the repository.
func sourceCopy(t *testing.T, name string) string {
	t.Helper()
	src := filepath.Join("../srcbuild/testdata", name)
	dir := t.TempDir()
	fi, err := os.Stat(src)
	if err != nil {
		t.Fatal(err)
	}
	if !fi.IsDir() {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(dir, name)
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return dst
	}
	dst := filepath.Join(dir, name)
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dst
}

// needToolchain reports the test missing the toolchain when the build
// says it is not installed.
func needToolchain(t *testing.T, err error) {
	t.Helper()
	if errors.Is(err, srcbuild.ErrToolchain) {
		testenv.Missing(t, "%v", err)
	}
}

// TestE2ESources builds the test crate and the test C file, runs each
// image in Docker and in runc with its output checked, and builds each
// again from another directory: the same digest.
func TestE2ESources(t *testing.T) {
	testenv.Docker(t)
	testenv.Runc(t)
	t.Setenv("CARGO_NET_OFFLINE", "true") // the test crate has no dependencies
	for _, tc := range []struct {
		name, src, kind, want string
	}{
		{"rust", "hello-rs", "rust", "hello from rust: a b"},
		{"c", "hello.c", "c", "hello from C: a b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var digests []string
			for _, rt := range []string{"docker", "runc"} {
				out := filepath.Join(t.TempDir(), "img.tar")
				res, err := buildTo(context.Background(), Options{Source: sourceCopy(t, tc.src), Engine: newEngine(t, rt), Smoke: []Smoke{{Args: []string{"a", "b"}, ExpectStdout: ptr(tc.want)}}}, "oci-archive:"+out, "")
				needToolchain(t, err)
				if err != nil {
					t.Fatal(err)
				}
				sm := res.Images[0].Smoke[0]
				if sm.Runtime != rt || strings.TrimSpace(sm.Stdout) != tc.want {
					t.Errorf("in %s printed %q", sm.Runtime, sm.Stdout)
				}
				if res.Kind != tc.kind {
					t.Errorf("kind %s, want %s", res.Kind, tc.kind)
				}
				for _, f := range res.Images[0].Files {
					if f.Reason.Kind != why.Program && f.Reason.Kind != why.SystemFile {
						t.Errorf("%s in the image of a static program: %s", f.Path, f.Reason)
					}
				}
				t.Logf("%s in %s: %s, %d bytes uncompressed, %d compressed", tc.src, rt, res.Digest, res.Size.Uncompressed, res.Size.Compressed)
				digests = append(digests, res.Digest.String())
			}
			if digests[0] != digests[1] {
				t.Errorf("two builds of %s in two places: %s and %s", tc.src, digests[0], digests[1])
			}
		})
	}
}

// TestSourceErrors: a crate that does not compile, a C file that does not
// link, a directory with no sources, another platform: each an error
// naming the source, and nothing written.
func TestSourceErrors(t *testing.T) {
	t.Setenv("CARGO_NET_OFFLINE", "true")
	other := "linux/arm64"
	if runtime.GOARCH == "arm64" {
		other = "linux/amd64"
	}
	for _, tc := range []struct {
		name, src string
		plat      string
		want      string
	}{
		{"crate", "broken-rs", "", "cannot find value `undefined_name`"},
		{"c", "nolink.c", "", "undefined reference to `not_defined_anywhere'"},
		{"none", "", "", "holds no Cargo.toml, Makefile, .c or .go file"},
		{"platform", "hello.c", other, "for linux/" + runtime.GOARCH + " only; --platform asks for " + other},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := t.TempDir()
			if tc.src != "" {
				src = sourceCopy(t, tc.src)
			}
			out := filepath.Join(t.TempDir(), "img.tar")
			opts := Options{Source: src}
			if tc.plat != "" {
				p, err := image.ParsePlatform(tc.plat)
				if err != nil {
					t.Fatal(err)
				}
				opts.Platforms = []v1.Platform{p}
			}
			_, err := buildTo(context.Background(), opts, "oci-archive:"+out, "")
			needToolchain(t, err)
			if err == nil || !strings.HasPrefix(err.Error(), src+": ") && !strings.Contains(err.Error(), src+" ") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one naming %s and saying %q", err, src, tc.want)
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("output written after a failed build")
			}
		})
	}
	// --bin and --static are refused for other sources.
	_, err := Build(context.Background(), Options{Source: "./testdata/hello", Bin: "x"})
	if err == nil || !strings.Contains(err.Error(), "--bin and --static are for Rust crates and C sources") {
		t.Errorf("--bin with a Go package: %v", err)
	}
}
