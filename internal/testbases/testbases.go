// Package testbases makes the base images that tests and benchmarks
// compare diet against, without pulling anything: a Debian minbase image
// from the debootstrap tree of the test fixtures, and a small BusyBox
// image from Debian's busybox-static package. Each is written once per
// machine as an OCI layout under the test cache, guarded by a lock file,
// and named by an oci: reference that diet reads like any other image.
package testbases

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/testenv"
)

// Tag is the name of the image inside each layout.
const Tag = "latest"

// Dir is where the base layouts live under a cache directory.
func Dir(cache string) string { return filepath.Join(cache, "bases") }

// Debian returns an oci: reference to the Debian minbase base image, made
// from testenv.DebianRoot as one layer on first use.
func Debian(t testing.TB) string {
	t.Helper()
	root := testenv.DebianRoot(t)
	ref, err := EnsureDebian(context.Background(), root, testenv.CacheDir())
	if err != nil {
		failed(t, "Debian", err)
	}
	return ref
}

// failed reports a base that could not be made: missing when the cache
// cannot be written (tests run as a user), a failure otherwise.
func failed(t testing.TB, what string, err error) {
	t.Helper()
	if errors.Is(err, fs.ErrPermission) {
		testenv.Missing(t, "cannot write the %s base image under %s: %v (set DIET_TEST_CACHE to a writable directory)", what, Dir(testenv.CacheDir()), err)
	}
	t.Fatalf("making the %s base image: %v", what, err)
}

// BusyBox returns an oci: reference to the BusyBox base image, made from
// /bin/busybox of Debian's busybox-static package on first use.
func BusyBox(t testing.TB) string {
	t.Helper()
	bb := "/bin/busybox"
	if _, err := os.Stat(bb); err != nil {
		testenv.Missing(t, "%s is missing (apt-get install busybox-static)", bb)
	}
	ref, err := EnsureBusyBox(context.Background(), bb, testenv.CacheDir())
	if err != nil {
		failed(t, "BusyBox", err)
	}
	return ref
}

// EnsureDebian makes, unless it exists, the layout of the Debian base from
// the root file system at root, and returns its oci: reference.
func EnsureDebian(ctx context.Context, root, cache string) (string, error) {
	return EnsureTree(ctx, root, cache, "debian")
}

// EnsureTree makes, unless it exists, the layout named name of a one-layer
// image of the root file system at root (a Debian tree of the fixtures),
// and returns its oci: reference.
func EnsureTree(ctx context.Context, root, cache, name string) (string, error) {
	return ensureTree(ctx, root, cache, name, runtime.GOARCH)
}

// EnsureDebianFor is EnsureDebian for a tree of architecture arch (GOARCH:
// "arm64" for the tree of debootstrap --arch=arm64), whose image config
// says so. The layout of another architecture than this machine's is
// named debian-ARCH.
func EnsureDebianFor(ctx context.Context, root, cache, arch string) (string, error) {
	name := "debian"
	if arch != runtime.GOARCH {
		name += "-" + arch
	}
	return ensureTree(ctx, root, cache, name, arch)
}

func ensureTree(ctx context.Context, root, cache, name, arch string) (string, error) {
	return ensure(ctx, cache, name, func(tmp string) (v1.Image, error) {
		l, err := dirLayer(ctx, root, filepath.Join(tmp, "layer.tar.gz"))
		if err != nil {
			return nil, err
		}
		return baseImage(l, "debian minbase from "+root, arch, []string{"bash"})
	})
}

// EnsureBusyBox makes, unless it exists, the layout of the BusyBox base
// around the static busybox binary at bb, and returns its oci: reference.
func EnsureBusyBox(ctx context.Context, bb, cache string) (string, error) {
	return ensure(ctx, cache, "busybox", func(string) (v1.Image, error) {
		out, err := exec.CommandContext(ctx, bb, "--list-full").Output()
		if err != nil {
			return nil, fmt.Errorf("listing the applets of %s: %w", bb, err)
		}
		l, err := busyboxLayer(bb, strings.Fields(string(out)))
		if err != nil {
			return nil, err
		}
		return baseImage(l, "busybox from "+bb, runtime.GOARCH, []string{"sh"})
	})
}

func baseImage(l v1.Layer, what, arch string, cmd []string) (v1.Image, error) {
	// OCI media types throughout, as skopeo and umoci expect in a layout.
	return image.Append(nil, mutate.Addendum{Layer: l, History: v1.History{CreatedBy: "diet testbases: " + what}}, func(cf *v1.ConfigFile) error {
		cf.OS, cf.Architecture = "linux", arch
		cf.Created = v1.Time{Time: epoch}
		cf.Config.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
		cf.Config.Cmd = cmd
		return nil
	})
}

// ensure returns the reference of the layout named name under cache,
// making it with mk under an exclusive lock when it is not there yet. The
// layout is written beside its final place and renamed into it, so a
// layout that exists is complete.
func ensure(ctx context.Context, cache, name string, mk func(tmp string) (v1.Image, error)) (string, error) {
	dir := Dir(cache)
	final := filepath.Join(dir, name)
	ref := "oci:" + final + ":" + Tag
	if _, err := os.Stat(filepath.Join(final, "index.json")); err == nil {
		return ref, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	// One lock per layout: different layouts are made side by side.
	lock, err := os.OpenFile(filepath.Join(dir, "."+name+".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("locking %s: %w", lock.Name(), err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if _, err := os.Stat(filepath.Join(final, "index.json")); err == nil {
		return ref, nil // made while we waited
	}
	tmp, err := os.MkdirTemp(dir, "."+name+"-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	img, err := mk(tmp)
	if err != nil {
		return "", fmt.Errorf("making base %s: %w", name, err)
	}
	lp, err := layout.Write(filepath.Join(tmp, "oci"), empty.Index)
	if err != nil {
		return "", err
	}
	if err := lp.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": Tag})); err != nil {
		return "", fmt.Errorf("writing base %s: %w", name, err)
	}
	os.RemoveAll(final) // a leftover without index.json
	if err := os.Rename(filepath.Join(tmp, "oci"), final); err != nil {
		return "", err
	}
	return ref, nil
}
