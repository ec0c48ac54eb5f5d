// Package compare packages one program in each of the usual ways and
// measures the results side by side: the program built (or taken) as a
// glibc dynamic binary and copied onto each base image, as a Dockerfile's
// COPY would; a static build copied onto each base; the static build alone
// on an empty base; and what diet build makes. A variant that cannot be
// made is reported with its reason; the others are still measured.
package compare

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dietimg/diet/internal/analyze"
	"github.com/dietimg/diet/internal/artifact"
	"github.com/dietimg/diet/internal/build"
	"github.com/dietimg/diet/internal/engine"
	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/progress"
	"github.com/dietimg/diet/internal/publish"
	"github.com/dietimg/diet/internal/report"
)

// Strategies, as report.Variant.Strategy names them.
const (
	Dynamic     = "dynamic"
	Static      = "static"
	StaticEmpty = "static-empty"
	Diet        = "diet"
)

// Base is a named base image.
type Base struct {
	Name string
	Ref  string
}

// Options says what to compare.
type Options struct {
	// Source is a Go package ("./cmd/x"), a Rust crate (a directory
	// holding Cargo.toml), C sources (a .c file, a directory of them or
	// with a Makefile) or the path of an ELF executable.
	Source string
	// Bin is the binary of a Rust crate with several (cargo build --bin).
	Bin string
	// Bases are the images the dynamic and static builds are copied onto.
	Bases []Base
	// Platform is "os/arch[/variant]"; "" means the program's own machine
	// for an ELF file, this machine's for a Go package.
	Platform string
	// Cgo is "" (CGO_ENABLED=0) or "musl", for the static builds of a Go
	// package and for diet's.
	Cgo string
	// GoDir is the working directory of go build ("" means ".").
	GoDir string
	// Smoke are the runs every variant must pass, as diet build --smoke.
	Smoke []build.Smoke
	// Engine runs the smoke tests; nil: the first runtime that works
	// here (engine.New "auto").
	Engine engine.Engine
	// SmokeTimeout bounds each run; 0 means one minute.
	SmokeTimeout time.Duration
	// Insecure allows plain HTTP to registries holding bases.
	Insecure bool
	// Keep, when set, is a directory where each variant is written as a
	// docker-archive, NAME.tar tagged diet-compare/NAME:latest, ready for
	// docker load.
	Keep string
	// Listings keeps each variant's file list (for the HTML page).
	Listings bool
	// Log is told a line per step; nil for none.
	Log *progress.Log
}

// Result is the comparison, with the images behind it.
type Result struct {
	*report.Comparison
	// Images are the variants' images, in the order of Variants; nil
	// for a variant that could not be made.
	Images []v1.Image
}

// OK reports whether every variant that applies was made and every
// variant expected to run did run.
func (r *Result) OK() bool { return len(r.Failed()) == 0 }

// Failed names the variants that are failures, in the order of Variants:
// each could not be made though it applies, or did not run though it
// should have (report.Variant.Problem). None when the comparison is OK.
func (r *Result) Failed() []string {
	var bad []string
	for _, v := range r.Variants {
		if v.Problem() {
			bad = append(bad, v.Name)
		}
	}
	return bad
}

