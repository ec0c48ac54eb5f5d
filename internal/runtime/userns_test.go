package runtime

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestSubIDs(t *testing.T) {
	file := filepath.Join(t.TempDir(), "subuid")
	os.WriteFile(file, []byte("alice:100000:65536\nbob:200000:10\n# comment\n1001:300000:5\nalice:bad:1\nbob:400000:0\n"), 0o644)
	got := subIDs(file, []string{"1001", "bob"})
	want := []idMap{{Inside: 1, Host: 200000, Size: 10}, {Inside: 11, Host: 300000, Size: 5}}
	if !slices.Equal(got, want) {
		t.Errorf("subIDs = %v, want %v", got, want)
	}
	if got := subIDs(file, []string{"carol"}); got != nil {
		t.Errorf("subIDs of a user without ranges = %v", got)
	}
	if got := subIDs(filepath.Join(t.TempDir(), "none"), []string{"bob"}); got != nil {
		t.Errorf("subIDs of a missing file = %v", got)
	}
	if args := newuidmapArgs(42, want); !slices.Equal(args, []string{"42", "1", "200000", "10", "11", "300000", "5"}) {
		t.Errorf("newuidmap arguments %v", args)
	}
}

// TestRootlessSpec checks the mapping and mounts of a rootless container:
// with ranges, www-data (33) exists inside and devpts keeps gid=5; with a
// single id, the changes of user succeed as no-ops.
func TestRootlessSpec(t *testing.T) {
	ranged := &userns{UIDs: []idMap{{0, 1000, 1}, {1, 100000, 65536}}, GIDs: []idMap{{0, 1000, 1}, {1, 100000, 65536}}}
	single := &userns{UIDs: []idMap{{0, 1000, 1}}, GIDs: []idMap{{0, 1000, 1}}}
	if !ranged.maps(33, 33) || ranged.maps(65537, 0) || single.maps(33, 0) || !single.maps(0, 0) {
		t.Error("maps: wrong answer")
	}
	for _, tc := range []struct {
		ns      *userns
		seccomp bool
		gid5    bool
	}{{ranged, false, true}, {single, true, false}} {
		conf := ociSpec{Mounts: standardMounts()}
		rootlessSpec(&conf, tc.ns)
		if !slices.Contains(conf.Linux.Namespaces, ociNamespace{Type: "user"}) || !slices.Equal(conf.Linux.UIDMappings, tc.ns.UIDs) {
			t.Errorf("no user namespace with the mapping: %+v", conf.Linux)
		}
		if (conf.Linux.Seccomp != nil) != tc.seccomp {
			t.Errorf("ranged %v: seccomp %+v", tc.ns.ranged(), conf.Linux.Seccomp)
		}
		if tc.seccomp && (*conf.Linux.Seccomp.Syscalls[0].ErrnoRet != 0 || !slices.Contains(conf.Linux.Seccomp.Syscalls[0].Names, "setuid")) {
			t.Errorf("seccomp rule %+v", conf.Linux.Seccomp.Syscalls[0])
		}
		for _, m := range conf.Mounts {
			if m.Destination == "/sys" && m.Type == "sysfs" {
				t.Error("rootless /sys is a new sysfs, which a user namespace cannot mount without its own network namespace")
			}
			if m.Destination == "/dev/pts" && slices.Contains(m.Options, "gid=5") != tc.gid5 {
				t.Errorf("ranged %v: devpts options %v", tc.ns.ranged(), m.Options)
			}
		}
	}
}
