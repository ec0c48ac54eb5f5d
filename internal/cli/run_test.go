package cli

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/dietimg/diet/internal/engine"
	"github.com/dietimg/diet/internal/testenv"
)

// runTestImage writes an OCI layout holding the static busybox as
// /bin/busybox and returns its oci: location.
func runTestImage(t *testing.T) string {
	t.Helper()
	bin := testenv.LookPath(t, "busybox")[0]
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: "bin/", Mode: 0o755})
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "bin/busybox", Mode: 0o755, Size: int64(len(data))})
	tw.Write(data)
	tw.Close()
	b := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(empty.Image, l)
	if err != nil {
		t.Fatal(err)
	}
	cf, _ := img.ConfigFile()
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	cf.Config.Entrypoint = []string{"/bin/busybox"}
	cf.Config.Cmd = []string{"echo", "default"}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "layout")
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img); err != nil {
		t.Fatal(err)
	}
	return "oci:" + dir
}

func runTestDiet(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := New()
	var o, e bytes.Buffer
	cmd.SetOut(&o)
	cmd.SetErr(&e)
	cmd.SetIn(strings.NewReader("from diet's stdin\n"))
	cmd.SetArgs(args)
	err = cmd.Execute()
	return o.String(), e.String(), err
}

func TestRunCommand(t *testing.T) {
	ref := runTestImage(t)
	stdinFile := filepath.Join(t.TempDir(), "in")
	os.WriteFile(stdinFile, []byte("from a file\n"), 0o644)
	var rts []string
	for _, rt := range []string{engine.Docker, engine.Podman, engine.Runc} {
		if _, err := engine.New(t.Context(), rt); err != nil {
			t.Run(rt, func(t *testing.T) { testenv.Missing(t, "%v", err) })
			continue
		}
		rts = append(rts, rt)
	}
	for _, rt := range rts {
		t.Run(rt, func(t *testing.T) {
			out, _, err := runTestDiet(t, "run", "--runtime", rt, ref)
			if err != nil || out != "default\n" {
				t.Errorf("image's own command: %q, %v", out, err)
			}
			out, errOut, err := runTestDiet(t, "run", "--runtime", rt, ref, "--", "sh", "-c", "echo out; echo err >&2; exit 7")
			var ex ExitError
			if !errors.As(err, &ex) || ex.Code != 7 || ex.Err != nil {
				t.Errorf("exit: %v, want ExitError 7", err)
			}
			if out != "out\n" || errOut != "err\n" {
				t.Errorf("stdout %q, stderr %q", out, errOut)
			}
			out, _, err = runTestDiet(t, "run", "--runtime", rt, "--stdin", stdinFile, ref, "--", "cat")
			if err != nil || out != "from a file\n" {
				t.Errorf("--stdin FILE: %q, %v", out, err)
			}
			out, _, err = runTestDiet(t, "run", "--runtime", rt, "--stdin", "-", ref, "--", "cat")
			if err != nil || out != "from diet's stdin\n" {
				t.Errorf("--stdin -: %q, %v", out, err)
			}
			out, _, err = runTestDiet(t, "run", "--runtime", rt, "--json", "-e", "X=1", ref, "--", "sh", "-c", "echo $X; exit 3")
			var res runOutput
			if jerr := json.Unmarshal([]byte(out), &res); jerr != nil {
				t.Fatalf("--json: %v in %q", jerr, out)
			}
			if res.ExitCode != 3 || res.Stdout != "1\n" || res.Runtime != rt || !errors.As(err, &ex) || ex.Code != 3 {
				t.Errorf("--json: %+v, %v", res, err)
			}
			_, _, err = runTestDiet(t, "run", "--runtime", rt, "--timeout", "1s", ref, "--", "sleep", "60")
			if !errors.As(err, &ex) || ex.Code != 124 {
				t.Errorf("--timeout: %v, want exit 124", err)
			}
		})
	}
}

func TestRunCommandErrors(t *testing.T) {
	for _, args := range [][]string{
		{"run"},
		{"run", "oci:/does/not/exist"},
		{"run", "--runtime", "podman", "oci:/does/not/exist"},
		{"run", "--platform", "linux/sparc", "oci:/x"},
	} {
		if _, _, err := runTestDiet(t, args...); err == nil {
			t.Errorf("diet %v: no error", args)
		}
	}
}
