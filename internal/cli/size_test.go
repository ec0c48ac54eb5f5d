package cli

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/dietimg/diet/internal/analyze"
	"github.com/dietimg/diet/internal/report"
	"github.com/dietimg/diet/internal/testbases"
)

// twoLayerLayout writes an image whose second layer overwrites a 1000-byte
// file with 300 bytes and deletes a 200-byte one, and returns its oci:
// reference.
func twoLayerLayout(t *testing.T) string {
	t.Helper()
	mk := func(files map[string]int) v1.Layer {
		var b bytes.Buffer
		w := tar.NewWriter(&b)
		for _, n := range []string{"big", "gone", ".wh.gone", "keep"} {
			size, ok := files[n]
			if !ok {
				continue
			}
			w.WriteHeader(&tar.Header{Name: n, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(size)})
			w.Write(bytes.Repeat([]byte("x"), size))
		}
		w.Close()
		l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b.Bytes())), nil })
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	img, err := mutate.AppendLayers(empty.Image, mk(map[string]int{"big": 1000, "gone": 200, "keep": 10}), mk(map[string]int{"big": 300, ".wh.gone": 0}))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "img")
	lp, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := lp.AppendImage(img); err != nil {
		t.Fatal(err)
	}
	return "oci:" + dir
}

func TestSizeCommand(t *testing.T) {
	ref := twoLayerLayout(t)
	out, _, err := runInspectCmd("size", "--json", ref)
	if err != nil {
		t.Fatal(err)
	}
	var lines []sizeLine
	if err := json.Unmarshal([]byte(out), &lines); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if len(lines) != 1 || lines[0].Layers != 2 || lines[0].Files != 2 || lines[0].Wasted != 1200 ||
		lines[0].Uncompressed != 1000+200+10+300 || lines[0].Compressed == 0 {
		t.Errorf("diet size --json: %+v", lines)
	}

	out, stderr, err := runInspectCmd("size", ref, "oci:"+filepath.Join(t.TempDir(), "missing"))
	var ee ExitError
	if !errors.As(err, &ee) || ee.Code != 1 {
		t.Errorf("size with a missing image: err %v, want exit status 1", err)
	}
	if !strings.Contains(out, ref) || !strings.Contains(stderr, "missing") {
		t.Errorf("size with a missing image: stdout %q, stderr %q", out, stderr)
	}
}

func TestInspectImage(t *testing.T) {
	ref := twoLayerLayout(t)
	out, _, err := runInspectCmd("inspect", "--json", ref)
	if err != nil {
		t.Fatal(err)
	}
	var as []analyze.Analysis
	if err := json.Unmarshal([]byte(out), &as); err != nil || len(as) != 1 {
		t.Fatalf("%v: %s", err, out)
	}
	if a := as[0]; a.Wasted != 1200 || len(a.Layers) != 2 || len(a.WastedPaths) != 2 || a.WastedPaths[0].Path != "/big" {
		t.Errorf("inspect --json: %+v", a)
	}
	out, _, err = runInspectCmd("inspect", ref)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"efficiency", "Wasted", "/gone", "deleted", "Largest files"} {
		if !strings.Contains(out, want) {
			t.Errorf("inspect output lacks %q:\n%s", want, out)
		}
	}
}

func TestCompareCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds images")
	}
	bb := testbases.BusyBox(t)
	dir := t.TempDir()
	svg, page := filepath.Join(dir, "chart.svg"), filepath.Join(dir, "page.html")
	missing := "oci:" + filepath.Join(dir, "missing")
	out, _, err := runInspectCmd("compare", "../elfinfo/testdata/hello-static", "--base", "busybox="+bb,
		"--base", "missing="+missing, "--svg", svg, "--html", page, "--json")
	// The missing base fails its row, so the status is 1, and everything
	// is still written. A static binary has no dynamic form: those rows
	// do not apply, which is no failure.
	var ee ExitError
	if !errors.As(err, &ee) || ee.Code != 1 || !strings.Contains(err.Error(), "static on missing") || strings.Contains(err.Error(), "dynamic") {
		t.Errorf("err %v, want exit status 1 for static on missing only", err)
	}
	var c report.Comparison
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if len(c.Variants) != 6 || !c.Variants[0].NotApplicable || c.Variants[5].Name != "diet" || c.Variants[5].Uncompressed == 0 {
		t.Errorf("variants: %+v", c.Variants)
	}
	for _, f := range []string{svg, page} {
		b, err := os.ReadFile(f)
		if err != nil || !bytes.Contains(b, []byte("<svg")) {
			t.Errorf("%s: %v", f, err)
		}
	}
	if _, _, err := runInspectCmd("compare", "x", "--base", "nameonly"); err == nil || !strings.Contains(err.Error(), "NAME=IMAGE") {
		t.Errorf("--base without =: %v", err)
	}
}
