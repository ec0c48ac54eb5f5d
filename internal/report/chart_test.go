package report

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dietimg/diet/internal/analyze"
	"github.com/dietimg/diet/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func sampleComparison() *Comparison {
	listing := []analyze.File{{Path: "/slice", Kind: analyze.KindFile, Size: 2_100_000}, {Path: "/etc", Kind: analyze.KindDir}, {Path: "/etc/passwd", Kind: analyze.KindFile, Size: 40}}
	return &Comparison{
		Source:   "./cmd/slice",
		Platform: "linux/amd64",
		Smoke:    "slice --help",
		Variants: []Variant{
			{Name: "dynamic on debian", Strategy: "dynamic", Base: "debian", Uncompressed: 119_400_000, Compressed: 57_000_000, Layers: 2, Files: 5880, ProgramShare: 0.018, Run: RunOK, ShouldRun: true},
			{Name: "dynamic on busybox", Strategy: "dynamic", Base: "busybox", Uncompressed: 4_100_000, Compressed: 2_000_000, Layers: 2, Files: 273, ProgramShare: 0.51, Run: RunFailed, RunDetail: "no glibc on the base", ShouldRun: false},
			{Name: "static on arm64 <base>", Strategy: "static", Base: "arm", Error: `base "arm" is linux/arm64, not linux/amd64`},
			{Name: "static on empty", Strategy: "static-empty", Uncompressed: 2_100_000, Compressed: 1_000_000, Layers: 1, Files: 1, ProgramShare: 1, Run: RunOK, ShouldRun: true, Listing: listing},
			{Name: "diet", Strategy: "diet", Uncompressed: 1_400_000, Compressed: 700_000, Layers: 1, Files: 3, ProgramShare: 0.99, Run: RunOK, ShouldRun: true, Highlight: true, Listing: listing},
		},
		Published: Published,
	}
}

func TestSVG(t *testing.T) {
	c := sampleComparison()
	var a, b bytes.Buffer
	if err := SVG(&a, c); err != nil {
		t.Fatal(err)
	}
	if err := SVG(&b, c); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Fatal("two renderings differ")
	}
	s := a.String()
	for _, want := range []string{"log scale", colourDiet, "119 MB", "1.40 MB", "78.8 MB", "3.52 MB",
		"failed: base &#34;arm&#34; is linux/arm64", "static on arm64 &lt;base&gt;", "Published figures, not measured here"} {
		if !strings.Contains(s, want) {
			t.Errorf("chart lacks %q", want)
		}
	}
	if n := strings.Count(s, `fill="`+colourDiet+`"`); n != 1 {
		t.Errorf("%d bars in diet's colour, want 1", n)
	}
	// Bars grow with size: diet's is the shortest.
	widths := map[string]string{}
	for _, m := range regexp.MustCompile(`data-name="([^"]+)">.*?<rect [^>]*width="([0-9.]+)"`).FindAllStringSubmatch(s, -1) {
		widths[m[1]] = m[2]
	}
	if len(widths) != 8 || !(atof(t, widths["diet"]) < atof(t, widths["static on empty"]) &&
		atof(t, widths["static on empty"]) < atof(t, widths["dynamic on debian"])) {
		t.Errorf("bar widths %v", widths)
	}
	golden(t, "testdata/chart.svg", a.Bytes())

	// A narrow range stays linear.
	c.Variants, c.Published = c.Variants[3:], nil
	b.Reset()
	if err := SVG(&b, c); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "log scale") {
		t.Error("sizes within a factor of 2 drawn on a log scale")
	}
}

func atof(t *testing.T, s string) float64 {
	var f float64
	if _, err := fmt.Sscan(s, &f); err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return f
}

func golden(t *testing.T, file string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run go test -update and review the diff)", file)
	}
}

// TestHTMLInChromium renders the page in headless Chromium and checks,
// in the DOM Chromium built, that the table rows, the chart and the file
// listings are there. Set DIET_KEEP_SCREENSHOT=FILE to keep a screenshot.
func TestHTMLInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Chromium")
	}
	chromium := testenv.LookPath(t, "chromium")[0]
	dir := t.TempDir()
	page := filepath.Join(dir, "compare.html")
	var buf bytes.Buffer
	if err := HTML(&buf, sampleComparison()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(extra ...string) []byte {
		args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync",
			"--user-data-dir=" + t.TempDir()}, extra...)
		args = append(args, "file://"+page)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, chromium, args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("chromium %v: %v\n%s", extra, err, stderr.String())
		}
		return out
	}
	dom := string(run("--dump-dom"))
	rows := regexp.MustCompile(`<tr class="variant[^"]*" data-name="([^"]+)"`).FindAllStringSubmatch(dom, -1)
	var names []string
	for _, r := range rows {
		names = append(names, r[1])
	}
	if got, want := strings.Join(names, "|"), "dynamic on debian|dynamic on busybox|static on arm64 &lt;base&gt;|static on empty|diet"; got != want {
		t.Errorf("table rows in the DOM: %s, want %s", got, want)
	}
	for _, want := range []string{`<svg`, `data-name="diet"`, `<details class="listing"`, "/etc/passwd", "Published figures", `<tr class="variant diet"`} {
		if !strings.Contains(dom, want) {
			t.Errorf("rendered DOM lacks %q", want)
		}
	}
	shot := filepath.Join(dir, "page.png")
	run("--screenshot="+shot, "--window-size=1000,1400", "--hide-scrollbars")
	fi, err := os.Stat(shot)
	if err != nil || fi.Size() < 10_000 {
		t.Fatalf("screenshot %s: %v (%v bytes)", shot, err, fi)
	}
	if keep := os.Getenv("DIET_KEEP_SCREENSHOT"); keep != "" {
		b, _ := os.ReadFile(shot)
		os.WriteFile(keep, b, 0o644)
	}
}
