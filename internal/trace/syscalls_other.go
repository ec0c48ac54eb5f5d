//go:build linux && !amd64

package trace

// supported reports whether the sensor can trace on this architecture:
// its syscall table is x86_64's only.
const supported = false

const auditArch = 0

type pending struct {
	path string
	op   Op
}

type decoder interface {
	str(pid int, addr uint64) (string, bool)
	mem(pid int, addr uint64, n int) ([]byte, bool)
}

func decode(d decoder, pid int, nr uint64, a [6]uint64) []pending { return nil }

func callsOf(nr uint64, a [6]uint64) []Call { return nil }

func isExec(nr uint64) bool { return false }

func installsFilter(nr uint64, a [6]uint64) (tsync, ok bool) { return false, false }
