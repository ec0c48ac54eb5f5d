// Package engine runs images in real container runtimes: an Engine is a
// Docker engine or podman (through their commands) or runc (on a bundle
// unpacked here, rootless when diet is not root), chosen once by New. A
// Held image is got into an engine once for many runs (slim's probes). It
// is how diet proves that an image it made still runs, and how slim
// watches a program at work.
package engine

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dietimg/diet/internal/procsig"
)

// Names of the runtimes.
const (
	Auto   = "auto"
	Docker = "docker"
	Podman = "podman"
	Runc   = "runc"
)

// ErrTimeout is returned, with the partial Result, when a container ran
// longer than Spec.Timeout and was killed.
var ErrTimeout = errors.New("runtime: container timed out and was killed")

// Mount is a bind mount of a host path into the container.
type Mount struct {
	Source   string `json:"source"`
	Target   string `json:"target"`
	ReadOnly bool   `json:"read_only,omitempty"`
}

// Spec says how to run an image. The zero Spec runs the image's own
// command with no network, like `docker run --rm --network none IMAGE`.
type Spec struct {
	// Args replaces the image's Cmd, as the arguments after the image in
	// `docker run IMAGE ARGS`. Empty keeps the image's Cmd.
	Args []string
	// Entrypoint, when not nil, replaces the image's Entrypoint (and, as
	// in Docker, drops its Cmd); an empty non-nil slice clears it.
	Entrypoint []string
	// Env is added to the image's environment (KEY=VALUE); a key the
	// image sets already gets the new value.
	Env []string
	// WorkingDir replaces the image's working directory.
	WorkingDir string
	// User replaces the image's user: "name", "uid", "uid:gid", "name:group".
	User string
	// Stdin is the program's standard input. StdinReader, when set, is
	// used instead. With neither, standard input is empty.
	Stdin       []byte
	StdinReader io.Reader
	// Stdout and Stderr, when set, receive the program's output as it
	// comes; Result then carries no copy of that stream.
	Stdout, Stderr io.Writer
	// MaxOutput bounds the bytes of each stream kept in Result (the rest
	// is read and dropped, and Result.Truncated says so); 0 means 64 MiB.
	MaxOutput int64
	// Runtime is "auto" (or ""): Docker when an engine answers, else
	// podman when it is installed and works, else runc; or "docker",
	// "podman", or "runc".
	Runtime string
	// Network is "none" (or ""): only a loopback interface; or "host";
	// or "container:ID" (Container.JoinNetwork): that of a running
	// container of the same runtime. Start defaults to "host" so that a
	// server is reached on 127.0.0.1.
	Network string
	// Timeout kills the container after that long; 0 means no limit.
	Timeout time.Duration
	// StopGrace is how long Stop waits after SIGTERM before it kills;
	// 0 means 5 seconds.
	StopGrace time.Duration
	// CapAdd adds capabilities ("SYS_PTRACE" or "CAP_SYS_PTRACE") to the
	// default set, which is Docker's.
	CapAdd []string
	// Mounts are bind mounts from the host.
	Mounts []Mount
	// Seccomp, when not nil, is the seccomp profile the container runs
	// under (the JSON that Docker's --security-opt seccomp=FILE, podman's
	// and the OCI runtime spec's linux.seccomp take) instead of the
	// runtime's default: Docker's and podman's default profiles, none
	// with runc.
	Seccomp []byte
	// TempDir is where runc bundles are unpacked; "" means os.TempDir().
	TempDir string
	// Notef, when set, is told what a run changed that the caller should
	// know (a rootless run that folded the image's owners to root). It
	// may be called once per run: a caller of many runs says it once.
	Notef func(format string, args ...any)
}

// Result is how a container ended.
type Result struct {
	ExitCode int           `json:"exit_code"`
	Stdout   []byte        `json:"stdout"`
	Stderr   []byte        `json:"stderr"`
	Runtime  string        `json:"runtime"`
	Duration time.Duration `json:"duration_ns"`
	TimedOut bool          `json:"timed_out,omitempty"`
	// Truncated says that Stdout or Stderr reached Spec.MaxOutput.
	Truncated bool `json:"truncated,omitempty"`
}

// NoteOnce wraps notef (for Spec.Notef) so that each distinct note is
// passed on once, however many runs give it.
func NoteOnce(notef func(format string, args ...any)) func(format string, args ...any) {
	var mu sync.Mutex
	seen := map[string]bool{}
	return func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		mu.Lock()
		defer mu.Unlock()
		if !seen[msg] {
			seen[msg] = true
			notef("%s", msg)
		}
	}
}

// defaultMaxOutput is the default of Spec.MaxOutput.
const defaultMaxOutput = 64 << 20

// capped keeps the first max bytes written to it and drops the rest, so
// that a chatty program cannot fill diet's memory.
type capped struct {
	buf     bytes.Buffer
	max     int64
	dropped bool
}

