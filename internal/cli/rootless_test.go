package cli

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/dietimg/diet/internal/engine"
	"github.com/dietimg/diet/internal/testenv"
)

var (
	staticOnce sync.Once
	staticDiet string
	staticErr  error
)

// staticDietBinary builds diet statically once per test binary: the
// binary the end-to-end tests run as a process (it is its own sensor,
// and runs as the test users).
func staticDietBinary(t *testing.T) string {
	t.Helper()
	staticOnce.Do(func() {
		dir, err := os.MkdirTemp("", "diet-cli-test-")
		if err != nil {
			staticErr = err
			return
		}
		staticDiet = filepath.Join(dir, "diet")
		build := exec.Command("go", "build", "-o", staticDiet, "github.com/dietimg/diet/cmd/diet")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			staticErr = errors.New("building diet: " + err.Error() + "\n" + string(out))
		}
	})
	if staticErr != nil {
		t.Fatal(staticErr)
	}
	return staticDiet
}

// outcome is what a diet process did.
type outcome struct {
	stdout, stderr string
	code           int
}

func runDietAs(t *testing.T, u *testenv.User, dir string, args ...string) outcome {
	t.Helper()
	bin := staticDietBinary(t)
	cmd := exec.Command(bin, args...)
	if u != nil {
		testenv.Readable(t, bin)
		cmd = u.Command(dir, nil, bin, args...)
	}
	cmd.Dir = dir
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	res := outcome{stdout: o.String(), stderr: e.String()}
	if errors.As(err, &ee) {
		res.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestRootlessRunAndBuild runs `diet run` and `diet build --smoke` with
// runc as root and as ordinary users made for the test, with and without
// subordinate id ranges: the same output and exit codes, the same image
// digest.
func TestRootlessRunAndBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end rootless test (-short)")
	}
	testenv.Runc(t)
	busybox := testenv.LookPath(t, "busybox")[0]
	ref := runTestImage(t)
	testenv.Readable(t, strings.TrimPrefix(ref, "oci:"))
	type result struct {
		run, user, build outcome
		digest           string
	}
	do := func(t *testing.T, u *testenv.User) result {
		dir := t.TempDir()
		if u != nil {
			dir = u.Dir(t)
		}
		var r result
		r.run = runDietAs(t, u, dir, "run", "--runtime", "runc", ref, "--", "sh", "-c", "echo out; echo err >&2; /bin/busybox stat -c %u /bin/busybox; exit 7")
		r.user = runDietAs(t, u, dir, "run", "--runtime", "runc", "--user", "33:33", ref, "--", "id", "-u")
		r.build = runDietAs(t, u, dir, "build", busybox, "--smoke", "echo smoked", "--expect-stdout", "smoked\n",
			"--runtime", "runc", "-q", "-o", "oci:"+filepath.Join(dir, "bb"))
		r.digest = strings.TrimSpace(r.build.stdout)
		return r
	}
	want := do(t, nil)
	if want.run.code != 7 || want.run.stdout != "out\n0\n" || want.run.stderr != "err\n" || want.user.stdout != "33\n" ||
		want.build.code != 0 || !strings.HasPrefix(want.digest, "sha256:") {
		t.Fatalf("as root: %+v", want)
	}
	for _, sub := range []bool{true, false} {
		t.Run(map[bool]string{true: "subids", false: "single-id"}[sub], func(t *testing.T) {
			u := testenv.Unprivileged(t, sub)
			got := do(t, u)
			if got.run != want.run {
				t.Errorf("diet run as %s: %+v, as root %+v", u.Name, got.run, want.run)
			}
			if got.build.code != 0 || got.digest != want.digest {
				t.Errorf("diet build --smoke as %s: %+v, as root %s", u.Name, got.build, want.digest)
			}
			// A user of the image is that user inside with ranges; without,
			// only root exists, and diet says so.
			if sub && (got.user.stdout != "33\n" || got.user.code != 0) {
				t.Errorf("--user 33:33 as %s: %+v", u.Name, got.user)
			}
			if !sub && (got.user.stdout != "0\n" || !strings.Contains(got.user.stderr, "runs as root instead of 33:33")) {
				t.Errorf("--user 33:33 as %s, a single id: %+v", u.Name, got.user)
			}
		})
	}
}

// TestPodmanRunsSlice builds the example program slice with a smoke run in
// podman (as root), then runs the built image in podman as root and as an
// ordinary user with subordinate ids (rootless podman).
func TestPodmanRunsSlice(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end podman test (-short)")
	}
	if _, err := engine.New(t.Context(), engine.Podman); err != nil {
		testenv.Missing(t, "%v", err)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	os.WriteFile(in, []byte("a\nb\nc\nd\n"), 0o644)
	layout := filepath.Join(dir, "slice")
	res := runDietAs(t, nil, "../..", "build", "./cmd/slice", "--smoke", "1:3", "--smoke-stdin", in, "--expect-stdout", "b\nc\n",
		"--runtime", "podman", "-o", "oci:"+layout, "--json")
	if res.code != 0 || !strings.Contains(res.stdout, `"runtime": "podman"`) {
		t.Fatalf("diet build --smoke in podman: %+v", res)
	}
	testenv.Readable(t, dir)
	for _, u := range []*testenv.User{nil, testenv.Unprivileged(t, true)} {
		wd := dir
		if u != nil {
			wd = u.Dir(t)
		}
		got := runDietAs(t, u, wd, "run", "--runtime", "podman", "--stdin", in, "oci:"+layout, "--", "-2:")
		if got.code != 0 || got.stdout != "c\nd\n" {
			t.Errorf("diet run --runtime podman as %v: %+v", u, got)
		}
	}
}
