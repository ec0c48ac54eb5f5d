package build

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/dietimg/diet/internal/testenv"
)

// TestAddKeepsCapability adds a host tree holding a file with
// cap_net_bind_service=+ep: the entry keeps the capability, and only it.
func TestAddKeepsCapability(t *testing.T) {
	testenv.Root(t) // setting security.capability
	dir := t.TempDir()
	srv, plain := filepath.Join(dir, "server"), filepath.Join(dir, "plain")
	for _, p := range []string{srv, plain} {
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	capBind := "\x01\x00\x00\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
	if err := unix.Setxattr(srv, "security.capability", []byte(capBind), 0); err != nil {
		t.Fatal(err)
	}
	if err := unix.Setxattr(srv, "user.note", []byte("host only"), 0); err != nil {
		t.Fatal(err)
	}
	set := entrySet{}
	if err := addHost(set, dir+":/opt"); err != nil {
		t.Fatal(err)
	}
	if x := set["/opt/server"].Xattrs; len(x) != 1 || x["security.capability"] != capBind {
		t.Errorf("/opt/server extended attributes %q, want only security.capability", x)
	}
	if x := set["/opt/plain"].Xattrs; len(x) != 0 {
		t.Errorf("/opt/plain extended attributes %q, want none", x)
	}
}
