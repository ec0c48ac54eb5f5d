package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/spf13/cobra"

	"github.com/dietimg/diet/internal/closure/closuretest"
)

// writeTree puts a MapFS on disk under dir, symlinks included.
func writeInspectTree(t *testing.T, dir string, m fstest.MapFS) {
	t.Helper()
	for name, f := range m {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		if f.Mode&fs.ModeSymlink != 0 {
			err = os.Symlink(string(f.Data), p)
		} else {
			err = os.WriteFile(p, f.Data, f.Mode.Perm())
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

func inspectRoot(t *testing.T) string {
	dir := t.TempDir()
	writeInspectTree(t, dir, closuretest.GlibcRoot(map[string]*fstest.MapFile{
		"bin":               closuretest.Link("usr/bin"),
		"usr/bin/app":       closuretest.Obj{Interp: closuretest.Ldso, Needed: []string{"libapp.so", "libc.so.6"}}.File(),
		"opt/lib/libapp.so": closuretest.Obj{Soname: "libapp.so", Needed: []string{"libc.so.6"}}.File(),
		"usr/bin/script":    closuretest.Text("#!/bin/app\n"),
		"etc/motd":          closuretest.Text("hello\n"),
	}))
	return dir
}

func runInspectCmd(args ...string) (stdout, stderr string, err error) {
	cmd := New()
	var out, errb bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	cmd.SetArgs(args)
	err = cmd.Execute()
	return out.String(), errb.String(), err
}

func TestInspectCommand(t *testing.T) {
	root := inspectRoot(t)

	out, _, err := runInspectCmd("inspect", "--root", root, "--env", "LD_LIBRARY_PATH=/opt/lib", "/usr/bin/app", "/usr/bin/script", "/etc/motd")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"/usr/bin/app: ELF64 x86_64 dyn, dynamic, libc glibc",
		"libapp.so", "/opt/lib/libapp.so",
		"/usr/bin/script: script, #!/bin/app",
		"/etc/motd: not ELF",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	// Without LD_LIBRARY_PATH libapp.so is missing: data, not failure. A
	// host path inside the root is accepted.
	out, _, err = runInspectCmd("inspect", "--root", root, "--json", filepath.Join(root, "usr/bin/app"))
	if err != nil {
		t.Fatal(err)
	}
	var reps []map[string]any
	if err := json.Unmarshal([]byte(out), &reps); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if len(reps) != 1 || reps[0]["path"] != "/usr/bin/app" {
		t.Fatalf("reports %v", reps)
	}
	for _, k := range []string{"path", "linkage", "interpreter", "libc", "needed", "closure", "missing", "glibc_min", "dlopen", "go", "needs"} {
		if _, ok := reps[0][k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	if miss := reps[0]["missing"].([]any); len(miss) != 1 || miss[0].(map[string]any)["soname"] != "libapp.so" {
		t.Errorf("missing %v", miss)
	}
}

func TestInspectCommandBadInput(t *testing.T) {
	root := inspectRoot(t)
	out, stderr, err := runInspectCmd("inspect", "--root", root, "/usr/bin/nothere", "/usr/bin/app", "/usr/bin")
	var ex ExitError
	if !errors.As(err, &ex) || ex.Code != 1 {
		t.Fatalf("err = %v, want exit status 1", err)
	}
	if !strings.Contains(stderr, "/usr/bin/nothere") || !strings.Contains(stderr, "/usr/bin: is a directory") {
		t.Errorf("stderr:\n%s", stderr)
	}
	if !strings.Contains(out, "/usr/bin/app: ELF64") {
		t.Errorf("the good file is not reported:\n%s", out)
	}

	// -r walks the directory instead.
	out, _, err = runInspectCmd("inspect", "--root", root, "--json", "-r", "/bin")
	if err != nil {
		t.Fatal(err)
	}
	var reps []map[string]any
	if err := json.Unmarshal([]byte(out), &reps); err != nil || len(reps) != 2 {
		t.Fatalf("%d reports (%v):\n%s", len(reps), err, out)
	}

	if _, _, err := runInspectCmd("inspect", "--env", "PATH=/x", "/bin/sh"); err == nil {
		t.Error("--env PATH=... accepted")
	}
}

func TestInspectImageHook(t *testing.T) {
	var got []string
	old := inspectImage
	inspectImage = func(cmd *cobra.Command, refs []string, asJSON bool) error {
		got = refs
		return nil
	}
	defer func() { inspectImage = old }()
	if _, _, err := runInspectCmd("inspect", "oci:dir:tag", "docker://x/y"); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Errorf("hook got %v", got)
	}
	got = nil
	runInspectCmd("inspect", "oci:dir", "/etc/passwd")
	if got != nil {
		t.Errorf("hook called for a mix of images and files: %v", got)
	}
}
