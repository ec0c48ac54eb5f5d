package slim

import (
	"debug/elf"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dietimg/diet/internal/closure/closuretest"
	"github.com/dietimg/diet/internal/trace"
)

// TestKeepLibDirsArm64 slims an arm64 tree (as under qemu): the
// directories its loader searches, its aarch64 multiarch ones and a
// sysroot-like one its ld.so has compiled in, are library directories
// and not state, however the program writes there, while a directory of
// its own it writes in is kept whole. None of that is x86_64's.
func TestKeepLibDirsArm64(t *testing.T) {
	arm := func(o closuretest.Obj) string {
		o.Machine = elf.EM_AARCH64
		return string(o.Bytes())
	}
	const sysdirs = "\x00/lib/aarch64-linux-gnu/\x00/usr/lib/aarch64-linux-gnu/\x00/usr/aarch64-linux-gnu/lib/\x00/lib/\x00/usr/lib/\x00"
	tr, fsys := mkTree(t, map[string]string{
		"lib":                           "->usr/lib",
		"usr/lib/ld-linux-aarch64.so.1": "->aarch64-linux-gnu/ld-linux-aarch64.so.1",
		"usr/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1": arm(closuretest.Obj{Soname: "ld-linux-aarch64.so.1"}) + sysdirs,
		"usr/lib/aarch64-linux-gnu/libc.so.6":             arm(closuretest.Obj{Soname: "libc.so.6"}),
		"usr/lib/aarch64-linux-gnu/libunused.so.1":        arm(closuretest.Obj{Soname: "libunused.so.1"}),
		"usr/aarch64-linux-gnu/lib/libapp.so.1":           arm(closuretest.Obj{Soname: "libapp.so.1", Needed: []string{"libc.so.6"}}),
		"usr/aarch64-linux-gnu/lib/libother.so.1":         arm(closuretest.Obj{Soname: "libother.so.1"}),
		"usr/bin/app": arm(closuretest.Obj{Interp: "/lib/ld-linux-aarch64.so.1", Type: elf.ET_EXEC,
			Needed: []string{"libapp.so.1", "libc.so.6"}}),
		"var/lib/app/old.db": "db",
	})
	k := newKeeper(tr, fsys, &v1.ConfigFile{}, nil)
	if _, err := k.addProgram("/usr/bin/app", "entrypoint"); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/usr/lib/aarch64-linux-gnu/libc.so.6", "/usr/aarch64-linux-gnu/lib/libapp.so.1"} {
		if _, ok := k.kept[p]; !ok {
			t.Errorf("%s not in the static closure: %v", p, k.keptPaths())
		}
	}
	for d := range k.libDirs {
		if d == "/usr/lib/x86_64-linux-gnu" || d == "/lib/x86_64-linux-gnu" {
			t.Errorf("an arm64 program's loader searches %s: %v", d, k.libDirs)
		}
	}
	k.addTrace([]trace.Event{
		{Path: "/usr/aarch64-linux-gnu/lib/libapp.so.1.tmp", Op: trace.OpCreate, OK: true},
		{Path: "/lib/aarch64-linux-gnu/libc.so.6.tmp", Op: trace.OpCreate, OK: true},
		{Path: "/var/lib/app/new.db", Op: trace.OpCreate, OK: true},
	})
	if sd := k.stateDirs(); len(sd) != 1 || sd[0].Dir != "/var/lib/app" {
		t.Errorf("state directories %+v, want /var/lib/app alone", sd)
	}
	for _, p := range []string{"/usr/aarch64-linux-gnu/lib/libother.so.1", "/usr/lib/aarch64-linux-gnu/libunused.so.1"} {
		if _, ok := k.kept[p]; ok {
			t.Errorf("%s kept: its library directory was kept whole as state", p)
		}
	}
	if _, ok := k.kept["/var/lib/app/old.db"]; !ok {
		t.Errorf("the state directory's old file was not kept")
	}
}
