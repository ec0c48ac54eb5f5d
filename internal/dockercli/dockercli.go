// Package dockercli runs the command-line programs of the Docker engine
// and podman, which take the same commands: diet drives both through
// them rather than through a Go client (the image package for the
// docker-daemon: transport, the engine package to run containers, and the
// tests' helpers). Run is the one way to run such a command and collect
// its failure as an *Error.
package dockercli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"
)

// WaitDelay is how long Run waits, once the command has exited or ctx
// has ended, for its standard streams to close: a docker command killed
// by ctx may leave a child holding them open.
const WaitDelay = 10 * time.Second

// Run runs program ("docker" or "podman") with args, its standard input
// read from stdin and its standard output written to stdout (either may be
// nil: no input, output discarded). What it writes on standard error is
// kept for the error. It fails with an *Error; when ctx ended first, the
// error wraps ctx's.
func Run(ctx context.Context, program string, stdin io.Reader, stdout io.Writer, args ...string) error {
	cmd := exec.CommandContext(ctx, program, args...)
	cmd.Stdin, cmd.Stdout = stdin, stdout
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.WaitDelay = WaitDelay
	err := cmd.Run()
	if err == nil {
		return nil
	}
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, exec.ErrNotFound) {
		err = cerr
	}
	return &Error{Program: program, Args: args, Stderr: strings.TrimSpace(stderr.String()), Err: err}
}

// Error is the failure of a command run by Run.
type Error struct {
	Program string   // "docker" or "podman"
	Args    []string // its arguments
	Stderr  string   // what it wrote on standard error, trimmed
	// Err is why it failed: exec's error (an *exec.ExitError, or one
	// wrapping exec.ErrNotFound when the program is not installed), or
	// ctx's error when ctx ended first.
	Err error
}

// Error names the command ("docker load", "docker image inspect") and
// says why it failed: that the program is missing, that ctx ended, or
// what it wrote on standard error (its exit status when it wrote nothing).
func (e *Error) Error() string {
	cmd := e.Program
	if len(e.Args) > 0 {
		cmd += " " + e.Args[0]
		if (e.Args[0] == "image" || e.Args[0] == "container") && len(e.Args) > 1 {
			cmd += " " + e.Args[1]
		}
	}
	switch {
	case errors.Is(e.Err, exec.ErrNotFound):
		return fmt.Sprintf("%s: needs the %s command: %v", cmd, e.Program, e.Err)
	case e.Stderr == "" || errors.Is(e.Err, context.Canceled) || errors.Is(e.Err, context.DeadlineExceeded):
		return fmt.Sprintf("%s: %v", cmd, e.Err)
	}
	return cmd + ": " + e.Stderr
}

// Unwrap returns Err, so that errors.Is finds exec.ErrNotFound and ctx's
// error.
func (e *Error) Unwrap() error { return e.Err }
