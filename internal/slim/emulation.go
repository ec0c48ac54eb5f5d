package slim

import (
	goruntime "runtime"
	"strings"

	"github.com/dietimg/diet/internal/trace"
)

// emulatorPrefixes are where qemu-user looks for a path before the path
// itself (its "interpreter prefix": Debian's qemu-user-static uses
// /etc/qemu-binfmt/MACHINE, upstream /usr/gnemul/qemu-MACHINE). An
// emulated program's every open is preceded by a stat there, which is
// qemu's, not the program's.
var emulatorPrefixes = []string{"/etc/qemu-binfmt", "/usr/gnemul"}

// foreign reports whether an image of arch runs here under emulation.
func foreign(arch string) bool {
	return arch != "" && arch != goruntime.GOARCH && !(arch == "386" && goruntime.GOARCH == "amd64")
}

// dropEmulator removes from the events of an emulated program what the
// emulator did for itself. The sensor runs natively and traces qemu,
// which makes the program's system calls for it, so the rest are the
// program's.
func dropEmulator(evs []trace.Event) []trace.Event {
	out := evs[:0]
	for _, e := range evs {
		if !underAny(e.Path, emulatorPrefixes) {
			out = append(out, e)
		}
	}
	return out
}

func underAny(p string, dirs []string) bool {
	for _, d := range dirs {
		if p == d || strings.HasPrefix(p, d+"/") {
			return true
		}
	}
	return false
}

// hostArch is the architecture diet runs on, which an emulator's own
// calls are of.
func hostArch() string { return goruntime.GOARCH }
