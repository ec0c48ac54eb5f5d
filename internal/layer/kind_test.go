package layer

import (
	"io/fs"
	"testing"
)

func TestKind(t *testing.T) {
	for m, want := range map[fs.FileMode]string{
		fs.ModeDir | 0o755:     "dir",
		fs.ModeSymlink | 0o777: "symlink",
		0o644:                  "file",
		fs.ModeSetuid | 0o755:  "file",
	} {
		if got := Kind(m); got != want {
			t.Errorf("Kind(%v) = %q, want %q", m, got, want)
		}
	}
}
