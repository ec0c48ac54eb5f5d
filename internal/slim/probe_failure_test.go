package slim

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/testenv"
)

// TestSlimProbeFailsOnOriginal: a probe script with a hard-coded port
// where nothing listens exits 1 against the original and would exit 1
// against any slim, which proves nothing. By default (--strict) diet
// refuses it, naming the probe and what it got, and writes nothing; with
// --strict=false it writes the slim with a probe warning (a --probe-cmd
// that exits 1 too). A --probe-exec whose exit 1 is its answer is no
// failure.
func TestSlimProbeFailsOnOriginal(t *testing.T) {
	needRunc(t)
	dir := t.TempDir()
	src := "oci:" + filepath.Join(dir, "in") + ":state"
	if err := image.Write(context.Background(), src, stateImage(t, 8000), image.Options{}); err != nil {
		t.Fatal(err)
	}
	wrong := filepath.Join(dir, "wrong-port.sh")
	// Port 1 of the host, not $DIET_PROBE_ADDR: the server's port is in
	// the container's own network.
	if err := os.WriteFile(wrong, []byte("#!/bin/sh\nexec "+testenv.LookPath(t, "busybox")[0]+" wget -q -O- http://127.0.0.1:1/state\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	written := func(r *slimRun) bool {
		_, err := os.Stat(strings.TrimSuffix(strings.TrimPrefix(r.dest, "oci:"), ":slim"))
		return err == nil
	}
	t.Run("strict", func(t *testing.T) {
		t.Parallel()
		r := runSlimRef(t, src, "--probe-http", "8000/state", "--probe-script", wrong)
		want := "probe script " + wrong + " of the original: exit 1"
		if r.code == 0 || !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "--strict=false") {
			t.Errorf("exit %d, stderr:\n%s\nwant %q", r.code, r.stderr, want)
		}
		if written(r) {
			t.Errorf("%s was written", r.dest)
		}
	})
	t.Run("not-strict", func(t *testing.T) {
		t.Parallel()
		r := runSlimRef(t, src, "--strict=false", "--probe-http", "8000/state", "--probe-script", wrong, "--probe-cmd", "/bin/busybox false")
		r.mustSucceed(t)
		if !written(r) {
			t.Errorf("%s was not written", r.dest)
		}
		w := r.res.Warnings
		if len(w) != 2 || w[0].Probe != "cmd '/bin/busybox false'" || w[0].Outcome != "exit 1" ||
			w[1].Probe != "script "+wrong || w[1].Outcome != "exit 1" || !strings.Contains(w[1].Stderr, "wget") {
			t.Errorf("probe warnings %+v, want the cmd's and the script's exit 1 (with wget's stderr)", w)
		}
		if !strings.Contains(r.stderr, "warning: probe script "+wrong+" of the original: exit 1, which proves nothing") {
			t.Errorf("no warning in the progress:\n%s", r.stderr)
		}
	})
	t.Run("exec", func(t *testing.T) {
		t.Parallel()
		r := runSlimRef(t, src, "--probe-exec", "/bin/busybox false")
		r.mustSucceed(t)
		if len(r.res.Warnings) != 0 || len(r.res.Original) != 1 || r.res.Original[0].ExitCode != 1 {
			t.Errorf("warnings %+v, original %+v: want exit 1 as a plain answer", r.res.Warnings, r.res.Original)
		}
	})
}
