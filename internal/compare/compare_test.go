package compare

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/dietimg/diet/internal/build"
	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/report"
	"github.com/dietimg/diet/internal/testbases"
	"github.com/dietimg/diet/internal/testenv"
)

func names(vs []report.Variant) string {
	var out []string
	for _, v := range vs {
		out = append(out, v.Name)
	}
	return strings.Join(out, ", ")
}

func variant(t *testing.T, res *Result, name string) report.Variant {
	t.Helper()
	for _, v := range res.Variants {
		if v.Name == name {
			return v
		}
	}
	t.Fatalf("no variant %q in %s", name, names(res.Variants))
	return report.Variant{}
}

// TestCompareSlice is the comparison of the issue: the example program on
// a Debian base, a BusyBox base, an empty one, and as diet builds it. Every
// variant that should run does, diet's is the smallest, and the sizes
// agree with Docker's after docker load and with the layer blobs.
func TestCompareSlice(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs six images")
	}
	testenv.LookPath(t, "go", "gcc")
	testenv.Docker(t)
	debian, busybox := testbases.Debian(t), testbases.BusyBox(t)
	ctx := context.Background()
	res, err := Compare(ctx, Options{
		Source: "./cmd/slice",
		GoDir:  "../..",
		Bases:  []Base{{"debian", debian}, {"busybox", busybox}},
		Smoke:  []build.Smoke{{Args: []string{"--help"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	report.WriteComparison(&out, res.Comparison)
	t.Logf("\n%s", out.String())
	if got, want := names(res.Variants), "dynamic on debian, dynamic on busybox, static on debian, static on busybox, static on empty, diet"; got != want {
		t.Fatalf("variants %s, want %s", got, want)
	}
	dietV := variant(t, res, "diet")
	for _, v := range res.Variants {
		if v.Failed() {
			t.Errorf("%s failed: %s", v.Name, v.Error)
			continue
		}
		if v.ShouldRun && v.Run != report.RunOK {
			t.Errorf("%s should run but: %s %s", v.Name, v.Run, v.RunDetail)
		}
		if v.Uncompressed < dietV.Uncompressed || v.Compressed < dietV.Compressed {
			t.Errorf("%s (%d, %d bytes) is smaller than diet's (%d, %d)", v.Name, v.Uncompressed, v.Compressed, dietV.Uncompressed, dietV.Compressed)
		}
		if v.ProgramBytes == 0 || v.ProgramShare <= 0 || v.ProgramShare > 1 {
			t.Errorf("%s: program %d bytes, share %v", v.Name, v.ProgramBytes, v.ProgramShare)
		}
	}
	if v := variant(t, res, "dynamic on busybox"); v.ShouldRun || v.Run != report.RunFailed {
		t.Errorf("dynamic on busybox: should run %v, run %s: a glibc binary cannot start without a loader", v.ShouldRun, v.Run)
	}
	if v := variant(t, res, "dynamic on debian"); v.Layers != 2 || v.Uncompressed < 50e6 {
		t.Errorf("dynamic on debian: %d layers, %d bytes", v.Layers, v.Uncompressed)
	}
	if !res.OK() {
		t.Error("OK() = false")
	}
	for i, v := range res.Variants {
		img := res.Images[i]
		m, err := img.Manifest()
		if err != nil {
			t.Fatal(err)
		}
		var blobs int64
		for _, l := range m.Layers {
			blobs += l.Size
		}
		if blobs != v.Compressed {
			t.Errorf("%s: layer blobs sum to %d, compare says %d", v.Name, blobs, v.Compressed)
		}
		if v.Name == "static on debian" {
			continue // the same 117 MB base as dynamic on debian: load it once
		}
		if got := testbases.DockerSize(t, img, fmt.Sprintf("diet-test/compare-%d:%d", i, time.Now().UnixNano())); got != v.Uncompressed {
			t.Errorf("%s: docker says %d bytes, compare says %d", v.Name, got, v.Uncompressed)
		}
	}
}

// armCopy writes the image at ref, relabelled as linux/arm64, to a new
// layout and returns its reference.
func armCopy(t *testing.T, ref string) string {
	img, err := image.Read(context.Background(), ref, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.Architecture = "arm64"
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "arm")
	lp, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := lp.AppendImage(img, layout.WithPlatform(v1.Platform{OS: "linux", Architecture: "arm64"})); err != nil {
		t.Fatal(err)
	}
	return "oci:" + dir
}

// TestCompareBadInput: an unreadable base, a base of another
// architecture, and a program that cannot be built statically (cgo
// without musl) each fail their own variants, with the reason, and the
// rest of the table still comes out.
func TestCompareBadInput(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs")
	}
	testenv.LookPath(t, "go", "gcc")
	busybox := testbases.BusyBox(t)
	res, err := Compare(context.Background(), Options{
		Source: ".",
		GoDir:  "testdata/cgoprog",
		Bases:  []Base{{"missing", "oci:" + filepath.Join(t.TempDir(), "nothing")}, {"arm", armCopy(t, busybox)}, {"busybox", busybox}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := report.WriteComparison(&out, res.Comparison); err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", out.String())
	for _, tc := range []struct{ name, err string }{
		{"dynamic on missing", "nothing"},
		{"dynamic on arm", "linux/arm64"},
		{"dynamic on busybox", ""},
		{"static on missing", "static build"},
		{"static on arm", "static build"},
		{"static on busybox", "static build"},
		{"static on empty", "static build"},
		{"diet", "diet build"},
	} {
		v := variant(t, res, tc.name)
		switch {
		case tc.err == "" && v.Failed():
			t.Errorf("%s failed: %s", tc.name, v.Error)
		case tc.err != "" && !strings.Contains(v.Error, tc.err):
			t.Errorf("%s: error %q, want one mentioning %q", tc.name, v.Error, tc.err)
		}
		if tc.err != "" && !strings.Contains(out.String(), tc.name) {
			t.Errorf("the table has no row for %s", tc.name)
		}
	}
	if v := variant(t, res, "dynamic on busybox"); v.Uncompressed == 0 || v.Run != report.RunSkipped {
		t.Errorf("dynamic on busybox: %d bytes, run %q", v.Uncompressed, v.Run)
	}
	if res.OK() {
		t.Error("OK() = true with failed variants")
	}
}

// TestCompareELF takes prebuilt binaries as they are: a static one has no
// dynamic variants, a dynamic one no static ones. The base comes from a
// registry, the archive transports are exercised by the other tests.
func TestCompareELF(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	busybox := "docker://" + strings.TrimPrefix(srv.URL, "http://") + "/bases/busybox:latest"
	bb, err := image.Read(context.Background(), testbases.BusyBox(t), image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := image.Write(context.Background(), busybox, bb, image.Options{Insecure: true}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		file         string
		failed, made []string
	}{
		{"hello-static", []string{"dynamic on busybox"}, []string{"static on busybox", "static on empty", "diet"}},
		{"hello-glibc", []string{"static on busybox", "static on empty"}, []string{"dynamic on busybox", "diet"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			res, err := Compare(context.Background(), Options{
				Source: filepath.Join("..", "elfinfo", "testdata", tc.file),
				Bases:  []Base{{"busybox", busybox}},
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range tc.failed {
				if v := variant(t, res, n); !v.Failed() || !v.NotApplicable {
					t.Errorf("%s: made, or not marked as not applicable: %+v", n, v)
				}
			}
			if !res.OK() {
				t.Error("a variant that does not apply made the comparison fail")
			}
			for _, n := range tc.made {
				if v := variant(t, res, n); v.Failed() || v.ProgramBytes == 0 || (v.Base != "" && v.Files < 100) {
					t.Errorf("%s: %q, program %d bytes", n, v.Error, v.ProgramBytes)
				}
			}
		})
	}
	if _, err := Compare(context.Background(), Options{Source: "compare.go"}); err == nil {
		t.Error("a Go source file was taken as a program")
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{"static on busybox": "static-on-busybox", "dynamic on My Base!": "dynamic-on-my-base", "diet": "diet", "é": "variant"} {
		if got := Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
}
