package inspect_test

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dietimg/diet/internal/artifact"
	"github.com/dietimg/diet/internal/closure"
	"github.com/dietimg/diet/internal/inspect"
	"github.com/dietimg/diet/internal/rootfs"
	"github.com/dietimg/diet/internal/testenv"
)

// TestFilesRun copies exactly the Files of a few programs of this machine
// into an empty directory and runs them there under chroot: the list must
// be complete (loader, libraries, every symlink on the way) for the
// program to start.
func TestFilesRun(t *testing.T) {
	testenv.Root(t)
	testenv.LookPath(t, "chroot")
	script := filepath.Join(t.TempDir(), "hello.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho hello from sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	fsys, err := rootfs.Dir("/")
	if err != nil {
		t.Fatal(err)
	}
	r := closure.New(fsys, closure.Options{})
	for _, tt := range []struct {
		prog string
		args []string
		want string
	}{
		{"/bin/ls", []string{"--version"}, "coreutils"},
		{"/usr/bin/curl", []string{"--version"}, "libcurl"},
		{"/bin/bash", []string{"-c", "echo ok"}, "ok"},
		{script, nil, "hello from sh"},
	} {
		t.Run(filepath.Base(tt.prog), func(t *testing.T) {
			if _, err := os.Stat(tt.prog); err != nil {
				testenv.Missing(t, "%s is not installed", tt.prog)
			}
			rep, err := inspect.Inspect(r, tt.prog)
			if err != nil {
				t.Fatal(err)
			}
			root := t.TempDir()
			for _, f := range rep.Files() {
				copyFile(t, root, f)
			}
			out, err := exec.Command("chroot", append([]string{root, tt.prog}, tt.args...)...).CombinedOutput()
			if err != nil || !strings.Contains(string(out), tt.want) {
				var list []string
				for _, f := range rep.Files() {
					list = append(list, f.Path)
				}
				t.Fatalf("running %s in a root of its Files: %v\n%s\nfiles: %v", tt.prog, err, out, list)
			}
		})
	}
}

func copyFile(t *testing.T, root string, f artifact.File) {
	t.Helper()
	dst := filepath.Join(root, f.Path)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if f.Link != "" {
		if err := os.Symlink(f.Link, dst); err != nil {
			t.Fatal(err)
		}
		return
	}
	src, err := os.Open(f.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	fi, err := src.Stat()
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_EXCL, fi.Mode().Perm())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, src); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
