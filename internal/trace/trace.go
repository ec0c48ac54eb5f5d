//go:build linux

package trace

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"slices"
	"syscall"

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
