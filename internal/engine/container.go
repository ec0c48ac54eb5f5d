package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sync"
	"syscall"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dietimg/diet/internal/procsig"
)

// Container is a running container started by Start.
type Container struct {
	// ID names the container in its runtime.
	ID string
	// Runtime is the runtime running it.
	Runtime string

	grace      time.Duration
	stopSignal string // the image's StopSignal, else TERM
	cmd        *exec.Cmd
	stdout     *capped
	stderr     *capped
	errCopy    *capped // the first of stderr, for a runtime that says there why it could not start
	started    time.Time

	// kill sends sig ("TERM", "KILL") to the container's main process.
	kill func(ctx context.Context, sig string) error
	// initPID finds the container's first process in diet's own process
	// namespace, or says why it cannot; nil where there is no way.
	initPID func(ctx context.Context) (int, error)
	// exitCode finds the exit code once the attached process is done;
	// it gets the attached process's own exit code.
	exitCode func(ctx context.Context, attached int) (int, error)
	cleanup  func()
	// runtimeCmd makes a command of the runtime for this container (for
	// runc, with the global flags it was started with: a rootless runc
	// keeps its state elsewhere); nil means the runtime's plain command.
	runtimeCmd func(ctx context.Context, args ...string) *exec.Cmd

	done     chan struct{}
	result   *Result
	err      error
	timedOut bool
	mu       sync.Mutex
}

// Done is closed when the container has ended and been cleaned up.
func (c *Container) Done() <-chan struct{} { return c.done }

// Wait waits for the container to end by itself (or its Timeout) and
// returns how it ended. When ctx ends first the container is killed, and
// the Result comes with ctx's error.
func (c *Container) Wait(ctx context.Context) (*Result, error) {
	select {
	case <-c.done:
		return c.result, c.err
	case <-ctx.Done():
		return c.killNow(ctx)
	}
}

// Stop sends SIGTERM (or the image's StopSignal) to the container, kills it
// if it has not ended after the grace period, and returns how it ended
// with its output. When ctx ends first the container is killed at once.
func (c *Container) Stop(ctx context.Context) (*Result, error) {
	select {
	case <-c.done:
		return c.result, c.err
	default:
	}
	if c.deaf(ctx) {
		c.killAndWait(ctx)
		return c.result, c.err
	}
	kctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	c.kill(kctx, c.stopSignal)
	cancel()
	t := time.NewTimer(c.grace)
	defer t.Stop()
	select {
	case <-c.done:
		return c.result, c.err
	case <-t.C:
		c.killAndWait(ctx)
		return c.result, c.err
	case <-ctx.Done():
		return c.killNow(ctx)
	}
}

// deaf says whether the container's first process has no handler for
// the stop signal, which the kernel then never delivers to it (package
// procsig): Stop kills it at once, as a runtime would after the grace
// period. Unknown (the process is not found, or gone) is not deaf.
func (c *Container) deaf(ctx context.Context) bool {
	if c.initPID == nil {
		return false
	}
	sig, err := procsig.Parse(c.stopSignal)
	if err != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	pid, err := c.initPID(ctx)
	if err != nil {
		return false
	}
	caught, err := procsig.Caught(pid, sig)
	return err == nil && !caught
}

func (c *Container) killNow(ctx context.Context) (*Result, error) {
	c.killAndWait(ctx)
	if c.err != nil {
		return c.result, c.err
	}
	return c.result, ctx.Err()
}

// killAndWait kills the container and waits for its end. Should the
// runtime not manage (the container was never created), the attached
// command is killed instead; the cleanup's forced removal then takes care
// of any process left.
func (c *Container) killAndWait(ctx context.Context) {
	kctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	c.kill(kctx, "KILL")
	cancel()
	t := time.NewTimer(30 * time.Second)
	defer t.Stop()
	select {
	case <-c.done:
	case <-t.C:
		c.cmd.Process.Kill()
		<-c.done
	}
}

