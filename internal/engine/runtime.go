package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dietimg/diet/internal/dockercli"
)

// Engine is one container runtime, chosen once by New from its name:
// callers take the value and never name a runtime again. Another package
// may implement it (a fake in tests).
type Engine interface {
	// Name is "docker", "podman" or "runc".
	Name() string
	// Available says whether the runtime can be used here, and if not,
	// why.
	Available(ctx context.Context) error
	// Run runs img to completion and returns how it ended. A program
	// that exits non-zero is a Result, not an error; errors are for
	// failing to run it at all, and ErrTimeout (with the Result so far)
	// for a timeout.
	Run(ctx context.Context, img v1.Image, spec Spec) (*Result, error)
	// Start starts img in the background, for servers, and returns at
	// once. Its network defaults to "host". The caller must Stop or Wait
	// for it.
	Start(ctx context.Context, img v1.Image, spec Spec) (*Container, error)
	// Hold gets img into the runtime once for the runs of the returned
	// Held, which would otherwise each get it in again.
	Hold(ctx context.Context, img v1.Image) (*Held, error)
	// HoldDir is Hold with a tree the caller has already unpacked from
	// img (rootfs.Unpack with KeepOwners) at root: runc's runs mount it
	// as the lower directory of their overlay, so it is not unpacked
	// again, and never write into it. The caller keeps root unchanged
	// until Release. Under the other runtimes it is Hold.
	HoldDir(ctx context.Context, img v1.Image, root string) (*Held, error)
}

// New returns the runtime name says ("auto" or "": the first of runc,
// Docker and podman that can be used here: runc needs no daemon and runs
// rootless), or why it cannot be used.
func New(ctx context.Context, name string) (Engine, error) {
	name, err := choose(ctx, name)
	if err != nil {
		return nil, err
	}
	return byName(name), nil
}

// byName is the Engine of a runtime's name, which must be one of Docker,
// Podman and Runc.
func byName(name string) Engine {
	if name == Runc {
		return runcEngine{}
	}
	return cliEngine(name)
}

// The Docker engine and podman: the name of their command (docker.go).

func (e cliEngine) Name() string { return string(e) }

func (e cliEngine) Available(ctx context.Context) error {
	if e == Podman {
		return podmanAvailable(ctx)
	}
	return dockerAvailable(ctx)
}

func (e cliEngine) Run(ctx context.Context, img v1.Image, spec Spec) (*Result, error) {
	return run(ctx, e, img, spec)
}

func (e cliEngine) Start(ctx context.Context, img v1.Image, spec Spec) (*Container, error) {
	return startServer(ctx, e, img, spec, nil)
}

func (e cliEngine) Hold(ctx context.Context, img v1.Image) (*Held, error) {
	h := &Held{img: img, eng: e, refs: 1}
	var err error
	if h.tag, h.id, err = e.load(ctx, img); err != nil {
		return nil, err
	}
	return h, nil
}

func (e cliEngine) HoldDir(ctx context.Context, img v1.Image, root string) (*Held, error) {
	return e.Hold(ctx, img)
}

func (e cliEngine) start(ctx context.Context, img v1.Image, cfg *v1.ConfigFile, spec Spec, h *Held, release func()) (*Container, error) {
	return startEngine(ctx, e, img, cfg, spec, h, release)
}

// runcEngine is runc, on bundles unpacked here (runc.go).
type runcEngine struct{}

func (runcEngine) Name() string { return Runc }

func (runcEngine) Available(ctx context.Context) error {
	if _, err := exec.LookPath("runc"); err != nil {
		return errors.New("runc: the runc command is not installed")
	}
	if os.Geteuid() != 0 {
		return userNamespacesAllowed()
	}
	return nil
}

func (r runcEngine) Run(ctx context.Context, img v1.Image, spec Spec) (*Result, error) {
	return run(ctx, r, img, spec)
}

func (r runcEngine) Start(ctx context.Context, img v1.Image, spec Spec) (*Container, error) {
	return startServer(ctx, r, img, spec, nil)
}

func (r runcEngine) Hold(ctx context.Context, img v1.Image) (*Held, error) {
	h := &Held{img: img, eng: r, refs: 1}
	if os.Geteuid() != 0 {
		// Rootless runc cannot mount the overlay that shares a held
		// tree: each run unpacks its own.
		return h, nil
	}
	dir, err := os.MkdirTemp(bundleParent(""), "diet-runc-held-")
	if err != nil {
		return nil, err
	}
	root, err := unpackHeld(ctx, img, dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	h.dir, h.root = dir, root
	return h, nil
}

func (r runcEngine) HoldDir(ctx context.Context, img v1.Image, root string) (*Held, error) {
	h := &Held{img: img, eng: r, refs: 1}
	if os.Geteuid() == 0 {
		h.root = root
	}
	return h, nil
}

func (runcEngine) start(ctx context.Context, img v1.Image, cfg *v1.ConfigFile, spec Spec, h *Held, release func()) (*Container, error) {
	return startRunc(ctx, img, cfg, spec, h, release)
}

// unknown is the error for a runtime name that is none of these.
func unknown(name string) error {
	return fmt.Errorf("unknown runtime %q (want auto, docker, podman or runc)", name)
}

// choose picks the runtime to use for want.
func choose(ctx context.Context, want string) (string, error) {
	switch want {
	case "", Auto:
		var errs []string
		for _, name := range []string{Runc, Docker, Podman} {
			err := byName(name).Available(ctx)
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
		if err := byName(want).Available(ctx); err != nil {
			return "", err
		}
		return want, nil
	default:
		return "", unknown(want)
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
	if err := dockercli.Run(cctx, Docker, nil, nil, "version", "--format", "{{.Server.Version}}"); err != nil {
		if ctx.Err() != nil {
			// The caller gave up while we asked: that is not the engine's fault.
			return ctx.Err()
		}
		msg := err.Error()
		var de *dockercli.Error
		if errors.As(err, &de) {
			msg = firstLine([]byte(de.Stderr), de.Err)
		}
		return fmt.Errorf("docker: no engine answers: %s", msg)
	}
	dockerCheck.ok = time.Now()
	return nil
}
