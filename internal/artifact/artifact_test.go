package artifact

import (
	"testing"

	"github.com/dietimg/diet/internal/why"
)

func TestWhy(t *testing.T) {
	for _, tc := range []struct {
		words    string
		reason   why.Reason
		platform string
	}{
		{"loader of /usr/bin/python3.11 [linux/arm64]", why.Reason{Kind: why.Loader, By: "/usr/bin/python3.11"}, "linux/arm64"},
		{"program [linux/arm/v7]", why.Reason{Kind: why.Program}, "linux/arm/v7"},
		{"needed by /usr/bin/jq", why.Reason{Kind: why.Needed, By: "/usr/bin/jq"}, ""},
		{"made by hand [not a platform]", why.Reason{Detail: "made by hand [not a platform]"}, ""},
		{"odd [a/]", why.Reason{Detail: "odd [a/]"}, ""},
		{"[linux/amd64]", why.Reason{Detail: "[linux/amd64]"}, ""},
	} {
		var f File
		f.SetWhy(tc.words)
		if f.Reason != tc.reason || f.Platform != tc.platform {
			t.Errorf("SetWhy(%q) = %+v [%q], want %+v [%q]", tc.words, f.Reason, f.Platform, tc.reason, tc.platform)
		}
		if got := f.Why(); got != tc.words {
			t.Errorf("Why() of SetWhy(%q) = %q", tc.words, got)
		}
	}
}

func FuzzWhy(f *testing.F) {
	for _, s := range []string{"loader of /x [linux/arm64]", "program", "", "x [", "a [b/c/d/e]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, words string) {
		var fl File
		fl.SetWhy(words)
		if got := fl.Why(); got != words {
			t.Errorf("Why() of SetWhy(%q) = %q", words, got)
		}
	})
}
