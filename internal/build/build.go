// Package build makes the smallest image that runs a program: a prebuilt
// ELF executable with its loader closure, a Go package built statically,
// a Rust crate or C program built statically with its own toolchain, or
// a #! script with its interpreter. Only the program, what its loader
// needs, and the system files the inspection found evidence for go in;
// the image is reproducible, comes with an SPDX SBOM and a report of why
// each file is there, and can be proved to run before it is written.
package build

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dietimg/diet/internal/artifact"
	"github.com/dietimg/diet/internal/closure"
	"github.com/dietimg/diet/internal/dpkg"
	"github.com/dietimg/diet/internal/engine"
	"github.com/dietimg/diet/internal/gobuild"
	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/probe"
	"github.com/dietimg/diet/internal/progress"
	"github.com/dietimg/diet/internal/sbom"
	"github.com/dietimg/diet/internal/srcbuild"
	"github.com/dietimg/diet/internal/sysfiles"
)

// Smoke is one run of the built image that must succeed.
type Smoke = probe.SmokeSpec

// Options says what to build and how. The zero value of each field is the
// default of `diet build`.
type Options struct {
	// Source is the program: a path to an ELF executable or a #! script,
	// a Go package ("./cmd/x", an import path), a Rust crate (a
	// directory holding Cargo.toml) or C sources (a .c file, a directory
	// of them or with a Makefile).
	Source string
	// Root is the root file system the closure is resolved in, and system
	// files are taken from; "" means / (or the base image, with Base).
	Root string
	// Roots are root file systems by architecture (GOARCH: "amd64",
	// "arm64"), one per platform of a prebuilt program: with several
	// Platforms, the image of each is made from its architecture's root,
	// and an image index holds them.
	Roots map[string]string
	// Base is the image to build on (any transport); BaseImage, when set,
	// is used instead. Files the base already has are not added again.
	Base      string
	BaseImage v1.Image
	// Path is the program's path in the image; "" means
	// /usr/local/bin/NAME.
	Path string
	// Name names the image in the SBOM and report; "" means the
	// program's file name.
	Name string
	// Platforms are the platforms to build for. More than one gives
	// an image index (for a prebuilt program, from one root per
	// architecture: Roots). Empty means the program's own machine for ELF
	// files, this machine's for Go packages.
	Platforms []v1.Platform
	// Cgo is "" (CGO_ENABLED=0) or "musl" for Go packages.
	Cgo string
	// Bin is the binary to build of a Rust crate with several (cargo
	// build --bin).
	Bin string
	// Link is how a Rust crate or C source is linked: srcbuild.Auto
	// (static when that links, else dynamic), srcbuild.Static or
	// srcbuild.Dynamic.
	Link srcbuild.Link
	// GoDir is the working directory of go build ("" means ".").
	GoDir string
	// LDLibraryPath is the LD_LIBRARY_PATH the program runs with.
	LDLibraryPath []string
	// AllowMissing builds even when libraries are not found.
	AllowMissing bool

	Sysfiles sysfiles.Options

	// Entrypoint and Cmd, when not nil, replace the defaults (the
	// program; the base image's Cmd).
	Entrypoint, Cmd []string
	Env             []string // KEY=VALUE, added to (and overriding) the defaults
	Workdir, User   string
	Labels          map[string]string
	Ports           []string // "8080", "53/udp"
	Annotations     map[string]string
	// Add are SRC:DST pairs of host files or directories to add.
	Add []string

	Compression string    // "gzip" (default) or "zstd"
	Epoch       time.Time // file and image times; zero means the Unix epoch

	// Smoke runs must succeed before anything is written.
	Smoke        []Smoke
	Engine       engine.Engine // runs them; nil: the first runtime that works here (engine.New "auto")
	SmokeTimeout time.Duration // per run; 0 means one minute

	// Insecure reads Base from a registry over plain HTTP.
	Insecure bool
	// NoSBOM makes no SBOM.
	NoSBOM bool
	// Log is told one line per step ("built ./cmd/x", "smoke ok") and
	// shows the progress of long compressions, writes and pushes; nil
	// for none.
	Log *progress.Log
}

// SmokeResult is how one smoke run went.
type SmokeResult struct {
	Args     []string `json:"args"`
	Runtime  string   `json:"runtime"`
	ExitCode int      `json:"exit_code"`
	Seconds  float64  `json:"seconds"`
	Stdout   string   `json:"stdout"`
	Stderr   string   `json:"stderr,omitempty"`
}

