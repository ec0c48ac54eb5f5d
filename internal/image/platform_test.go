package image

import (
	"strings"
	"testing"
)

func TestParsePlatforms(t *testing.T) {
	good := map[string]string{
		"linux/amd64":               "linux/amd64",
		"linux/amd64, linux/arm64":  "linux/amd64,linux/arm64",
		"linux/arm/v7":              "linux/arm/v7",
		"linux/aarch64":             "linux/arm64",
		"Linux/x86_64":              "linux/amd64",
		"linux/arm64/v8":            "linux/arm64/v8",
		"linux/amd64/v3,linux/386":  "linux/amd64/v3,linux/386",
		"linux/riscv64,linux/s390x": "linux/riscv64,linux/s390x",
	}
	for in, want := range good {
		ps, err := ParsePlatforms(in)
		if err != nil {
			t.Errorf("ParsePlatforms(%q): %v", in, err)
			continue
		}
		var got []string
		for _, p := range ps {
			got = append(got, p.String())
		}
		if strings.Join(got, ",") != want {
			t.Errorf("ParsePlatforms(%q) = %v, want %s", in, got, want)
		}
	}
	bad := map[string]string{
		"":                        "empty entry",
		"linux":                   "want os/arch",
		"linux/":                  "want os/arch",
		"darwin/arm64":            "unsupported OS",
		"linux/sparc":             "unknown architecture",
		"linux/amd64/v9":          "unknown variant",
		"linux/386/v2":            "no variants",
		"linux/amd64,linux/amd64": "given twice",
		"linux/amd64,":            "empty entry",
		"linux/amd64/v2/x":        "want os/arch",
	}
	for in, want := range bad {
		_, err := ParsePlatforms(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParsePlatforms(%q) = %v, want an error with %q", in, err, want)
		}
	}
}

func TestParsePlatform(t *testing.T) {
	p, err := ParsePlatform("linux/armv7")
	if err != nil || p.String() != "linux/arm/v7" {
		t.Errorf("ParsePlatform(linux/armv7) = %v, %v; want linux/arm/v7", p, err)
	}
	for in, want := range map[string]string{
		"linux/amd64,linux/arm64": "want one platform",
		"windows/amd64":           "unsupported OS",
		"amd64":                   "want os/arch",
	} {
		if _, err := ParsePlatform(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParsePlatform(%q) = %v, want an error with %q", in, err, want)
		}
	}
}

// FuzzParsePlatforms checks that every accepted list round-trips through
// String and names only Linux platforms.
func FuzzParsePlatforms(f *testing.F) {
	for _, s := range []string{"linux/amd64", "linux/arm/v7,linux/arm64", "linux/x86_64", "darwin/arm64", "linux//", ","} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ps, err := ParsePlatforms(s)
		if err != nil {
			return
		}
		var strs []string
		for _, p := range ps {
			if p.OS != "linux" || p.Architecture == "" {
				t.Fatalf("ParsePlatforms(%q) gave %v", s, p)
			}
			strs = append(strs, p.String())
		}
		again, err := ParsePlatforms(strings.Join(strs, ","))
		if err != nil || len(again) != len(ps) {
			t.Fatalf("ParsePlatforms(%q) = %v, which does not parse again: %v", s, strs, err)
		}
	})
}