// launch starts the attached process of c and the goroutine that collects
// its end.
func (c *Container) launch(spec Spec) error {
	limit := spec.MaxOutput
	if limit <= 0 {
		limit = defaultMaxOutput
	}
	if spec.Stdout != nil {
		c.cmd.Stdout = spec.Stdout
	} else {
		c.stdout = &capped{max: limit}
		c.cmd.Stdout = c.stdout
	}
	if spec.Stderr != nil {
		c.cmd.Stderr = spec.Stderr
	} else {
		c.stderr = &capped{max: limit}
		c.cmd.Stderr = c.stderr
	}
	if c.errCopy != nil {
		c.cmd.Stderr = io.MultiWriter(c.cmd.Stderr, c.errCopy)
	}
	c.grace = spec.StopGrace
	if c.grace <= 0 {
		c.grace = 5 * time.Second
	}
	if c.stopSignal == "" {
		c.stopSignal = "TERM"
	}
	c.done = make(chan struct{})
	c.started = time.Now()
	if err := c.cmd.Start(); err != nil {
		c.cleanup()
		return fmt.Errorf("starting %s: %w", c.cmd.Path, err)
	}
	var timer *time.Timer
	if spec.Timeout > 0 {
		timer = time.AfterFunc(spec.Timeout, func() {
			c.mu.Lock()
			c.timedOut = true
			c.mu.Unlock()
			c.killAndWait(context.Background())
		})
	}
	go c.wait(timer)
	return nil
}

// wait waits for the runtime's command to end, then reads the program's
// exit code, removes the container and records the result.
func (c *Container) wait(timer *time.Timer) {
	defer close(c.done)
	werr := c.cmd.Wait()
	if timer != nil {
		timer.Stop()
	}
	res := &Result{Runtime: c.Runtime, Duration: time.Since(c.started)}
	if c.stdout != nil {
		res.Stdout = c.stdout.buf.Bytes()
		res.Truncated = c.stdout.dropped
	}
	if c.stderr != nil {
		res.Stderr = c.stderr.buf.Bytes()
		res.Truncated = res.Truncated || c.stderr.dropped
	}
	attached := 0
	var ee *exec.ExitError
	switch {
	case werr == nil:
	case errors.As(werr, &ee):
		attached = ee.ExitCode()
		if attached < 0 { // killed by a signal
			attached = 128 + int(signalOf(ee))
		}
	default:
		c.err = fmt.Errorf("waiting for %s: %w", c.Runtime, werr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	code, err := c.exitCode(ctx, attached)
	cancel()
	res.ExitCode = code
	if err != nil && c.err == nil {
		c.err = err
	}
	c.cleanup()
	c.mu.Lock()
	res.TimedOut = c.timedOut
	c.mu.Unlock()
	if res.TimedOut && c.err == nil {
		c.err = ErrTimeout
	}
	c.result = res
}

// stdin returns the reader for the program's standard input.
func stdin(spec Spec) io.Reader {
	if spec.StdinReader != nil {
		return spec.StdinReader
	}
	return bytes.NewReader(spec.Stdin)
}

// command returns the program to run: entrypoint and cmd of the image
// config, as changed by spec (Docker's rules).
func command(cfg *v1.ConfigFile, spec Spec) ([]string, error) {
	var ep, cmd []string
	if cfg != nil {
		ep, cmd = cfg.Config.Entrypoint, cfg.Config.Cmd
	}
	if spec.Entrypoint != nil {
		ep, cmd = spec.Entrypoint, nil
	}
	if len(spec.Args) > 0 {
		cmd = spec.Args
	}
	args := append(append([]string{}, ep...), cmd...)
	if len(args) == 0 {
		return nil, errors.New("no command to run: the image has no entrypoint or cmd, and none was given")
	}
	return args, nil
}

func signalOf(ee *exec.ExitError) syscall.Signal {
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return ws.Signal()
	}
	return 0
}
