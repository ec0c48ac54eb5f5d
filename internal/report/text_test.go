package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/dietimg/diet/internal/analyze"
	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/why"
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
	a := &analyze.Analysis{
		Ref: "oci:x", Uncompressed: 5000, Compressed: 2000, FileCount: 7, FileBytes: 4000,
		TotalBytes: 6500, Wasted: 2500, Efficiency: 1 - 2500.0/6500,
		Layers:      []analyze.Layer{{Index: 0, Files: 5}, {Index: 1, Files: 1, Wasted: 2500}, {Index: 2, Files: 1}},
		WastedPaths: []analyze.WastedPath{{Path: "/a/big", Bytes: 2500, Versions: 2, Cause: "overwritten"}},
		Largest:     []analyze.File{{Path: "/a/big", Size: 1500, Layer: 2}},
		Packages:    &analyze.Packages{List: []analyze.Package{{Name: "pkga", Version: "1.0", Files: 2, Bytes: 300}}, FileLists: true},
	}
	var b bytes.Buffer
	if err := WriteAnalysis(&b, a); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"3 layers", "efficiency 61.5%", "2.5 kB  2×  overwritten  /a/big", "pkga", "(layer 2)"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("analysis lacks %q:\n%s", want, b.String())
		}
	}
}

// reasonsSBOM is the SBOM of an image diet built, with a reason of every
// form: String's, a system file's own words, a platform build appends.
const reasonsSBOM = `{"spdxVersion":"SPDX-2.3","files":[
{"fileName":"./usr/share/zoneinfo/Europe/Paris","comment":"timezone: evidence: /app/app.py"},
{"fileName":"./usr/share/zoneinfo/Europe/Berlin","comment":"timezone: evidence: /app/app.py"},
{"fileName":"./usr/share/zoneinfo/UTC","comment":"timezone: evidence: /app/app.py"},
{"fileName":"./usr/share/zoneinfo/Asia/Tokyo","comment":"timezone: evidence: /app/app.py"},
{"fileName":"./usr/share/zoneinfo/America/New_York","comment":"timezone: evidence: /app/app.py"},
{"fileName":"./app/app.py","comment":"program"},
{"fileName":"./usr/bin/python3.11","comment":"interpreter of /app/app.py"},
{"fileName":"./lib/ld-linux-aarch64.so.1","comment":"loader of /usr/bin/python3.11 [linux/arm64]"},
{"fileName":"./usr/lib/libz.so.1","comment":"dlopen by /usr/bin/python3.11 (.note.dlopen)"},
{"fileName":"./usr/lib/python3.11/csv.py","comment":"import csv by /app/app.py"},
{"fileName":"./etc/ssl/certs/ca-certificates.crt","comment":"certificates: evidence: /usr/lib/libssl.so.3"},
{"fileName":"./etc/app.conf","comment":"--add ./conf"},
{"fileName":"./var/lib/app","comment":"rule: --keep /var/lib/app"},
{"fileName":"./usr/bin/tar","comment":"static /usr/bin/tar: needed by /bin/sh"},
{"fileName":"./x","comment":"made by hand"}]}`

// TestWriteAnalysisReasons shows each reason as the SBOM says it, the files
// that share one together.
func TestWriteAnalysisReasons(t *testing.T) {
	var b bytes.Buffer
	a := &analyze.Analysis{Ref: "oci:x", Reasons: analyze.ReasonsFromSPDX([]byte(reasonsSBOM)), ReasonsFrom: "SBOM /sbom.spdx.json in the image"}
	if err := WriteAnalysis(&b, a); err != nil {
		t.Fatal(err)
	}
	const want = `
Why each file is there (from SBOM /sbom.spdx.json in the image)
  /app/app.py                         program
  /etc/app.conf                       --add ./conf
  /etc/ssl/certs/ca-certificates.crt  certificates: evidence: /usr/lib/libssl.so.3
  /lib/ld-linux-aarch64.so.1          loader of /usr/bin/python3.11 [linux/arm64]
  /usr/bin/python3.11                 interpreter of /app/app.py
  /usr/bin/tar                        static /usr/bin/tar: needed by /bin/sh
  /usr/lib/libz.so.1                  dlopen by /usr/bin/python3.11 (.note.dlopen)
  /usr/lib/python3.11/csv.py          import csv by /app/app.py
  5 files under /usr/share/zoneinfo   timezone: evidence: /app/app.py
  /var/lib/app                        rule: --keep /var/lib/app
  /x                                  made by hand
`
	if _, got, _ := strings.Cut(b.String(), "\n\nWhy"); "\nWhy"+got != want {
		t.Errorf("reasons:\n%s\nwant:%s", b.String(), want)
	}
	for _, f := range a.Reasons {
		if f.Path == "/usr/bin/tar" && f.Reason != (why.Reason{Kind: why.Static, By: "/usr/bin/tar", Detail: "needed by /bin/sh"}) {
			t.Errorf("reason of /usr/bin/tar = %+v", f.Reason)
		}
		if f.Path == "/lib/ld-linux-aarch64.so.1" && (f.Reason != why.Reason{Kind: why.Loader, By: "/usr/bin/python3.11"} || f.Platform != "linux/arm64") {
			t.Errorf("reason of the loader = %+v [%s]", f.Reason, f.Platform)
		}
	}
}
