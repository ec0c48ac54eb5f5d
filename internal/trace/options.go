package trace

import (
	"errors"
	"io"
	"os"
	"syscall"
)

// ErrUnsupported is returned where the sensor cannot run: outside Linux,
// and on architectures whose syscall numbers it does not know.
var ErrUnsupported = errors.New("trace: the sensor only runs on x86_64 (linux/amd64)")

// Options says how to run the traced program.
type Options struct {
	// Stdin, Stdout and Stderr are the program's standard files; nil means
	// the sensor's own.
	Stdin, Stdout, Stderr *os.File
	// Env is the program's environment; nil means the sensor's own.
	Env []string
	// Dir is the program's working directory; "" means the sensor's own.
	Dir string
	// Record, when set, receives every distinct event as a JSON line as
	// soon as it is seen.
	Record io.Writer
	// Forward lists the signals the sensor passes on to the program; nil
	// means SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 and SIGWINCH.
	Forward []os.Signal
	// StopSignal, when not 0, is the signal a runtime stops the container
	// with (forwarded too). The sensor runs as the container's first
	// process in the program's place; had the program been that process,
	// the kernel would never have given it a stop signal it has no handler
	// for, and the runtime would have killed it after its grace period: a
	// program without a handler is killed at once instead.
	StopSignal syscall.Signal
	// Calls says which system calls are recorded besides the paths
	// (Result.Calls, and lines of their own in Record).
	Calls CallMode
	// CallsAfterExec, with CallsAll, leaves out the calls the first
	// process makes before it executes another program: diet's own
	// sensor-exec, which becomes the image's user and then executes the
	// image's program, is no part of that program.
	CallsAfterExec bool
}

// Result is what a traced run gives.
type Result struct {
	// ExitCode is the program's exit status, or 128+N when signal N
	// killed it, as shells report it.
	ExitCode int
	// Events lists every distinct path event, sorted.
	Events []Event
	// Calls lists every distinct system call recorded (Options.Calls),
	// sorted.
	Calls []Call
}