func (c *capped) Write(p []byte) (int, error) {
	room := c.max - int64(c.buf.Len())
	if int64(len(p)) > room {
		c.dropped = true
		c.buf.Write(p[:max(room, 0)])
		return len(p), nil
	}
	return c.buf.Write(p)
}

// Run runs img to completion and returns how it ended. A program that
// exits non-zero is a Result, not an error; errors are for failing to run
// it at all, and ErrTimeout (with the Result so far) for a timeout.
func Run(ctx context.Context, img v1.Image, spec Spec) (*Result, error) {
	return run(ctx, nil, img, spec)
}

// run is Run in e, or when e is nil, in the runtime spec.Runtime names.
func run(ctx context.Context, e Engine, img v1.Image, spec Spec) (*Result, error) {
	c, err := start(ctx, e, img, spec, nil)
	if err != nil {
		return nil, err
	}
	return c.Wait(ctx)
}

// Start starts img in the background, for servers, and returns at once.
// Its network defaults to "host". The caller must Stop or Wait for it.
func Start(ctx context.Context, img v1.Image, spec Spec) (*Container, error) {
	return startServer(ctx, nil, img, spec, nil)
}

// startServer is Start in e (nil: as spec.Runtime says) of img, held by h
// when h is not nil.
func startServer(ctx context.Context, e Engine, img v1.Image, spec Spec, h *Held) (*Container, error) {
	if spec.Network == "" {
		spec.Network = "host"
	}
	return start(ctx, e, img, spec, h)
}

// start starts img in e, or when e is nil, in the runtime spec.Runtime
// names; held by h when h is not nil.
func start(ctx context.Context, e Engine, img v1.Image, spec Spec, h *Held) (*Container, error) {
	switch spec.Network {
	case "", "none":
		spec.Network = "none"
	case "host":
	default:
		if _, ok := joined(spec.Network); !ok {
			return nil, fmt.Errorf("unknown network %q (want none, host or container:ID)", spec.Network)
		}
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("reading image config: %w", err)
	}
	if err := checkPlatform(cfg, BinfmtDir); err != nil {
		return nil, err
	}
	if e == nil {
		if e, err = New(ctx, spec.Runtime); err != nil {
			return nil, err
		}
	}
	// release lets go of h once the container is gone (or never was).
	release := func() {}
	if h != nil {
		if err := h.ref(); err != nil {
			return nil, err
		}
		release = sync.OnceFunc(h.unref)
	}
	c, err := e.start(ctx, img, cfg, spec, h, release)
	if err != nil {
		release()
		return nil, err
	}
	return c, nil
}

// choose picks the runtime to use for want.
func choose(ctx context.Context, want string) (string, error) {
	switch want {
	case "", Auto:
		var errs []string
		for _, name := range []string{Docker, Podman, Runc} {
			err := Available(ctx, name)
			if err == nil {
				return name, nil
			}
			if cerr := ctx.Err(); cerr != nil {
				return "", cerr
			}
			errs = append(errs, err.Error())
		}
		return "", fmt.Errorf("no container runtime can be used: %s", strings.Join(errs, "; "))
	case Docker, Podman, Runc:
		if err := Available(ctx, want); err != nil {
			return "", err
		}
		return want, nil
	default:
		return "", unknown(want)
	}
}

// Available says whether the named runtime ("docker", "podman", "runc" or
// "auto") can be used here, and if not, why.
func Available(ctx context.Context, name string) error {
	switch name {
	case Docker, Podman, Runc:
		return byName(name).Available(ctx)
	case "", Auto:
		_, err := choose(ctx, Auto)
		return err
	default:
		return unknown(name)
	}
}

// dockerCheck remembers for a while that the engine answered, so that a
// series of runs asks it once.
var dockerCheck struct {
	sync.Mutex
	ok time.Time
}

func dockerAvailable(ctx context.Context) error {
	dockerCheck.Lock()
	defer dockerCheck.Unlock()
	if time.Since(dockerCheck.ok) < 30*time.Second {
		return nil
	}
	if _, err := exec.LookPath("docker"); err != nil {
		return errors.New("docker: the docker command is not installed")
	}
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	out, err := exec.CommandContext(cctx, "docker", "version", "--format", "{{.Server.Version}}").CombinedOutput()
	if err != nil {
		if ctx.Err() != nil {
			// The caller gave up while we asked: that is not the engine's fault.
			return ctx.Err()
		}
		return fmt.Errorf("docker: no engine answers: %s", firstLine(out, err))
	}
	dockerCheck.ok = time.Now()
	return nil
}

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

func randomID() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func firstLine(out []byte, err error) string {
	s := strings.TrimSpace(string(out))
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if s == "" {
		return err.Error()
	}
	return s
}

func signalOf(ee *exec.ExitError) syscall.Signal {
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return ws.Signal()
	}
	return 0
}
