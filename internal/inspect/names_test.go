package inspect

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dietimg/diet/internal/rootfs"
)

func TestNames(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"bin/a", "bin/b", "opt/x/y"} {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte("x"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	fsys, err := rootfs.Dir(dir)
	if err != nil {
		t.Fatal(err)
	}
	// A host path inside the root, a path inside the root, one that is
	// not there (listed, for Inspect to report), and a directory.
	args := []string{filepath.Join(dir, "bin/a"), "/bin/b", "/nothere", "/opt"}
	names, errs := Names(fsys, dir, args, false)
	if want := []string{"/bin/a", "/bin/b", "/nothere"}; !slices.Equal(names, want) {
		t.Errorf("names %v, want %v", names, want)
	}
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "/opt: is a directory (-r") {
		t.Errorf("errors %v, want one for the directory /opt", errs)
	}
	names, errs = Names(fsys, dir, []string{"/opt", "/bin/a"}, true)
	if want := []string{"/opt/x/y", "/bin/a"}; !slices.Equal(names, want) || len(errs) != 0 {
		t.Errorf("recursive: %v, %v; want %v", names, errs, want)
	}
	// On the host's own root a relative path is made absolute.
	wd, _ := os.Getwd()
	names, errs = Names(fsys, "/", []string{"names.go"}, false)
	if len(names) != 1 || names[0] != filepath.Join(wd, "names.go") || len(errs) != 0 {
		t.Errorf("host root: %v, %v", names, errs)
	}
}
