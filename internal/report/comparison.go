package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/dietimg/diet/internal/analyze"
)

// Run states of a variant.
const (
	RunOK      = "ok"      // the smoke test passed
	RunFailed  = "failed"  // the smoke test failed
	RunSkipped = "skipped" // no smoke test was asked for, or no runtime
)

// Variant is one row of a comparison: one way of packaging the same
// program into an image, and what that image weighs.
type Variant struct {
	Name     string `json:"name"`               // "static on busybox"
	Strategy string `json:"strategy"`           // dynamic, static, static-empty, diet
	Base     string `json:"base,omitempty"`     // the --base name
	BaseRef  string `json:"base_ref,omitempty"` // the --base image
	Image    string `json:"image,omitempty"`    // where the variant was written, when kept
	// Error says why the variant could not be made; the sizes are then 0.
	Error string `json:"error,omitempty"`
	// NotApplicable marks a variant the source has no form for (a
	// prebuilt static binary has no dynamic one): Error says why, and it
	// is not a failure.
	NotApplicable bool    `json:"not_applicable,omitempty"`
	Uncompressed  int64   `json:"uncompressed"` // as docker images shows
	Compressed    int64   `json:"compressed"`   // sum of the layer blobs
	Layers        int     `json:"layers"`
	Files         int     `json:"files"`
	ProgramBytes  int64   `json:"program_bytes"` // the program's own file
	ProgramShare  float64 `json:"program_share"` // ProgramBytes / Uncompressed
	// Run is RunOK, RunFailed or RunSkipped; RunDetail says why.
	Run       string `json:"run"`
	RunDetail string `json:"run_detail,omitempty"`
	// ShouldRun tells whether the variant is expected to run (a glibc
	// program copied onto a base without glibc is not).
	ShouldRun bool `json:"should_run"`
	Highlight bool `json:"highlight,omitempty"` // diet's own variant
	// Listing is the variant's merged file tree, for the HTML page.
	Listing []analyze.File `json:"listing,omitempty"`
}

// Failed reports whether the variant could not be made (or does not
// apply).
func (v Variant) Failed() bool { return v.Error != "" }

// Problem reports whether the variant is a failure: it could not be made
// though it applies, or it did not run though it should have.
func (v Variant) Problem() bool {
	return (v.Failed() && !v.NotApplicable) || (!v.Failed() && v.ShouldRun && v.Run == RunFailed)
}

// failedText is how a variant that was not made shows in tables.
func failedText(v Variant) string {
	if v.NotApplicable {
		return "n/a: " + oneLine(v.Error)
	}
	return "failed: " + oneLine(v.Error)
}

// Reference is a published figure, shown beside measured ones and
// marked as not measured.
type Reference struct {
	Name  string `json:"name"`
	Bytes int64  `json:"bytes"`
	// Like says which kind of measured variant it corresponds to.
	Like string `json:"like"`
}

// Published are the image sizes of the comparison diet's argument starts
// from: one small command-line tool packaged four ways (field notes).
var Published = []Reference{
	{"Ubuntu 22.04, glibc", 78_800_000, "dynamic on a full distribution"},
	{"Ubuntu 22.04, static musl", 78_900_000, "static on a full distribution"},
	{"Alpine, static musl", 8_400_000, "static on a small distribution"},
	{"distroless, static musl", 3_520_000, "static on a near-empty base"},
}

// Comparison is the result of diet compare.
type Comparison struct {
	Source    string      `json:"source"`
	Platform  string      `json:"platform,omitempty"`
	Smoke     string      `json:"smoke,omitempty"` // the smoke test, as given
	Variants  []Variant   `json:"variants"`
	Published []Reference `json:"published"`
}

// runText is how the RUNS column shows a variant.
func runText(v Variant) string {
	switch {
	case v.Failed():
		return "-"
	case v.Run == RunOK:
		return "yes"
	case v.Run == RunFailed && !v.ShouldRun:
		return "no (expected)"
	case v.Run == RunFailed:
		return "NO"
	}
	return "not tested"
}

// MBString writes n bytes in MB (10^6) with about three significant
// digits: "78.8 MB", "3.52 MB", "117 MB", "0.012 MB".
func MBString(n int64) string {
	v := float64(n) / 1e6
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f MB", v)
	case v >= 10:
		return fmt.Sprintf("%.1f MB", v)
	case v >= 1:
		return fmt.Sprintf("%.2f MB", v)
	case v == 0:
		return "0 MB"
	}
	return fmt.Sprintf("%.3f MB", v)
}

// WriteComparison writes the comparison as a table for people, failed
// variants with their reason, then the published figures.
func WriteComparison(w io.Writer, c *Comparison) error {
	tw := table(w)
	fmt.Fprintln(tw, "VARIANT\tUNCOMPRESSED\tCOMPRESSED\tLAYERS\tFILES\tPROGRAM\tRUNS")
	for _, v := range c.Variants {
		name := v.Name
		if v.Highlight {
			name += " *"
		}
		if v.Failed() {
			fmt.Fprintf(tw, "%s\t%s\n", name, failedText(v))
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\t%s\n", name, MBString(v.Uncompressed), MBString(v.Compressed),
			v.Layers, v.Files, Percent(v.ProgramShare), runText(v))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nuncompressed: as docker images shows; compressed: sum of the layer blobs;")
	fmt.Fprintln(w, "program: share of the uncompressed bytes that are the program itself; * diet build")
	for _, v := range c.Variants {
		// Why a variant did not run, or is not expected to; nothing when
		// no smoke test was asked for.
		if !v.Failed() && v.RunDetail != "" && v.Run != RunOK && (c.Smoke != "" || !v.ShouldRun) {
			fmt.Fprintf(w, "%s: %s\n", v.Name, oneLine(v.RunDetail))
		}
	}
	if len(c.Published) > 0 {
		fmt.Fprintln(w, "\nPublished figures (not measured here; one small tool, from the comparison diet starts from):")
		tw = table(w)
		for _, r := range c.Published {
			fmt.Fprintf(tw, "  %s\t%s\t(%s)\n", r.Name, MBString(r.Bytes), r.Like)
		}
		return tw.Flush()
	}
	return nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
