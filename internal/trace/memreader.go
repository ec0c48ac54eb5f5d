//go:build linux

package trace

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// memReader reads a stopped tracee's memory with process_vm_readv, never
// across a page boundary, so that a string ending just before an unmapped
// page is read.
type memReader struct{}

const maxPath = 4096

func (memReader) mem(pid int, addr uint64, n int) ([]byte, bool) {
	if n <= 0 || n > maxPath {
		return nil, false
	}
	buf := make([]byte, n)
	got, err := unix.ProcessVMReadv(pid,
		[]unix.Iovec{{Base: &buf[0], Len: uint64(n)}},
		[]unix.RemoteIovec{{Base: uintptr(addr), Len: n}}, 0)
	if err != nil || got != n {
		// A tracee that changed its user (a server dropping root) may not
		// be read this way without CAP_SYS_PTRACE; PTRACE_PEEKDATA on an
		// attached tracee needs no more than being its tracer.
		if m, err := unix.PtracePeekData(pid, uintptr(addr), buf); err == nil && m == n {
			return buf, true
		}
		return procMem(pid, addr, buf)
	}
	return buf, true
}

func (r memReader) str(pid int, addr uint64) (string, bool) {
	var out []byte
	for len(out) < maxPath {
		// Small reads: most paths are short, and the PTRACE_PEEKDATA
		// fallback reads one word per call.
		n := min(256, 4096-int(addr%4096))
		b, ok := r.mem(pid, addr, n)
		if !ok {
			return "", false
		}
		for i, c := range b {
			if c == 0 {
				return string(append(out, b[:i]...)), true
			}
		}
		out = append(out, b...)
		addr += uint64(n)
	}
	return "", false
}

// procMem reads through /proc/PID/mem when process_vm_readv is not
// allowed (some seccomp profiles).
func procMem(pid int, addr uint64, buf []byte) ([]byte, bool) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/mem", pid))
	if err != nil {
		return nil, false
	}
	defer f.Close()
	n, err := f.ReadAt(buf, int64(addr))
	if n != len(buf) && err != nil {
		return nil, false
	}
	return buf, true
}
