package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/dietimg/diet/internal/probe"
	"github.com/dietimg/diet/internal/slim"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// TestPrintSlimProbeWarnings: a probe that failed against the original
// (written with --strict=false) gets a warning line of its own, with what
// it got and its stderr, beside its "same answer" line.
func TestPrintSlimProbeWarnings(t *testing.T) {
	script := probe.Probe{Kind: probe.KindScript, Script: "check.sh"}
	res := &slim.Result{
		Original: []probe.Outcome{{Probe: script, ExitCode: 1}},
		Slim:     []probe.Outcome{{Probe: script, ExitCode: 1}},
		Verified: true,
		Warnings: []probe.Warning{{Probe: script.String(), Outcome: "exit 1", Stderr: "curl: (7) Failed to connect\nto 127.0.0.1 port 8080"}},
	}
	res.Digest = v1.Hash{Algorithm: "sha256", Hex: "0"}
	var b strings.Builder
	printSlim(&b, "oci:in", "oci:out", res, time.Second, false)
	out := b.String()
	for _, want := range []string{
		"  probe         script check.sh: exit 1, 0 bytes of stdout; same answer from the slimmed image\n",
		"  warning       probe script check.sh failed against the original (exit 1): its same answer from the slimmed image proves nothing\n",
		"    its stderr: curl: (7) Failed to connect\n                to 127.0.0.1 port 8080\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	res.Warnings = nil
	b.Reset()
	printSlim(&b, "oci:in", "oci:out", res, time.Second, false)
	if strings.Contains(b.String(), "warning") {
		t.Errorf("a report without warnings has a warning line:\n%s", b.String())
	}
}

// TestSlimStrictDefault: --strict is on unless turned off.
func TestSlimStrictDefault(t *testing.T) {
	f := newSlim().Flags().Lookup("strict")
	if f == nil || f.DefValue != "true" {
		t.Fatalf("--strict flag %+v, want one defaulting to true", f)
	}
}
