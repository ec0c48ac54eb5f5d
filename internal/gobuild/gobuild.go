// Package gobuild builds Go packages into static, reproducible Linux
// binaries: pure Go with CGO_ENABLED=0, or cgo linked statically against
// musl. The recipe is the one ko uses, plus stripping.
package gobuild

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/dietimg/diet/internal/image"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Options says what to build and how.
type Options struct {
	// Package is the package to build: "./cmd/x", ".", or an import path.
	Package string
	// Dir is the working directory of go build; "" means ".".
	Dir string
	// Platform is the platform to build for; the zero value means
	// linux/amd64.
	Platform v1.Platform
	// Cgo is "" for CGO_ENABLED=0, or "musl" to link cgo statically
	// against musl with musl-gcc.
	Cgo string
	// Output is the path of the binary to write; "" means a new file in a
	// temporary directory, which the caller removes.
	Output string
	// Env is added to go build's environment, after diet's own settings,
	// so it can override them (GOFLAGS, GOPROXY, GOAMD64...).
	Env []string
	// Tags are build tags.
	Tags []string
	// Go is the go command; "" means "go" from PATH.
	Go string
}

// ErrCgoPlatform is returned when a cgo build is asked for a platform no
// installed musl C compiler targets.
var ErrCgoPlatform = errors.New("gobuild: no musl C compiler for the platform")

// muslTriples are the targets of musl cross compilers (musl-cross-make,
// musl.cc) per GOARCH, named TRIPLE-gcc.
var muslTriples = map[string]string{
	"amd64":   "x86_64-linux-musl",
	"386":     "i686-linux-musl",
	"arm64":   "aarch64-linux-musl",
	"arm":     "arm-linux-musleabihf",
	"ppc64le": "powerpc64le-linux-musl",
	"s390x":   "s390x-linux-musl",
	"riscv64": "riscv64-linux-musl",
}

// muslCC finds the C compiler that builds against musl for p: Debian's
// musl-gcc for amd64 (musl-tools), else the cross compiler TRIPLE-gcc
// on PATH.
func muslCC(p v1.Platform) (string, error) {
	triple := muslTriples[p.Architecture]
	if p.Architecture == "arm" && p.Variant == "v5" {
		triple = "arm-linux-musleabi"
	}
	if p.OS != "linux" || triple == "" {
		return "", fmt.Errorf("%w: musl does not target %s", ErrCgoPlatform, p)
	}
	if p.Architecture == "amd64" {
		if cc, err := exec.LookPath("musl-gcc"); err == nil {
			return cc, nil
		}
	}
	if cc, err := exec.LookPath(triple + "-gcc"); err == nil {
		return cc, nil
	}
	if p.Architecture == "amd64" {
		return "", errors.New("gobuild: cgo with musl needs musl-gcc (apt-get install musl-tools)")
	}
	return "", fmt.Errorf("%w: cgo with musl for %s needs the cross compiler %s-gcc on PATH (musl-cross-make or musl.cc; Debian's musl-tools targets x86_64 only)", ErrCgoPlatform, p, triple)
}

// ldflags strip the symbol table and DWARF, and empty the build ID so that
// two builds of the same source give the same bytes.
const ldflags = "-s -w -buildid="

// Build builds opts.Package statically for opts.Platform and returns the
// path of the binary it wrote. Build errors carry go build's output.
func Build(ctx context.Context, opts Options) (string, error) {
	if opts.Package == "" {
		return "", errors.New("gobuild: no package given")
	}
	p := opts.Platform
	if p.OS == "" && p.Architecture == "" {
		p = v1.Platform{OS: "linux", Architecture: "amd64"}
	}
	if err := image.CheckPlatform(p); err != nil {
		return "", fmt.Errorf("gobuild: %w", err)
	}
	env, flags, err := buildEnv(p, opts.Cgo)
	if err != nil {
		return "", err
	}
	dir, pkg, name := where(opts)
	out, err := outputPath(opts.Output, name)
	if err != nil {
		return "", err
	}
	// Write next to the destination and rename, so that a failed build
	// never leaves a half-written binary behind.
	tmpOut := filepath.Join(filepath.Dir(out), "."+filepath.Base(out)+".tmp"+fmt.Sprint(time.Now().UnixNano()))
	args := []string{"build", "-trimpath", "-ldflags", flags, "-o", tmpOut}
	if len(opts.Tags) > 0 {
		args = append(args, "-tags", strings.Join(opts.Tags, ","))
	}
	args = append(args, "--", pkg)
	gocmd := opts.Go
	if gocmd == "" {
		gocmd = "go"
	}
	run := func(args []string) (string, error) {
		cmd := exec.CommandContext(ctx, gocmd, args...)
		cmd.Dir = dir
		cmd.Env = append(append(os.Environ(), env...), opts.Env...)
		var stderr bytes.Buffer
		cmd.Stdout = &stderr
		cmd.Stderr = &stderr
		err := cmd.Run()
		return strings.TrimSpace(stderr.String()), err
	}
	msg, err := run(args)
	if err != nil && strings.Contains(msg, "error obtaining VCS status") {
		// The source is in a repository git refuses to read (another
		// owner, no git): build without the VCS stamp rather than not at all.
		msg, err = run(append([]string{"build", "-buildvcs=false"}, args[1:]...))
	}
	if err != nil {
		os.Remove(tmpOut)
		if msg == "" {
			return "", fmt.Errorf("go build %s for %s: %w", opts.Package, p, err)
		}
		return "", fmt.Errorf("go build %s for %s: %w:\n%s", opts.Package, p, err, msg)
	}
	if err := os.Rename(tmpOut, out); err != nil {
		os.Remove(tmpOut)
		return "", fmt.Errorf("gobuild: %w", err)
	}
	return out, nil
}

