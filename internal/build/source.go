package build

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing/fstest"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/dietimg/diet/internal/artifact"
	"github.com/dietimg/diet/internal/gobuild"
	"github.com/dietimg/diet/internal/rootfs"
)

// program is a program to put in an image, located in a root file system.
type program struct {
	kind        string    // elf, script (set by assemble), go
	name        string    // image name
	fsys        rootfs.FS // the root the closure is resolved in
	inspectPath string    // the program's path in fsys
	installPath string    // the program's path in the image
	inRoot      bool      // the program is a file of the root (its path there is its origin)
	rootDesc    string    // "/", "--root DIR", "the base image"
}

// sourceRoot opens the root the closure is resolved in: --root, else the
// base image's tree, else /.
func sourceRoot(opts Options, base v1.Image) (rootfs.FS, fstest.MapFS, string, error) {
	var baseFS fstest.MapFS
	if base != nil {
		var err error
		if baseFS, err = imageFS(base); err != nil {
			return nil, nil, "", err
		}
	}
	switch {
	case opts.Root != "":
		fi, err := os.Stat(opts.Root)
		if err != nil {
			return nil, nil, "", fmt.Errorf("--root: %w", err)
		}
		if !fi.IsDir() {
			return nil, nil, "", fmt.Errorf("--root %s: not a directory", opts.Root)
		}
		fsys, err := rootfs.Dir(opts.Root)
		if err != nil {
			return nil, nil, "", fmt.Errorf("--root: %w", err)
		}
		return fsys, baseFS, "--root " + opts.Root, nil
	case baseFS != nil:
		return baseFS, baseFS, "the base image", nil
	}
	fsys, err := rootfs.Dir("/")
	if err != nil {
		return nil, nil, "", err
	}
	return fsys, nil, "/", nil
}

// checkExecutable returns a clear error for a program that cannot be one.
func checkExecutable(src string, fi fs.FileInfo) error {
	switch {
	case fi.IsDir():
		return fmt.Errorf("%s: is a directory, not a program: it holds no Cargo.toml, Makefile, .c or .go file (a Go package needs go.mod around it)", src)
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%s: not a regular file", src)
	case fi.Mode().Perm()&0o111 == 0:
		return fmt.Errorf("%s: not executable (chmod +x it)", src)
	}
	return nil
}

func installPath(opts Options, name string) (string, error) {
	if opts.Path == "" {
		return "/usr/local/bin/" + name, nil
	}
	if !path.IsAbs(opts.Path) {
		return "", fmt.Errorf("--path %s: must be absolute", opts.Path)
	}
	p := path.Clean(opts.Path)
	if p == "/" {
		return "", fmt.Errorf("--path %s: names no file", opts.Path)
	}
	return p, nil
}

// platforms are the platforms of opts (def when it names none), refused
// when there are several and a base image: a base is of one platform.
func platforms(opts Options, base v1.Image, def []v1.Platform) ([]v1.Platform, error) {
	plats := def
	if len(opts.Platforms) > 0 {
		plats = opts.Platforms
	}
	if len(plats) > 1 && base != nil {
		return nil, fmt.Errorf("--base with several platforms is not supported: build one platform at a time")
	}
	return plats, nil
}

// buildFile builds the image of a prebuilt program (ELF or script): for
// the program's own platform, or for each platform from the root of its
// architecture (Roots), as an image index.
func buildFile(ctx context.Context, opts Options, base v1.Image) (*Result, error) {
	plats, err := platforms(opts, base, nil)
	if err != nil {
		return nil, err
	}
	if len(plats) <= 1 {
		var plat *v1.Platform
		if len(plats) == 1 {
			plat = &plats[0]
		}
		if len(opts.Roots) > 0 {
			arch := ""
			if plat != nil {
				arch = plat.Architecture
			}
			if opts.Root = opts.Roots[arch]; opts.Root == "" {
				return nil, fmt.Errorf("%w: no root for %q among the --root ARCH=DIR given; name the platform with --platform", ErrPlatform, arch)
			}
		}
		prog, pi, err := buildFileFor(ctx, opts, base, plat)
		if err != nil {
			return nil, err
		}
		return single(opts, prog, pi)
	}
	var prog *program
	var images []*PlatformImage
	for _, p := range plats {
		o := opts
		if o.Root = opts.Roots[p.Architecture]; o.Root == "" {
			return nil, fmt.Errorf("%w: %s is a prebuilt program for one machine; for %s give its root with --root %s=DIR", ErrPlatform, opts.Source, p.String(), p.Architecture)
		}
		var pi *PlatformImage
		var err error
		if prog, pi, err = buildFileFor(ctx, o, nil, &p); err != nil {
			return nil, fmt.Errorf("%s: %w", p.String(), err)
		}
		logf(opts, "built %s for %s from %s", opts.Source, pi.Platform.String(), o.Root)
		images = append(images, pi)
	}
	return multi(opts, prog, images)
}

