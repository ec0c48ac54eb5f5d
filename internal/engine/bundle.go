package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sys/unix"

	"github.com/dietimg/diet/internal/rootfs"
)

// bundle is the directory of one runc run: its root file system and
// config.json, and what to undo when the run ends.
type bundle struct {
	dir     string
	rootDir string
	// ns is the user namespace of a rootless run (not root), which maps
	// the caller to root; nil as root.
	ns      *userns
	closers []func()
	release func()
}

func newBundle(spec Spec, release func()) (*bundle, error) {
	dir, err := os.MkdirTemp(bundleParent(spec.TempDir), "diet-runc-")
	if err != nil {
		return nil, fmt.Errorf("making runc bundle: %w", err)
	}
	b := &bundle{dir: dir, rootDir: filepath.Join(dir, "rootfs"), release: release}
	if os.Geteuid() != 0 {
		b.ns = callerNS()
	}
	return b, nil
}

// remove undoes the mounts and namespaces, removes the bundle and lets the
// held image go.
func (b *bundle) remove() {
	for _, f := range b.closers {
		f()
	}
	if b.ns != nil {
		b.ns.removeTree(b.dir)
	} else {
		os.RemoveAll(b.dir)
	}
	b.release()
}

// tree makes the root file system: an overlay of the held tree (as
// root), else the image unpacked, with its owners inside the user
// namespace when rootless.
func (b *bundle) tree(ctx context.Context, img v1.Image, h *Held, spec Spec) error {
	if h != nil && h.root != "" && b.ns == nil {
		if undo, mounted := mountHeld(h.root, b.dir, b.rootDir); mounted {
			b.closers = append(b.closers, undo)
			return nil
		}
	}
	rep, err := rootfs.Unpack(ctx, img, b.rootDir, rootfs.UnpackOptions{KeepOwners: true})
	if err != nil {
		return fmt.Errorf("unpacking image for runc: %w", err)
	}
	if b.ns == nil {
		return nil
	}
	folded, err := b.ns.chownTree(b.rootDir, rep.Owners)
	if err != nil {
		return fmt.Errorf("giving the unpacked image its owners: %w", err)
	}
	if len(folded) > 0 {
		spec.Log.Printf("rootless runc: ids %s of the image are root in the container: %s", joinIDs(folded), b.ns.why)
	}
	return nil
}

// user resolves the user the program runs as in the tree, as far as a
// rootless namespace maps it.
func (b *bundle) user(cfg *v1.ConfigFile, spec Spec) (ExecUser, error) {
	fsys, err := rootfs.Dir(b.rootDir)
	if err != nil {
		return ExecUser{}, err
	}
	user := cfg.Config.User
	if spec.User != "" {
		user = spec.User
	}
	eu, err := ResolveUser(fsys, user)
	if err != nil {
		return ExecUser{}, err
	}
	if b.ns == nil {
		return eu, nil
	}
	if !b.ns.maps(int(eu.UID), int(eu.GID)) {
		spec.Log.Printf("rootless runc: the program runs as root instead of %d:%d: %s", eu.UID, eu.GID, b.ns.why)
		eu.UID, eu.GID = 0, 0
	}
	eu.Additional = slices.DeleteFunc(eu.Additional, func(g uint32) bool { return !b.ns.maps(0, int(g)) })
	return eu, nil
}

func joinIDs(ids []int) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.Itoa(id)
	}
	return strings.Join(s, ", ")
}

// bundleParent is where bundles go: dir, or the temporary directory unless
// it is mounted noexec (a tmpfs /tmp often is), where no program of the
// image could start; /var/tmp then.
func bundleParent(dir string) string {
	if dir != "" {
		return dir
	}
	dir = os.TempDir()
	var st unix.Statfs_t
	if unix.Statfs(dir, &st) == nil && st.Flags&unix.ST_NOEXEC != 0 {
		return "/var/tmp"
	}
	return dir
}
