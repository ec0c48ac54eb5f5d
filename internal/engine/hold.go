package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sys/unix"

	"github.com/dietimg/diet/internal/rootfs"
)

// ErrReleased is returned by a run of a Held image after its Release.
var ErrReleased = errors.New("engine: the held image was released")

// Held is an image kept ready in a runtime by Engine.Hold or HoldDir, so that
// many runs of it (slim's probes) pay for getting it in once. Its Run and
// Start run that image there; Release lets it go.
//
// Docker and podman: the image stays loaded under a tag of its own, and
// runs create their containers from it directly. runc (as root): the image
// is unpacked once, and each run gets an overlay mount of that tree with a
// fresh upper directory, so runs still cannot see each other's writes.
// Rootless runc cannot mount that overlay: each run unpacks the image.
type Held struct {
	img v1.Image
	eng Engine // the runtime holding it

	// Docker and podman.
	tag, id string

	// runc.
	root string // the tree runs mount as their lower directory; "" for none
	dir  string // what Release removes; "" for a tree of the caller's (HoldDir)

	mu       sync.Mutex
	refs     int // the holder's, until Release, and one per run
	released bool
}

// unpackHeld unpacks img into dir/rootfs for runc's held runs and returns
// that directory.
func unpackHeld(ctx context.Context, img v1.Image, dir string) (string, error) {
	root := filepath.Join(dir, "rootfs")
	if _, err := rootfs.Unpack(ctx, img, root, rootfs.UnpackOptions{KeepOwners: true}); err != nil {
		return "", fmt.Errorf("unpacking image for runc: %w", err)
	}
	return root, nil
}

// Runtime is the runtime that holds the image: "docker", "podman" or
// "runc".
func (h *Held) Runtime() string { return h.eng.Name() }

// Image is the image held.
func (h *Held) Image() v1.Image { return h.img }

// Run is Engine.Run of the held image, in the engine holding it.
func (h *Held) Run(ctx context.Context, spec Spec) (*Result, error) {
	c, err := h.start(ctx, spec)
	if err != nil {
		return nil, err
	}
	return c.Wait(ctx)
}

// Start is Engine.Start of the held image, in the engine holding it.
func (h *Held) Start(ctx context.Context, spec Spec) (*Container, error) {
	return startServer(ctx, h.eng, h.img, spec, h)
}

func (h *Held) start(ctx context.Context, spec Spec) (*Container, error) {
	return start(ctx, h.eng, h.img, spec, h)
}

// Release lets the image go once the runs in progress have ended: the
// runtime's tag is removed, or the unpacked tree. Later runs fail with
// ErrReleased. Release may be called more than once.
func (h *Held) Release() {
	h.mu.Lock()
	if h.released {
		h.mu.Unlock()
		return
	}
	h.released = true
	h.mu.Unlock()
	h.unref()
}

// ref takes a reference for a run, or fails once the image is released.
func (h *Held) ref() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.released {
		return ErrReleased
	}
	h.refs++
	return nil
}

// unref drops a reference; the last one lets the image go.
func (h *Held) unref() {
	h.mu.Lock()
	h.refs--
	last := h.refs == 0
	h.mu.Unlock()
	if !last {
		return
	}
	if e, ok := h.eng.(cliEngine); ok && h.tag != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		e.run(ctx, nil, "rmi", h.tag)
	}
	if h.dir != "" {
		os.RemoveAll(h.dir)
	}
}

// mountHeld mounts an overlay of the held tree lower at rootDir, with its
// upper and work directories in bundle, and returns how to undo it; ok is
// false when the mount failed (the caller then unpacks as usual).
func mountHeld(lower, bundle, rootDir string) (undo func(), ok bool) {
	upper, work := filepath.Join(bundle, "upper"), filepath.Join(bundle, "work")
	fail := func() (func(), bool) {
		os.RemoveAll(upper)
		os.RemoveAll(work)
		os.Remove(rootDir)
		return nil, false
	}
	for _, d := range []string{upper, work, rootDir} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return fail()
		}
	}
	// The merged root takes its owner and mode from the upper directory.
	if fi, err := os.Stat(lower); err == nil {
		st := fi.Sys().(*syscall.Stat_t)
		os.Chown(upper, int(st.Uid), int(st.Gid))
		os.Chmod(upper, fi.Mode().Perm())
	}
	opts := "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work
	if err := unix.Mount("overlay", rootDir, "overlay", 0, opts); err != nil {
		return fail()
	}
	return func() { unix.Unmount(rootDir, unix.MNT_DETACH) }, true
}