// Compare makes and measures every variant. Its error is for problems
// with the request itself (no source, a source that is neither a Go
// package nor an ELF file); problems of one variant go into its row.
func Compare(ctx context.Context, opts Options) (*Result, error) {
	if opts.Source == "" {
		return nil, errors.New("no program given")
	}
	if opts.SmokeTimeout == 0 {
		opts.SmokeTimeout = time.Minute
	}
	seen := map[string]bool{}
	for _, b := range opts.Bases {
		if b.Name == "" || b.Ref == "" {
			return nil, fmt.Errorf("base %q: want NAME=IMAGE", b.Name+"="+b.Ref)
		}
		if seen[b.Name] {
			return nil, fmt.Errorf("base name %q given twice", b.Name)
		}
		if b.Name == "empty" {
			return nil, errors.New(`base name "empty" names the static-on-empty variant already; choose another`)
		}
		seen[b.Name] = true
	}
	shown := opts.Source
	opts.Source = sourceIn(opts.Source, opts.GoDir)
	tmp, err := os.MkdirTemp("", "diet-compare-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	progs, err := programs(ctx, opts, tmp)
	if err != nil {
		return nil, err
	}
	logf(opts, "program %s for %s: dynamic %s, static %s", progs.name, progs.platform, status(progs.dynamicErr), status(progs.staticErr))

	res := &Result{Comparison: &report.Comparison{
		Source:    shown,
		Platform:  progs.platform.String(),
		Smoke:     smokeText(opts.Smoke),
		Published: report.Published,
	}}
	add := func(v report.Variant, img v1.Image) {
		res.Variants = append(res.Variants, v)
		res.Images = append(res.Images, img)
	}

	bases := make([]baseImage, len(opts.Bases))
	for i, b := range opts.Bases {
		bases[i] = readBase(ctx, b, progs.platform, opts.Insecure)
	}
	for _, b := range bases {
		v, img := onBase(ctx, opts, progs, b, Dynamic)
		add(v, img)
	}
	for _, b := range bases {
		v, img := onBase(ctx, opts, progs, b, Static)
		add(v, img)
	}
	v, img := onBase(ctx, opts, progs, baseImage{}, StaticEmpty)
	add(v, img)
	v, img = dietVariant(ctx, opts, progs)
	add(v, img)

	eng, rt := smokeRuntime(ctx, opts, progs.platform)
	for i := range res.Variants {
		smokeVariant(ctx, opts, eng, rt, &res.Variants[i], res.Images[i])
	}
	if err := ctx.Err(); err != nil {
		return nil, err // interrupted: the rows would only say so
	}
	if opts.Keep != "" {
		if err := keep(ctx, opts.Keep, res); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func status(err error) string {
	if err != nil {
		return "unavailable"
	}
	return "ok"
}

func logf(opts Options, format string, args ...any) {
	opts.Log.Prefix("compare: ").Printf(format, args...)
}

// programPath is where the Dockerfile-like variants put the program, as
// diet build does by default.
func programPath(name string) string { return path.Join("/usr/local/bin", name) }

// measure fills v's sizes from img, and returns its file tree.
func measure(ctx context.Context, v *report.Variant, img v1.Image, program string, keep bool) (*analyze.Tree, error) {
	a, err := analyze.Image(ctx, v.Name, img, analyze.Options{Top: 1, KeepFiles: true})
	if err != nil {
		return nil, err
	}
	v.Uncompressed, v.Compressed = a.Uncompressed, a.Compressed
	v.Layers, v.Files = len(a.Layers), a.FileCount
	t := analyze.NewTree(a.Files)
	if p, ok := t.Resolve(program); ok {
		if f, ok := t.Lookup(p); ok {
			v.ProgramBytes = f.Size
		}
	}
	if v.Uncompressed > 0 {
		v.ProgramShare = float64(v.ProgramBytes) / float64(v.Uncompressed)
	}
	if keep {
		v.Listing = a.Files
	}
	return t, nil
}

// smokeText shows the smoke tests as diet build --smoke takes them.
func smokeText(ss []build.Smoke) string {
	var parts []string
	for _, s := range ss {
		if len(s.Args) == 0 {
			parts = append(parts, "(the image's command)")
			continue
		}
		parts = append(parts, strings.Join(s.Args, " "))
	}
	return strings.Join(parts, "; ")
}

// keep writes every variant that was made into dir as a docker-archive.
func keep(ctx context.Context, dir string, res *Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i := range res.Variants {
		v := &res.Variants[i]
		if res.Images[i] == nil {
			continue
		}
		slug := Slug(v.Name)
		dest := "docker-archive:" + filepath.Join(dir, slug+".tar")
		a := artifact.Artifact{Image: res.Images[i]}
		if _, err := publish.Write(ctx, dest, a, nil, publish.Options{Image: image.Options{Tag: "diet-compare/" + slug + ":latest"}}); err != nil {
			return fmt.Errorf("keeping %s: %w", v.Name, err)
		}
		v.Image = dest
	}
	return nil
}

// Slug turns a variant's name into a file and image name
// ("static on busybox" → "static-on-busybox").
func Slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '.' || r == '_' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
			continue
		}
		dash = true
	}
	if b.Len() == 0 {
		return "variant"
	}
	return b.String()
}

// sourceIn makes a local package path relative to dir absolute, so that
// it names the same package whatever the working directory.
func sourceIn(src, dir string) string {
	if dir == "" || filepath.IsAbs(src) {
		return src
	}
	if src == "." || src == ".." || strings.HasPrefix(src, "./") || strings.HasPrefix(src, "../") {
		if abs, err := filepath.Abs(filepath.Join(dir, src)); err == nil {
			return abs
		}
	}
	return src
}

func hostArch() string { return runtime.GOARCH }

func oneLine(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }
