package compare

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dietimg/diet/internal/build"
	"github.com/dietimg/diet/internal/report"
	"github.com/dietimg/diet/internal/srcbuild"
	"github.com/dietimg/diet/internal/testbases"
	"github.com/dietimg/diet/internal/testenv"
)

// TestCompareSources is the article's size table for its own languages:
// the test crate and the test C file, dynamic on Debian, static on
// Debian, BusyBox and an empty base, and diet's; every variant that
// should run does, and diet's image is the smallest, by the factor the
// table shows.
func TestCompareSources(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs six images per source")
	}
	testenv.Docker(t)
	debian, busybox := testbases.Debian(t), testbases.BusyBox(t)
	t.Setenv("CARGO_NET_OFFLINE", "true") // the test crate has no dependencies
	for _, tc := range []struct {
		src, want string
	}{
		{"hello-rs", "hello from rust: a b"},
		{"hello.c", "hello from C: a b"},
	} {
		t.Run(tc.src, func(t *testing.T) {
			src := filepath.Join(t.TempDir(), tc.src)
			if err := copySource(filepath.Join("../srcbuild/testdata", tc.src), src); err != nil {
				t.Fatal(err)
			}
			res, err := Compare(context.Background(), Options{
				Source: src,
				Bases:  []Base{{"debian", debian}, {"busybox", busybox}},
				Smoke:  []build.Smoke{{Args: []string{"a", "b"}, ExpectStdout: &tc.want}},
			})
			if errors.Is(err, srcbuild.ErrToolchain) {
				testenv.Missing(t, "%v", err)
			}
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			report.WriteComparison(&out, res.Comparison)
			t.Logf("\n%s", out.String())
			if !res.OK() {
				t.Errorf("variants failed: %s", strings.Join(res.Failed(), ", "))
			}
			dietV := variant(t, res, "diet")
			for _, v := range res.Variants {
				if v.Name != "diet" && v.Name != "static on empty" && v.Uncompressed <= dietV.Uncompressed {
					t.Errorf("%s (%d bytes) is not larger than diet's (%d)", v.Name, v.Uncompressed, dietV.Uncompressed)
				}
			}
			if v := variant(t, res, "static on empty"); v.ProgramBytes != dietV.ProgramBytes {
				t.Errorf("diet's program is %d bytes, the static build's %d: not the same binary", dietV.ProgramBytes, v.ProgramBytes)
			}
			onDebian := variant(t, res, "static on debian")
			factor := float64(onDebian.Uncompressed) / float64(dietV.Uncompressed)
			t.Logf("%s: diet's image is %.0f times smaller than the same binary on Debian", tc.src, factor)
			if factor < 50 {
				t.Errorf("diet's image is only %.1f times smaller than on Debian", factor)
			}
		})
	}
}

// TestCompareBrokenSource: a crate that does not compile is the
// request's error, naming it.
func TestCompareBrokenSource(t *testing.T) {
	t.Setenv("CARGO_NET_OFFLINE", "true")
	src := filepath.Join(t.TempDir(), "broken-rs")
	if err := copySource("../srcbuild/testdata/broken-rs", src); err != nil {
		t.Fatal(err)
	}
	_, err := Compare(context.Background(), Options{Source: src})
	if errors.Is(err, srcbuild.ErrToolchain) {
		testenv.Missing(t, "%v", err)
	}
	if err == nil || !strings.HasPrefix(err.Error(), src+": ") || !strings.Contains(err.Error(), "undefined_name") {
		t.Fatalf("error %v, want one naming %s and quoting rustc", err, src)
	}
}

func copySource(src, dst string) error {
	fi, err := os.Stat(src)
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return os.CopyFS(dst, os.DirFS(src))
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, data, 0o644)
}
