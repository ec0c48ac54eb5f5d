//go:build linux

package trace

import (
	"encoding/binary"
	"fmt"
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// thread is what the tracer knows of one traced thread.
type thread struct {
	started bool      // has passed its first stop
	pending []pending // paths named by the syscall it is in
	nr      uint64    // the syscall it is in, and its arguments
	args    [6]uint64
	calls   bool // its system calls are recorded (Options.Calls)
}

type tracer struct {
	rec     *recorder
	threads map[int]*thread
	mode    CallMode
	// waitExec: no call is recorded before the first exec (the first
	// process is diet's sensor-exec; Options.CallsAfterExec).
	waitExec bool
}

// newCalls says whether a thread the tracer has not met records its
// calls: under CallsAll, unless the first exec is awaited; under
// CallsUnderFilter, only once it has installed a filter. A thread
// created by another takes its creator's state, when the creator's
// event comes first.
func (t *tracer) newCalls() bool {
	return t.mode == CallsAll && !t.waitExec
}

// stopped handles one ptrace stop of tid and resumes it.
func (t *tracer) stopped(tid int, ws unix.WaitStatus) {
	th := t.threads[tid]
	if th == nil {
		th = &thread{calls: t.newCalls()}
		t.threads[tid] = th
	}
	sig := ws.StopSignal()
	inject := 0
	switch {
	case sig == unix.SIGTRAP|0x80:
		t.syscall(tid, th)
	case sig == unix.SIGTRAP && ws.TrapCause() > 0:
		switch ws.TrapCause() {
		case unix.PTRACE_EVENT_FORK, unix.PTRACE_EVENT_VFORK, unix.PTRACE_EVENT_CLONE:
			if msg, err := unix.PtraceGetEventMsg(tid); err == nil {
				child := int(msg)
				if t.threads[child] == nil {
					t.threads[child] = &thread{calls: th.calls}
				} else if th.calls && !t.threads[child].started {
					t.threads[child].calls = true
				}
			}
		case unix.PTRACE_EVENT_EXEC:
			// A thread other than the leader that executes takes the
			// leader's id; its syscall state moves with it.
			if msg, err := unix.PtraceGetEventMsg(tid); err == nil && int(msg) != tid {
				if old := t.threads[int(msg)]; old != nil {
					th.pending = old.pending
					delete(t.threads, int(msg))
				}
			}
			if t.mode == CallsAll {
				t.waitExec = false
				th.calls = true
			}
		}
	case !th.started && sig == unix.SIGSTOP:
		// The stop every new child starts with under auto-attach.
	default:
		if isStopSignal(sig) && groupStop(tid) {
			break
		}
		inject = int(sig)
	}
	th.started = true
	unix.PtraceSyscall(tid, inject)
}

func isStopSignal(s syscall.Signal) bool {
	return s == unix.SIGSTOP || s == unix.SIGTSTP || s == unix.SIGTTIN || s == unix.SIGTTOU
}

// groupStop reports whether the stop of tid is a group-stop rather than the
// delivery of a signal: then PTRACE_GETSIGINFO fails with EINVAL.
func groupStop(tid int) bool {
	var si [128]byte
	_, _, errno := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_GETSIGINFO, uintptr(tid), 0, uintptr(unsafe.Pointer(&si[0])), 0, 0)
	return errno == unix.EINVAL
}

// syscallInfo mirrors struct ptrace_syscall_info.
type syscallInfo struct {
	op      uint8
	arch    uint32
	nr      uint64
	args    [6]uint64
	rval    int64
	isError bool
}

const (
	syscallInfoEntry = 1
	syscallInfoExit  = 2
)

func getSyscallInfo(tid int) (syscallInfo, error) {
	var buf [128]byte
	_, _, errno := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_GET_SYSCALL_INFO, uintptr(tid), uintptr(len(buf)), uintptr(unsafe.Pointer(&buf[0])), 0, 0)
	if errno != 0 {
		return syscallInfo{}, errno
	}
	le := binary.LittleEndian
	si := syscallInfo{op: buf[0], arch: le.Uint32(buf[4:])}
	switch si.op {
	case syscallInfoEntry:
		si.nr = le.Uint64(buf[24:])
		for i := range si.args {
			si.args[i] = le.Uint64(buf[32+8*i:])
		}
	case syscallInfoExit:
		si.rval = int64(le.Uint64(buf[24:]))
		si.isError = buf[32] != 0
	}
	return si, nil
}

func (t *tracer) syscall(tid int, th *thread) {
	si, err := getSyscallInfo(tid)
	if err != nil {
		return
	}
	switch si.op {
	case syscallInfoEntry:
		th.pending = nil
		th.nr, th.args = si.nr, si.args
		if si.arch != auditArch {
			th.nr = ^uint64(0)
			break
		}
		th.pending = decode(memReader{}, tid, si.nr, si.args)
		if th.calls {
			for _, c := range callsOf(si.nr, si.args) {
				t.rec.addCall(c)
			}
			if t.mode == CallsUnderFilter && isExec(si.nr) {
				th.calls = false // what runs now is the program
			}
		}
	case syscallInfoExit:
		if t.mode == CallsUnderFilter && !si.isError && si.rval >= 0 {
			if tsync, ok := installsFilter(th.nr, th.args); ok {
				th.calls = true
				if tsync {
					t.filterThreads(tid)
				}
			}
		}
		ok := !si.isError && si.rval >= 0
		for _, p := range th.pending {
			e := Event{Path: p.path, Op: p.op, OK: ok}
			if ok && (p.op == OpCreate || p.op == OpWrite || p.op == OpRemove) {
				e.By, _ = os.Readlink(fmt.Sprintf("/proc/%d/exe", tid))
			}
			t.rec.add(e)
		}
		th.pending = nil
	}
}

// filterThreads marks every thread of tid's process as recording: a
// filter installed with SECCOMP_FILTER_FLAG_TSYNC applies to all of them.
func (t *tracer) filterThreads(tid int) {
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", tid))
	if err != nil {
		return
	}
	for _, e := range ents {
		var n int
		if _, err := fmt.Sscan(e.Name(), &n); err == nil && t.threads[n] != nil {
			t.threads[n].calls = true
		}
	}
}
