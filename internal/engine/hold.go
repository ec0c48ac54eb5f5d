package engine

import (
	"context"
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

// Hold keeps img ready in the runtime until release is called, so that
// many runs of one image (slim's probes) pay for getting it in once.
// Docker and podman: the image stays loaded under a tag of its own, and
// each run only tags it. runc: the image is unpacked once, and each run
// gets an overlay mount of that tree with a fresh upper directory, so runs
// still cannot see each other's writes (as root: without root each run
// unpacks the image). release may be called more than once.
func Hold(ctx context.Context, img v1.Image, runtimeName string) (release func(), err error) {
	name, err := choose(ctx, runtimeName)
	if err != nil {
		return nil, err
	}
	if name == Runc {
		if os.Geteuid() != 0 {
			// Rootless runc cannot mount the overlay that shares a held
			// tree: each run unpacks its own.
			return func() {}, nil
		}
		return holdRunc(ctx, img)
	}
	e := engine(name)
	tag, _, err := e.load(ctx, img)
	if err != nil {
		return nil, err
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			e.run(ctx, nil, "rmi", tag)
		})
	}, nil
}

// heldTree is an image unpacked once for runc, shared by the runs that
// mount it as their lower directory.
type heldTree struct {
	dir  string // holds "rootfs"; "" for a tree of the caller's (HoldDir)
	root string // the root file system
	refs int    // Holds and runs using it
}

var held = struct {
	sync.Mutex
	trees map[string]*heldTree // by config digest
}{trees: map[string]*heldTree{}}

func holdRunc(ctx context.Context, img v1.Image) (func(), error) {
	key, err := img.ConfigName()
	if err != nil {
		return nil, fmt.Errorf("reading image config digest: %w", err)
	}
	if _, ok := acquireHeld(key.String()); !ok {
		dir, err := os.MkdirTemp(bundleParent(""), "diet-runc-held-")
		if err != nil {
			return nil, err
		}
		if _, err := rootfs.Unpack(ctx, img, filepath.Join(dir, "rootfs"), rootfs.UnpackOptions{KeepOwners: true}); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("unpacking image for runc: %w", err)
		}
		if !register(key.String(), &heldTree{dir: dir, root: filepath.Join(dir, "rootfs"), refs: 1}) {
			os.RemoveAll(dir)
		}
	}
	var once sync.Once
	return func() { once.Do(func() { releaseHeld(key.String()) }) }, nil
}

// register makes t the held tree of key, or when another Hold won the
// race, takes a reference on that one and returns false.
func register(key string, t *heldTree) bool {
	held.Lock()
	defer held.Unlock()
	if other, ok := held.trees[key]; ok {
		other.refs++
		return false
	}
	held.trees[key] = t
	return true
}

// HoldDir is Hold for runc with a tree the caller has already unpacked
// from img (rootfs.Unpack with KeepOwners) at root: runs mount it as the
// lower directory of their overlay, so it is not unpacked again, and
// never write into it. The caller keeps root unchanged until release,
// and removes it after. Under the other runtimes it is Hold.
func HoldDir(ctx context.Context, img v1.Image, runtimeName, root string) (release func(), err error) {
	name, err := choose(ctx, runtimeName)
	if err != nil {
		return nil, err
	}
	if name != Runc {
		return Hold(ctx, img, name)
	}
	key, err := img.ConfigName()
	if err != nil {
		return nil, fmt.Errorf("reading image config digest: %w", err)
	}
	register(key.String(), &heldTree{root: root, refs: 1})
	var once sync.Once
	return func() { once.Do(func() { releaseHeld(key.String()) }) }, nil
}

// acquireHeld takes a reference on the held tree of key and returns its
// root file system directory.
func acquireHeld(key string) (string, bool) {
	held.Lock()
	defer held.Unlock()
	t, ok := held.trees[key]
	if !ok {
		return "", false
	}
	t.refs++
	return t.root, true
}

func releaseHeld(key string) {
	held.Lock()
	t, ok := held.trees[key]
	if !ok {
		held.Unlock()
		return
	}
	t.refs--
	if t.refs > 0 {
		held.Unlock()
		return
	}
	delete(held.trees, key)
	held.Unlock()
	if t.dir != "" {
		os.RemoveAll(t.dir)
	}
}

// mountHeld mounts an overlay of the held tree of key at rootDir, with its
// upper and work directories in bundle, and returns how to undo it; ok is
// false when the image is not held or the mount failed (the caller then
// unpacks as usual).
func mountHeld(key, bundle, rootDir string) (undo func(), ok bool) {
	lower, ok := acquireHeld(key)
	if !ok {
		return nil, false
	}
	upper, work := filepath.Join(bundle, "upper"), filepath.Join(bundle, "work")
	fail := func() (func(), bool) {
		releaseHeld(key)
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
	return func() {
		unix.Unmount(rootDir, unix.MNT_DETACH)
		releaseHeld(key)
	}, true
}