// PlatformImage is the image built for one platform: its Files are
// every path of the image with why it is there, its Size counts Files too
// (the regular files' sizes).
type PlatformImage struct {
	Platform v1.Platform `json:"platform"`
	artifact.Artifact
	Smoke []SmokeResult `json:"smoke,omitempty"`
	// packages are the Debian packages files came from, by name.
	packages map[string]*dpkg.Package
	// modules are what the program was built from, for the SBOM: the Go
	// modules built into it, or the Rust crate.
	modules []sbom.Package
}

// Result is what Build made: the artifact (the image, or with several
// platforms the image index; its SBOM; its size, summed over the
// platforms) and the image of each platform, with its files.
type Result struct {
	artifact.Artifact
	Source string          `json:"source"`
	Kind   string          `json:"kind"` // elf, script, go, rust, c, make
	Images []PlatformImage `json:"images"`
}

// Errors callers branch on.
var (
	ErrMissing = closure.ErrMissing // a *closure.MissingError says which

	ErrPlatform = errors.New("wrong platform")
	ErrSmoke    = errors.New("smoke test failed")
)

// Build makes the image and runs the smoke tests. It writes nothing: the
// Result is the artifact (the image or index, each platform's files with
// their reasons, the sizes, and its SBOM unless NoSBOM), which
// publish.Write publishes.
func Build(ctx context.Context, opts Options) (*Result, error) {
	if opts.Source == "" {
		return nil, errors.New("no program given")
	}
	opts = opts.withDefaults()
	if err := checkAdd(opts.Add); err != nil {
		return nil, err
	}
	base, err := loadBase(ctx, opts)
	if err != nil {
		return nil, err
	}
	var res *Result
	kind := srcbuild.Detect(opts.Source)
	if kind == "" && (opts.Bin != "" || opts.Link != srcbuild.Auto) {
		return nil, fmt.Errorf("%s: --bin and --static are for Rust crates and C sources (a directory holding Cargo.toml, a .c file)", opts.Source)
	}
	switch {
	case kind != "":
		res, err = buildSource(ctx, opts, base, kind)
	case isGoPackage(opts.Source, opts.GoDir):
		res, err = buildGo(ctx, opts, base)
	default:
		res, err = buildFile(ctx, opts, base)
	}
	if err != nil {
		return nil, err
	}
	res.Created = opts.Epoch
	if !opts.NoSBOM {
		if res.SBOM, err = makeSBOM(res, opts.Epoch); err != nil {
			return nil, err
		}
	}
	if err := smoke(ctx, opts, res); err != nil {
		return res, err
	}
	return res, nil
}

// isGoPackage tells a Go package from a file: an existing file is never a
// package, a directory holding .go files always is (go build says what is
// wrong with it, and asking go list first costs a few hundred
// milliseconds); anything else is asked to go list.
func isGoPackage(src, dir string) bool {
	p := src
	if dir != "" && !filepath.IsAbs(p) {
		p = filepath.Join(dir, p)
	}
	if fi, err := os.Stat(p); err == nil {
		if !fi.IsDir() {
			return false
		}
		if m, _ := filepath.Glob(filepath.Join(p, "*.go")); len(m) > 0 {
			return true
		}
	}
	if dir != "" {
		// go list runs in the current directory: with another one, take
		// anything that is not a file for a package.
		_, err := os.Stat(p)
		return err != nil && !strings.HasPrefix(src, "/") && !strings.HasPrefix(src, ".")
	}
	return gobuild.IsPackage(src)
}

func loadBase(ctx context.Context, opts Options) (v1.Image, error) {
	if opts.BaseImage != nil {
		return opts.BaseImage, nil
	}
	if opts.Base == "" {
		return nil, nil
	}
	var plat *v1.Platform
	if len(opts.Platforms) == 1 {
		plat = &opts.Platforms[0]
	}
	return image.Read(ctx, opts.Base, image.Options{Insecure: opts.Insecure, Platform: plat})
}

func hostPlatform() v1.Platform {
	return v1.Platform{OS: "linux", Architecture: runtime.GOARCH}
}

func logf(opts Options, format string, args ...any) {
	opts.Log.Printf(format, args...)
}

// withDefaults fills in the epoch (the Unix epoch, in UTC) and the smoke
// timeout (one minute).
func (o Options) withDefaults() Options {
	if o.Epoch.IsZero() {
		o.Epoch = time.Unix(0, 0)
	}
	o.Epoch = o.Epoch.UTC()
	if o.SmokeTimeout == 0 {
		o.SmokeTimeout = time.Minute
	}
	return o
}
