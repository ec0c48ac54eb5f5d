package inspect

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/dietimg/diet/internal/rootfs"
)

// Names turns the FILE arguments of `diet inspect` into the paths to
// inspect inside fsys, the root file system at hostRoot on this machine
// ("/" for the host's own). An argument is a host path lying inside the
// root (taken relative to it) or else a path inside the root. A directory
// is an error unless recursive, when the files under it are listed (Walk).
// An argument that cannot be listed gives an error and the others are
// still listed, in the order given.
func Names(fsys rootfs.FS, hostRoot string, args []string, recursive bool) ([]string, []error) {
	var names []string
	var errs []error
	for _, a := range args {
		name, err := rootPath(hostRoot, a)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", a, err))
			continue
		}
		switch {
		case !isDir(fsys, name):
			names = append(names, name)
		case !recursive:
			errs = append(errs, fmt.Errorf("inspecting %s: is a directory (-r inspects the files under it)", name))
		default:
			files, err := Walk(fsys, name)
			if err != nil {
				errs = append(errs, fmt.Errorf("walking %s: %w", a, err))
			}
			names = append(names, files...)
		}
	}
	return names, errs
}

// rootPath turns a FILE argument into a path inside the root at hostRoot:
// a host path lying inside the root is taken relative to it, anything
// else is a path inside the root.
func rootPath(hostRoot, arg string) (string, error) {
	abs, err := filepath.Abs(arg)
	if err != nil {
		return "", err
	}
	if hostRoot == "/" {
		return abs, nil
	}
	if rel, err := filepath.Rel(hostRoot, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
		if _, err := os.Lstat(abs); err == nil {
			return rootfs.Clean(rel), nil
		}
	}
	return rootfs.Clean(arg), nil
}

func isDir(fsys rootfs.FS, name string) bool {
	fi, err := rootfs.Stat(fsys, name)
	return err == nil && fi.IsDir()
}
