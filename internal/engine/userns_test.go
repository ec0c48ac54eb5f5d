package engine

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
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

// TestNsRefusal checks the one-line refusal for each setting that forbids
// unprivileged user namespaces, and that a working system passes.
func TestNsRefusal(t *testing.T) {
	denied := func() error { return errors.New("operation not permitted") }
	for _, tc := range []struct {
		settings map[string]string
		try      func() error
		want     string // "" for no refusal
	}{
		{map[string]string{"user.max_user_namespaces": "15000"}, func() error { return nil }, ""},
		{map[string]string{"kernel.unprivileged_userns_clone": "0"}, denied, "sysctl -w kernel.unprivileged_userns_clone=1"},
		{map[string]string{"user.max_user_namespaces": "0"}, denied, "sysctl -w user.max_user_namespaces=15000"},
		{map[string]string{"kernel.apparmor_restrict_unprivileged_userns": "1"}, denied, "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0"},
		{map[string]string{}, denied, "refuses an unprivileged user namespace (operation not permitted)"},
	} {
		err := nsRefusal(func(n string) string { return tc.settings[n] }, tc.try)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%v: refused: %v", tc.settings, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n")):
			t.Errorf("%v: %v, want one line with %q", tc.settings, err, tc.want)
		}
	}
	// This machine: as root nothing is tried; otherwise a namespace must
	// be made or the refusal must say why.
	if os.Geteuid() != 0 {
		if err := userNamespacesAllowed(); err != nil {
			t.Logf("here: %v", err)
		}
	} else if err := tryUserNamespace(); err != nil {
		t.Errorf("root cannot make a user namespace: %v", err)
	}
}
