package compare

import (
	"slices"
	"testing"

	"github.com/dietimg/diet/internal/report"
)

func TestResultFailed(t *testing.T) {
	r := &Result{Comparison: &report.Comparison{Variants: []report.Variant{
		{Name: "dynamic on debian", ShouldRun: true, Run: report.RunOK},
		{Name: "dynamic on busybox", Run: report.RunFailed}, // not expected to run
		{Name: "static on debian", Error: "no musl", NotApplicable: true},
		{Name: "static on empty", Error: "cannot build"},
		{Name: "diet", ShouldRun: true, Run: report.RunFailed},
	}}}
	if got, want := r.Failed(), []string{"static on empty", "diet"}; !slices.Equal(got, want) {
		t.Errorf("Failed() = %v, want %v", got, want)
	}
	if r.OK() {
		t.Error("OK() with failed variants")
	}
	r.Variants = r.Variants[:3]
	if got := r.Failed(); got != nil || !r.OK() {
		t.Errorf("Failed() = %v, OK() = %v; want none and OK", got, r.OK())
	}
}
