package cli

import (
	"strings"
	"testing"
)

func TestParseEpoch(t *testing.T) {
	for in, want := range map[string]int64{"": 0, "0": 0, "1700000000": 1700000000} {
		t.Setenv("SOURCE_DATE_EPOCH", in)
		got, err := parseEpoch()
		if err != nil || got.Unix() != want || got.Location().String() != "UTC" {
			t.Errorf("SOURCE_DATE_EPOCH=%q: %v, %v; want %d UTC", in, got, err, want)
		}
	}
	for _, in := range []string{"-1", "yesterday", "1.5", " 1"} {
		t.Setenv("SOURCE_DATE_EPOCH", in)
		if _, err := parseEpoch(); err == nil || !strings.Contains(err.Error(), "SOURCE_DATE_EPOCH") || !strings.Contains(err.Error(), in) {
			t.Errorf("SOURCE_DATE_EPOCH=%q: %v, want an error naming it and the value", in, err)
		}
	}
}

func TestPlatformOptions(t *testing.T) {
	var o platformOptions
	if ps, err := o.platforms(); ps != nil || err != nil {
		t.Errorf("no --platform: %v, %v", ps, err)
	}
	if p, err := o.single(); p != nil || err != nil {
		t.Errorf("no --platform: %v, %v", p, err)
	}
	o.platform = "linux/amd64,linux/aarch64"
	if ps, err := o.platforms(); err != nil || len(ps) != 2 || ps[1].Architecture != "arm64" {
		t.Errorf("--platform %s: %v, %v", o.platform, ps, err)
	}
	if _, err := o.single(); err == nil || !strings.HasPrefix(err.Error(), "--platform: ") {
		t.Errorf("--platform %s as one: %v", o.platform, err)
	}
	o.platform = "linux/sparc"
	if _, err := o.platforms(); err == nil || !strings.Contains(err.Error(), "unknown architecture") {
		t.Errorf("--platform %s: %v", o.platform, err)
	}
}

// TestSharedFlags checks that the commands taking --insecure and
// --platform define them through the shared options, with one help text
// for --insecure.
func TestSharedFlags(t *testing.T) {
	root := New()
	usage := ""
	for _, name := range []string{"build", "compare", "run", "size", "slim"} {
		cmd, _, err := root.Find([]string{name})
		if err != nil {
			t.Fatal(err)
		}
		fl := cmd.Flags().Lookup("insecure")
		if fl == nil || fl.DefValue != "false" {
			t.Errorf("%s: --insecure %+v", name, fl)
			continue
		}
		if usage == "" {
			usage = fl.Usage
		} else if fl.Usage != usage {
			t.Errorf("%s: --insecure says %q, others %q", name, fl.Usage, usage)
		}
		if p := cmd.Flags().Lookup("platform"); (p != nil) != (name != "slim") || p != nil && p.DefValue != "" {
			t.Errorf("%s: --platform %+v", name, p)
		}
	}
}