// buildFileFor builds the image of a prebuilt program for plat (nil: the
// program's own).
func buildFileFor(ctx context.Context, opts Options, base v1.Image, plat *v1.Platform) (*program, *PlatformImage, error) {
	fsys, baseFS, desc, err := sourceRoot(opts, base)
	if err != nil {
		return nil, nil, err
	}
	prog := &program{rootDesc: desc}
	// With a root other than /, SOURCE is looked up inside it first; a
	// host file is the fallback (a program built here, with its libraries
	// in the root).
	var hostPath string
	if desc == "/" {
		abs, err := filepath.Abs(opts.Source)
		if err != nil {
			return nil, nil, err
		}
		prog.inRoot, prog.inspectPath = true, abs
	} else if path.IsAbs(opts.Source) {
		if _, err := fs.Stat(fsys, rootfs.Rel(opts.Source)); err == nil {
			prog.inRoot, prog.inspectPath = true, path.Clean(opts.Source)
		}
	}
	if prog.inRoot {
		fi, err := fs.Stat(fsys, rootfs.Rel(prog.inspectPath))
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", opts.Source, unwrap(err))
		}
		if err := checkExecutable(opts.Source, fi); err != nil {
			return nil, nil, err
		}
	} else {
		fi, err := os.Stat(opts.Source)
		if err != nil {
			if desc != "/" && path.IsAbs(opts.Source) {
				return nil, nil, fmt.Errorf("%s: not found in %s nor on this machine", opts.Source, desc)
			}
			return nil, nil, fmt.Errorf("%s: %w", opts.Source, unwrap(err))
		}
		if err := checkExecutable(opts.Source, fi); err != nil {
			return nil, nil, err
		}
		hostPath = opts.Source
	}
	prog.name = opts.Name
	if prog.name == "" {
		prog.name = path.Base(filepath.ToSlash(opts.Source))
	}
	if prog.installPath, err = installPath(opts, path.Base(filepath.ToSlash(opts.Source))); err != nil {
		return nil, nil, err
	}
	prog.fsys = fsys
	if !prog.inRoot {
		prog.fsys = &overlay{base: fsys, name: rootfs.Rel(prog.installPath), host: hostPath}
		prog.inspectPath = prog.installPath
	}
	pi, err := assemble(ctx, opts, prog, base, baseFS, plat)
	if err != nil {
		return nil, nil, err
	}
	return prog, pi, nil
}

// buildGo builds a Go package for each platform.
func buildGo(ctx context.Context, opts Options, base v1.Image) (*Result, error) {
	plats, err := platforms(opts, base, []v1.Platform{hostPlatform()})
	if err != nil {
		return nil, err
	}
	fsys, baseFS, desc, err := sourceRoot(opts, base)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "diet-build-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	var images []*PlatformImage
	var prog *program
	for i, p := range plats {
		name := goBinaryName(opts.Source, opts.GoDir)
		out := filepath.Join(tmp, fmt.Sprint(i), name)
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return nil, err
		}
		bin, err := gobuild.Build(ctx, gobuild.Options{Package: opts.Source, Dir: opts.GoDir, Platform: p, Cgo: opts.Cgo, Output: out})
		if err != nil {
			return nil, err
		}
		logf(opts, "built %s for %s", opts.Source, p.String())
		prog = &program{kind: "go", name: opts.Name, rootDesc: desc}
		if prog.name == "" {
			prog.name = name
		}
		if prog.installPath, err = installPath(opts, name); err != nil {
			return nil, err
		}
		prog.fsys = &overlay{base: fsys, name: rootfs.Rel(prog.installPath), host: bin}
		prog.inspectPath = prog.installPath
		pi, err := assemble(ctx, opts, prog, base, baseFS, &p)
		if err != nil {
			return nil, err
		}
		images = append(images, pi)
	}
	if len(images) == 1 {
		return single(opts, prog, images[0])
	}
	return multi(opts, prog, images)
}

// goBinaryName is the name go build gives the binary of pkg.
func goBinaryName(pkg, dir string) string {
	p := strings.TrimRight(filepath.ToSlash(pkg), "/")
	if p == "." || p == ".." || p == "" || strings.HasSuffix(p, "/..") {
		d := dir
		if d == "" {
			d = "."
		}
		if abs, err := filepath.Abs(filepath.Join(d, pkg)); err == nil {
			return filepath.Base(abs)
		}
		return "main"
	}
	b := path.Base(p)
	if len(b) >= 2 && b[0] == 'v' && strings.Trim(b[1:], "0123456789") == "" {
		b = path.Base(path.Dir(p))
	}
	return b
}

func single(opts Options, prog *program, pi *PlatformImage) (*Result, error) {
	res := &Result{Source: opts.Source, Kind: prog.kind, Images: []PlatformImage{*pi}}
	res.Artifact = artifact.Artifact{Name: prog.name, Image: pi.Image, Digest: pi.Digest, Size: pi.Size}
	return res, nil
}

func multi(opts Options, prog *program, images []*PlatformImage) (*Result, error) {
	var idx v1.ImageIndex = mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	var adds []mutate.IndexAddendum
	res := &Result{Source: opts.Source, Kind: prog.kind}
	res.Name = prog.name
	for _, pi := range images {
		p := pi.Platform
		adds = append(adds, mutate.IndexAddendum{Add: pi.Image, Descriptor: v1.Descriptor{Platform: &p}})
		res.Images = append(res.Images, *pi)
		res.Size.Add(pi.Size)
	}
	idx = mutate.AppendManifests(idx, adds...)
	if ann := annotations(opts, prog, nil); len(ann) > 0 {
		idx = mutate.Annotations(idx, ann).(v1.ImageIndex)
	}
	d, err := idx.Digest()
	if err != nil {
		return nil, err
	}
	res.Digest, res.Index, res.Image = d, idx, images[0].Image
	return res, nil
}

func unwrap(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
