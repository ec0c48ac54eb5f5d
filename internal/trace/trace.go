//go:build linux

package trace

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"slices"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/dietimg/diet/internal/procsig"
)

var defaultForward = []os.Signal{unix.SIGTERM, unix.SIGINT, unix.SIGHUP, unix.SIGQUIT, unix.SIGUSR1, unix.SIGUSR2, unix.SIGWINCH}

// Run starts argv under ptrace and records the paths it and every process
// it starts touch, until the first process exits; the others are then
// killed, as a container ends with its first process. Cancelling ctx
// kills the program.
func Run(ctx context.Context, argv []string, opts Options) (*Result, error) {
	if !supported {
		return nil, ErrUnsupported
	}
	if len(argv) == 0 {
		return nil, errors.New("trace: no command to run")
	}
	prog, err := exec.LookPath(argv[0])
	if err != nil {
		return nil, fmt.Errorf("finding %s: %w", argv[0], err)
	}
	rec := newRecorder(opts.Record)
	type done struct {
		res *Result
		err error
	}
	started := make(chan int, 1)
	finished := make(chan done, 1)
	go func() {
		// Every ptrace request must come from the thread that started the
		// tracee; the thread dies with this goroutine.
		runtime.LockOSThread()
		res, err := traceLoop(prog, argv, opts, rec, started)
		finished <- done{res, err}
	}()

	var pid int
	select {
	case pid = <-started:
	case d := <-finished:
		return d.res, d.err
	}
	if abs, err := absolute(prog, opts.Dir); err == nil {
		rec.add(Event{Path: abs, Op: OpExec, OK: true})
	}
	fwd := opts.Forward
	if fwd == nil {
		fwd = defaultForward
	}
	if opts.StopSignal != 0 {
		fwd = append(slices.Clip(fwd), opts.StopSignal)
	}
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, fwd...)
	defer signal.Stop(sigs)
	for {
		select {
		case d := <-finished:
			return d.res, d.err
		case s := <-sigs:
			n, ok := s.(syscall.Signal)
			if !ok {
				break
			}
			if n == opts.StopSignal {
				if caught, err := procsig.Caught(pid, n); err == nil && !caught {
					n = unix.SIGKILL
				}
			}
			unix.Kill(pid, n)
		case <-ctx.Done():
			unix.Kill(pid, unix.SIGKILL)
			d := <-finished
			if d.err == nil {
				d.err = ctx.Err()
			}
			return d.res, d.err
		}
	}
}

func absolute(prog, dir string) (string, error) {
	if len(prog) > 0 && prog[0] == '/' {
		return prog, nil
	}
	if dir == "" {
		var err error
		if dir, err = os.Getwd(); err != nil {
			return "", err
		}
	}
	return dir + "/" + prog, nil
}

// thread is what the tracer knows of one traced thread.
type thread struct {
	started bool      // has passed its first stop
	pending []pending // paths named by the syscall it is in
	nr      uint64    // the syscall it is in, and its arguments
	args    [6]uint64
	calls   bool // its system calls are recorded (Options.Calls)
}

const ptraceOptions = unix.PTRACE_O_TRACEFORK | unix.PTRACE_O_TRACEVFORK | unix.PTRACE_O_TRACECLONE |
	unix.PTRACE_O_TRACEEXEC | unix.PTRACE_O_EXITKILL | unix.PTRACE_O_TRACESYSGOOD

func traceLoop(prog string, argv []string, opts Options, rec *recorder, started chan<- int) (*Result, error) {
	files := []uintptr{0, 1, 2}
	for i, f := range []*os.File{opts.Stdin, opts.Stdout, opts.Stderr} {
		if f != nil {
			files[i] = f.Fd()
		}
	}
	env := opts.Env
	if env == nil {
		env = os.Environ()
	}
	pid, err := syscall.ForkExec(prog, argv, &syscall.ProcAttr{
		Dir:   opts.Dir,
		Env:   env,
		Files: files,
		Sys:   &syscall.SysProcAttr{Ptrace: true, Setpgid: false},
	})
	if err != nil {
		return nil, fmt.Errorf("starting %s: %w", prog, err)
	}
	// The child stops with SIGTRAP once its execve succeeds.
	var ws unix.WaitStatus
	if _, err := wait(pid, &ws); err != nil {
		return nil, fmt.Errorf("waiting for %s to start: %w", prog, err)
	}
	if !ws.Stopped() {
		return &Result{ExitCode: exitCode(ws), Events: rec.events()}, nil
	}
	if err := unix.PtraceSetOptions(pid, ptraceOptions); err != nil {
		unix.Kill(pid, unix.SIGKILL)
		return nil, fmt.Errorf("setting ptrace options: %w", err)
	}
	started <- pid
	t := &tracer{rec: rec, mode: opts.Calls, waitExec: opts.CallsAfterExec, threads: map[int]*thread{}}
	t.threads[pid] = &thread{started: true, calls: t.newCalls()}
	if err := unix.PtraceSyscall(pid, 0); err != nil {
		unix.Kill(pid, unix.SIGKILL)
		return nil, fmt.Errorf("resuming %s: %w", prog, err)
	}
	mainStatus := -1
	for {
		wpid, err := wait(-1, &ws)
		if errors.Is(err, unix.ECHILD) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("waiting for traced processes: %w", err)
		}
		if ws.Exited() || ws.Signaled() {
			delete(t.threads, wpid)
			if wpid == pid {
				mainStatus = exitCode(ws)
				// A container ends with its first process: so does the
				// trace. The others die with SIGKILL and are reaped.
				for tid := range t.threads {
					unix.Kill(tid, unix.SIGKILL)
				}
			}
			if mainStatus >= 0 && len(t.threads) == 0 {
				break
			}
			continue
		}
		if ws.Stopped() {
			t.stopped(wpid, ws)
		}
	}
	if mainStatus < 0 {
		mainStatus = 255
	}
	return &Result{ExitCode: mainStatus, Events: rec.events(), Calls: rec.callList()}, nil
}

func wait(pid int, ws *unix.WaitStatus) (int, error) {
	for {
		wpid, err := unix.Wait4(pid, ws, unix.WALL, nil)
		if err == unix.EINTR {
			continue
		}
		return wpid, err
	}
}

func exitCode(ws unix.WaitStatus) int {
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
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
