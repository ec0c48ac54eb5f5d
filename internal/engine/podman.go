package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sys/unix"

	"github.com/dietimg/diet/internal/image"
)

// podman takes Docker's commands (load, tag, create, start --attach,
// inspect, kill, rm, rmi) with no daemon, as root or rootless (its own
// user namespace, from /etc/subuid). It differs in three places: the image
// goes in as an oci-archive (`podman load -i`), its image IDs are the bare
// hex of the config digest, and its default resource limits (the most the
// host allows) can be more than a sandboxed caller may set.

// loadPodman writes img as an oci-archive, loads it and tags its ID.
func loadPodman(ctx context.Context, img v1.Image, id, tag string) error {
	dir, err := os.MkdirTemp(bundleParent(""), "diet-podman-")
	if err != nil {
		return fmt.Errorf("loading image into podman: %w", err)
	}
	defer os.RemoveAll(dir)
	archive := filepath.Join(dir, "image.tar")
	if err := image.Write(ctx, "oci-archive:"+archive, img, image.Options{}); err != nil {
		return fmt.Errorf("loading image into podman: %w", err)
	}
	if _, err := cliEngine(Podman).run(ctx, nil, "load", "--quiet", "--input", archive); err != nil {
		return fmt.Errorf("loading image into podman: %w", err)
	}
	if _, err := cliEngine(Podman).run(ctx, nil, "tag", id, tag); err != nil {
		return fmt.Errorf("loading image into podman: %w", err)
	}
	return nil
}

// podmanDefaults are the create flags that give a podman container what a
// Docker or runc run gets: Docker's capabilities (podman's own default
// set lacks NET_RAW, MKNOD and AUDIT_WRITE), 1024 open files, and the
// caller's own limit of processes (bounded: podman's default, the host's
// maximum, may be more than a sandboxed caller is allowed to set).
func podmanDefaults() []string {
	var args []string
	for _, c := range defaultCaps {
		args = append(args, "--cap-add", strings.TrimPrefix(c, "CAP_"))
	}
	nproc := uint64(32768)
	var rl unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_NPROC, &rl) == nil && rl.Max < nproc {
		nproc = rl.Max
	}
	n := strconv.FormatUint(nproc, 10)
	return append(args, "--ulimit", "nofile=1024:1024", "--ulimit", "nproc="+n+":"+n)
}

// podmanStartError is the end of a podman container that never started:
// podman start said why on its standard error (errCopy), and exited 125, or
// 127 or 126 for a program that is missing or cannot be executed, which
// are exit codes, as with docker run.
func podmanStartError(attached int, tail *capped) (int, error) {
	msg := ""
	if tail != nil {
		msg = firstLine(tail.buf.Bytes(), errors.New("no message"))
		for _, l := range strings.Split(strings.TrimSpace(tail.buf.String()), "\n") {
			if strings.HasPrefix(l, "Error: ") {
				msg = strings.TrimPrefix(l, "Error: ")
			}
		}
	}
	switch {
	case strings.Contains(msg, "executable file") && strings.Contains(msg, "not found"), strings.Contains(msg, "no such file or directory"):
		return 127, nil
	case strings.Contains(msg, "permission denied"), strings.Contains(msg, "exec format error"):
		return 126, nil
	}
	return attached, fmt.Errorf("starting container: podman start exited %d: %s", attached, msg)
}

// podmanCheck remembers for a while that podman works.
var podmanCheck struct {
	sync.Mutex
	ok time.Time
}

func podmanAvailable(ctx context.Context) error {
	podmanCheck.Lock()
	defer podmanCheck.Unlock()
	if time.Since(podmanCheck.ok) < 30*time.Second {
		return nil
	}
	if _, err := exec.LookPath("podman"); err != nil {
		return errors.New("podman: the podman command is not installed")
	}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := cliEngine(Podman).run(cctx, nil, "info", "--format", "{{.Store.GraphDriverName}}"); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("podman: it cannot run here: %w", err)
	}
	podmanCheck.ok = time.Now()
	return nil
}