// where returns the directory go build runs in, the package it builds
// there, and the binary's name. A local directory is built from inside
// it, so that go finds the module it belongs to, whichever that is.
func where(opts Options) (dir, pkg, name string) {
	dir = opts.Dir
	if dir == "" {
		dir = "."
	}
	pkg, name = opts.Package, binaryName(opts.Package)
	if isLocal(pkg) {
		d := pkg
		if !filepath.IsAbs(d) {
			d = filepath.Join(dir, d)
		}
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			if abs, err := filepath.Abs(d); err == nil {
				dir, pkg, name = abs, ".", binaryName(abs)
			}
		}
	}
	return dir, pkg, name
}

// outputPath is the absolute path of the binary (out, or name in a new
// temporary directory), whose directory exists.
func outputPath(out, name string) (string, error) {
	if out == "" {
		tmp, err := os.MkdirTemp("", "diet-gobuild-")
		if err != nil {
			return "", fmt.Errorf("gobuild: %w", err)
		}
		out = filepath.Join(tmp, name)
	}
	// go build -o is relative to its working directory, ours is not.
	abs, err := filepath.Abs(out)
	if err != nil {
		return "", fmt.Errorf("gobuild: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return "", fmt.Errorf("gobuild: %w", err)
	}
	return abs, nil
}

// buildEnv returns the environment and -ldflags of a static build.
func buildEnv(p v1.Platform, cgo string) (env []string, flags string, err error) {
	env = []string{"GOOS=" + p.OS, "GOARCH=" + p.Architecture}
	switch p.Architecture {
	case "arm":
		if v := strings.TrimPrefix(p.Variant, "v"); v != "" {
			env = append(env, "GOARM="+v)
		}
	case "amd64":
		if p.Variant != "" {
			env = append(env, "GOAMD64="+p.Variant)
		}
	case "arm64":
		if strings.Contains(p.Variant, ".") {
			env = append(env, "GOARM64="+p.Variant)
		}
	}
	switch cgo {
	case "", "none", "off":
		return append(env, "CGO_ENABLED=0"), ldflags, nil
	case "musl":
		cc, err := muslCC(p)
		if err != nil {
			return nil, "", err
		}
		return append(env, "CGO_ENABLED=1", "CC="+cc),
			ldflags + " -linkmode external -extldflags -static", nil
	default:
		return nil, "", fmt.Errorf("gobuild: unknown cgo mode %q (want \"\" or \"musl\")", cgo)
	}
}

// binaryName is the name go build would give the binary of pkg.
func binaryName(pkg string) string {
	p := filepath.ToSlash(pkg)
	if isLocal(pkg) {
		if abs, err := filepath.Abs(pkg); err == nil {
			p = filepath.ToSlash(abs)
		}
	}
	p = strings.TrimRight(p, "/")
	base := path.Base(p)
	// Major-version suffixes name the module, not the command: example.com/x/v2.
	if len(base) >= 2 && base[0] == 'v' && strings.Trim(base[1:], "0123456789") == "" {
		base = path.Base(path.Dir(p))
	}
	if base == "." || base == "/" || base == ".." || base == "" {
		return "main"
	}
	return base
}

// isLocal reports whether pkg is a file system path rather than an import
// path, as go build tells them apart.
func isLocal(pkg string) bool {
	return pkg == "." || pkg == ".." || strings.HasPrefix(pkg, "./") || strings.HasPrefix(pkg, "../") || filepath.IsAbs(pkg)
}

// IsPackage reports whether arg names a Go package rather than a file: a
// local directory path ("./x", "../x", ".") or an import path that go list
// resolves from the current directory. An existing regular file is never a
// package.
func IsPackage(arg string) bool {
	if arg == "" || strings.HasPrefix(arg, "-") || strings.Contains(arg, "@") {
		return false
	}
	if fi, err := os.Stat(arg); err == nil && fi.Mode().IsRegular() {
		return false
	}
	dir := ""
	if isLocal(arg) {
		fi, err := os.Stat(arg)
		if err != nil || !fi.IsDir() {
			return false
		}
		// Asked from inside the directory, so that any module will do.
		dir, arg = arg, "."
	} else if strings.Contains(arg, ":") {
		// Image transports (oci:DIR, docker://REF) are never import paths.
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "list", "-find", "-f", "{{.Name}}", "--", arg)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return false
	}
	name := strings.TrimSpace(string(out))
	return name != "" && !strings.Contains(name, "\n")
}
