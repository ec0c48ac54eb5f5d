package report

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/dietimg/diet/internal/image"
)

func TestUnits(t *testing.T) {
	for _, tc := range []struct {
		n          int64
		human, mbs string
	}{
		{0, "0 B", "0 MB"},
		{999, "999 B", "0.001 MB"},
		{12_345, "12.3 kB", "0.012 MB"},
		{1_855_614, "1.86 MB", "1.86 MB"},
		{3_520_000, "3.52 MB", "3.52 MB"},
		{78_800_000, "78.8 MB", "78.8 MB"},
		{118_541_219, "119 MB", "119 MB"},
		{2_500_000_000, "2.5 GB", "2500 MB"},
		{999_700, "1 MB", "1.000 MB"},
	} {
		if got := image.HumanSize(tc.n); got != tc.human {
			t.Errorf("image.HumanSize(%d) = %q, want %q", tc.n, got, tc.human)
		}
		if got := MBString(tc.n); got != tc.mbs {
			t.Errorf("MBString(%d) = %q, want %q", tc.n, got, tc.mbs)
		}
	}
}

func TestWriteComparison(t *testing.T) {
	c := sampleComparison()
	c.Variants = append(c.Variants, Variant{Name: "static on prebuilt", Error: "no static form", NotApplicable: true})
	var b bytes.Buffer
	if err := WriteComparison(&b, c); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"diet *", "no (expected)", "failed: base \"arm\" is linux/arm64", "n/a: no static form",
		"dynamic on busybox: no glibc on the base", "Published figures (not measured here", "78.8 MB",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestWriteAnalysis(t *testing.T) {
	a, err := Analyze(context.Background(), "oci:x", wasteImage(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteAnalysis(&b, a); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"3 layers", "efficiency", "2.5 kB  2×  overwritten  /a/big", "pkga", "layer 2"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("analysis lacks %q:\n%s", want, b.String())
		}
	}
}
