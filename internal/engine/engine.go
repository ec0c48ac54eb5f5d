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
	"strings"
	"sync"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dietimg/diet/internal/progress"
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
var ErrTimeout = errors.New("engine: container timed out and was killed")

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
	// Log, when set, is told what a run changed that the caller should
	// know (a rootless run that folded the image's owners to root). It
	// may be told once per run: a caller of many runs passes a Log.Once.
	Log *progress.Log
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

// run is Engine.Run in e: img to completion. A program that exits
// non-zero is a Result, not an error; errors are for failing to run it
// at all, and ErrTimeout (with the Result so far) for a timeout.
func run(ctx context.Context, e Engine, img v1.Image, spec Spec) (*Result, error) {
	c, err := start(ctx, e, img, spec, nil)
	if err != nil {
		return nil, err
	}
	return c.Wait(ctx)
}

// startServer is Engine.Start in e of img, held by h when h is not nil:
// in the background, for servers, returning at once. Its network
// defaults to "host". The caller must Stop or Wait for it.
func startServer(ctx context.Context, e Engine, img v1.Image, spec Spec, h *Held) (*Container, error) {
	if spec.Network == "" {
		spec.Network = "host"
	}
	return start(ctx, e, img, spec, h)
}

// starter is what the package's own engines do beneath Run, Start and
// Held's runs: start img, held by h when h is not nil, with spec and cfg
// checked already; release is called once the container is gone. An
// Engine of another package (a test's fake) has its own Run and Start.
type starter interface {
	start(ctx context.Context, img v1.Image, cfg *v1.ConfigFile, spec Spec, h *Held, release func()) (*Container, error)
}

// start starts img in e, held by h when h is not nil.
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
	st, ok := e.(starter)
	if !ok {
		return nil, fmt.Errorf("engine %s is not one of this package's", e.Name())
	}
	// release lets go of h once the container is gone (or never was).
	release := func() {}
	if h != nil {
		if err := h.ref(); err != nil {
			return nil, err
		}
		release = sync.OnceFunc(h.unref)
	}
	c, err := st.start(ctx, img, cfg, spec, h, release)
	if err != nil {
		release()
		return nil, err
	}
	return c, nil
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
