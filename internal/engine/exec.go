package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// ErrNotFound is returned by Exec when the command is not in the
// container, or cannot be executed there.
var ErrNotFound = errors.New("engine: command not found in the container")

// ExecSpec says how to run a command inside a running container.
type ExecSpec struct {
	// Args is the command and its arguments, looked up in the
	// container's PATH.
	Args []string
	// Env is added to the container's environment (KEY=VALUE).
	Env []string
	// Stdin is the command's standard input; nil means empty.
	Stdin io.Reader
	// Stdout and Stderr, when set, receive the command's output as it
	// comes; Result then carries no copy of that stream.
	Stdout, Stderr io.Writer
	// MaxOutput bounds the bytes of each stream kept in Result; 0 means
	// 64 MiB.
	MaxOutput int64
}

// Exec runs a command inside the running container c, in its namespaces
// (network included), as its user, with its environment: `runc exec`,
// `docker exec` or `podman exec`. Nothing here joins a namespace from
// diet's own process, so it works as well for a rootless runtime, whose
// namespaces a Go program could not enter. A command that exits non-zero is a Result;
// ErrNotFound says the command is not in the container. A container that
// is still starting is waited for; one that has ended is an error.
func (c *Container) Exec(ctx context.Context, spec ExecSpec) (*Result, error) {
	if len(spec.Args) == 0 {
		return nil, errors.New("exec: no command given")
	}
	for {
		res, err := c.execOnce(ctx, spec)
		if err == nil || !errors.Is(err, errNotRunning) {
			return res, err
		}
		select {
		case <-c.done:
			return nil, fmt.Errorf("exec %s: the container has ended", spec.Args[0])
		case <-ctx.Done():
			return nil, fmt.Errorf("exec %s: the container did not start: %w", spec.Args[0], ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// errNotRunning says the container is not running yet (or any more).
var errNotRunning = errors.New("engine: container not running")

func (c *Container) execOnce(ctx context.Context, spec ExecSpec) (*Result, error) {
	var args []string
	switch c.Runtime {
	case Docker, Podman:
		args = []string{"exec"}
		if spec.Stdin != nil {
			args = append(args, "--interactive")
		}
	case Runc:
		args = []string{"exec"}
	default:
		return nil, fmt.Errorf("exec: runtime %s cannot run commands in a container", c.Runtime)
	}
	for _, e := range spec.Env {
		args = append(args, "--env", e)
	}
	args = append(append(args, c.ID), spec.Args...)
	var cmd *exec.Cmd
	if c.runtimeCmd != nil {
		cmd = c.runtimeCmd(ctx, args...)
	} else {
		cmd = exec.CommandContext(ctx, c.Runtime, args...)
	}
	cmd.Stdin = spec.Stdin
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = 5 * time.Second
	limit := spec.MaxOutput
	if limit <= 0 {
		limit = defaultMaxOutput
	}
	stdout, stderr := &capped{max: limit}, &capped{max: limit}
	// The runtime's own complaints arrive on stderr, or for Docker on
	// stdout: a copy of the head of each is kept to tell them apart from
	// the command's.
	outHead, errHead := &capped{max: 4 << 10}, &capped{max: 4 << 10}
	cmd.Stdout, cmd.Stderr = io.MultiWriter(stdout, outHead), io.MultiWriter(stderr, errHead)
	if spec.Stdout != nil {
		cmd.Stdout = io.MultiWriter(spec.Stdout, outHead)
	}
	if spec.Stderr != nil {
		cmd.Stderr = io.MultiWriter(spec.Stderr, errHead)
	}
	start := time.Now()
	err := cmd.Run()
	res := &Result{Runtime: c.Runtime, Duration: time.Since(start), ExitCode: cmd.ProcessState.ExitCode()}
	if spec.Stdout == nil {
		res.Stdout = stdout.buf.Bytes()
	}
	if spec.Stderr == nil {
		res.Stderr = stderr.buf.Bytes()
	}
	res.Truncated = stdout.dropped || stderr.dropped
	var ee *exec.ExitError
	switch {
	case err == nil:
		return res, nil
	case ctx.Err() != nil:
		return res, fmt.Errorf("exec %s: %w", spec.Args[0], ctx.Err())
	case !errors.As(err, &ee):
		return nil, fmt.Errorf("exec %s: %w", spec.Args[0], err)
	}
	return res, execFailure(c.Runtime, res.ExitCode, errHead.buf.String()+outHead.buf.String(), spec.Args[0])
}

// execFailure tells a command that ran and failed (nil: its exit code is
// the answer) from a runtime that could not run it. runc exits 255 and
// Docker 126 or 127 when the command is missing, with the reason on
// stderr (runc) or stdout (Docker); Docker exits 1 with an error of the
// daemon when the container is not running; podman exits 125 to 127 with
// "Error: " and the reason (255 for a container still being started:
// "container state improper").
func execFailure(rt string, code int, output, name string) error {
	runtimeFailed := (rt == Runc && code == 255) || (rt == Docker && (code == 126 || code == 127 ||
		code == 1 && strings.HasPrefix(output, "Error response from daemon"))) ||
		(rt == Podman && (code >= 125 && code <= 127 || code == 255) && strings.HasPrefix(output, "Error: "))
	if !runtimeFailed {
		return nil
	}
	msg := strings.TrimSpace(output)
	if rt == Docker && !strings.HasPrefix(msg, "Error response from daemon") && !strings.HasPrefix(msg, "OCI runtime") {
		return nil
	}
	switch {
	case strings.Contains(msg, "is not running"), strings.Contains(msg, "cannot exec in a stopped"),
		strings.Contains(msg, "container does not exist"), strings.Contains(msg, "No such container"),
		strings.Contains(msg, "cannot exec in a created state container"),
		strings.Contains(msg, "container state improper"), strings.Contains(msg, "no such container"):
		return errNotRunning
	case strings.Contains(msg, "executable file not found"), strings.Contains(msg, "no such file or directory"),
		strings.Contains(msg, "not found in $PATH"), strings.Contains(msg, "No such file or directory"),
		strings.Contains(msg, "permission denied"), strings.Contains(msg, "exec format error"):
		return fmt.Errorf("exec %s: %w", name, ErrNotFound)
	case strings.Contains(msg, "exec failed"), strings.Contains(msg, "OCI runtime"):
		return fmt.Errorf("exec %s: %s", name, firstLine([]byte(msg), errors.New("failed")))
	}
	return nil
}
