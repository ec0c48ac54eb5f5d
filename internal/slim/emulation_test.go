package slim

import (
	goruntime "runtime"
	"slices"
	"testing"

	"github.com/dietimg/diet/internal/trace"
)

// TestDropEmulator: the stat qemu-user makes in its prefix before each of
// the program's opens (as the sensor records them for arm64 nginx) is not
// the program's.
func TestDropEmulator(t *testing.T) {
	evs := []trace.Event{
		{Path: "/usr/sbin/nginx", Op: "exec"},
		{Path: "/etc/qemu-binfmt/aarch64/lib/ld-linux-aarch64.so.1", Op: "stat"},
		{Path: "/lib/ld-linux-aarch64.so.1", Op: "open"},
		{Path: "/etc/qemu-binfmt/aarch64", Op: "stat"},
		{Path: "/usr/gnemul/qemu-aarch64/etc/passwd", Op: "stat"},
		{Path: "/etc/qemu-binfmt.conf", Op: "open"},
		{Path: "/etc/nginx/nginx.conf", Op: "open"},
	}
	var got []string
	for _, e := range dropEmulator(evs) {
		got = append(got, e.Path)
	}
	want := []string{"/usr/sbin/nginx", "/lib/ld-linux-aarch64.so.1", "/etc/qemu-binfmt.conf", "/etc/nginx/nginx.conf"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if foreign(goruntime.GOARCH) || foreign("") || !foreign("s390x") {
		t.Error("foreign: this machine's architecture and unset are not, s390x is")
	}
}
