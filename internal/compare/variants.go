package compare

import (
	"context"
	"fmt"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/dietimg/diet/internal/build"
	"github.com/dietimg/diet/internal/engine"
	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/layer"
	"github.com/dietimg/diet/internal/probe"
	"github.com/dietimg/diet/internal/report"
	"github.com/dietimg/diet/internal/why"
)

// baseImage is a base read for the program's platform, or why it could
// not be.
type baseImage struct {
	Base
	img v1.Image
	err error
}

// readBase opens a base and checks that it is for the program's
// platform. Its layers are read later, when the variants are measured.
func readBase(ctx context.Context, b Base, plat v1.Platform, insecure bool) baseImage {
	out := baseImage{Base: b}
	img, err := image.Read(ctx, b.Ref, image.Options{Platform: &plat, Insecure: insecure})
	if err != nil {
		out.err = err
		return out
	}
	cf, err := img.ConfigFile()
	if err != nil {
		out.err = fmt.Errorf("reading the config of %s: %w", b.Ref, err)
		return out
	}
	if cf.OS != plat.OS || cf.Architecture != plat.Architecture {
		out.err = fmt.Errorf("base %s is %s/%s, the program is %s", b.Name, cf.OS, cf.Architecture, plat.String())
		return out
	}
	out.img = img
	return out
}

// onBase makes the Dockerfile-like variants: the program's dynamic or
// static form copied onto the base (an empty one for StaticEmpty), with
// the program as the entrypoint:
//
//	FROM base
//	COPY prog /usr/local/bin/prog
//	ENTRYPOINT ["/usr/local/bin/prog"]
func onBase(ctx context.Context, opts Options, ps *programSet, b baseImage, strategy string) (report.Variant, v1.Image) {
	v := report.Variant{Strategy: strategy, Base: b.Name, BaseRef: b.Ref, ShouldRun: true}
	bin, binErr, na := ps.static, ps.staticErr, ps.staticNA
	switch strategy {
	case Dynamic:
		v.Name = "dynamic on " + b.Name
		bin, binErr, na = ps.dynamic, ps.dynamicErr, ps.dynamicNA
	case Static:
		v.Name = "static on " + b.Name
	case StaticEmpty:
		v.Name = "static on empty"
		b.img = emptyBase(ps.platform)
	}
	if binErr != nil {
		v.Error, v.NotApplicable = oneLine(binErr), na
		return v, nil
	}
	if b.err != nil {
		v.Error = oneLine(b.err)
		return v, nil
	}
	img, err := copyOnto(b.img, bin, programPath(ps.name))
	if err != nil {
		v.Error = oneLine(err)
		return v, nil
	}
	t, err := measure(ctx, &v, img, programPath(ps.name), opts.Listings)
	if err != nil {
		v.Error = oneLine(fmt.Errorf("measuring: %w", err))
		return v, nil
	}
	if strategy == Dynamic {
		if _, ok := t.Resolve(ps.interp); !ok {
			v.ShouldRun = false
			v.RunDetail = fmt.Sprintf("base %s has no %s, the loader the copied glibc binary needs", b.Name, ps.interp)
		}
	}
	logf(opts, "%s: %s", v.Name, report.MBString(v.Uncompressed))
	return v, img
}

func emptyBase(p v1.Platform) v1.Image {
	oci := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	img, err := mutate.ConfigFile(oci, &v1.ConfigFile{OS: p.OS, Architecture: p.Architecture, Variant: p.Variant,
		RootFS: v1.RootFS{Type: "layers"}})
	if err != nil {
		return empty.Image // cannot happen: the empty image has no layers to mismatch
	}
	return img
}

// copyOnto appends a layer holding the binary at dst, and makes it the
// entrypoint (which, as in a Dockerfile, clears the base's Cmd).
func copyOnto(base v1.Image, bin, dst string) (v1.Image, error) {
	var l v1.Layer
	l, err := layer.Build([]layer.Entry{{Path: dst, Mode: 0o755, Source: bin}}, layer.Options{})
	if err != nil {
		return nil, fmt.Errorf("making the layer of %s: %w", dst, err)
	}
	// A Docker manifest lists Docker layers: keep the base's kind, as
	// docker build would.
	if mt, err := base.MediaType(); err == nil && mt == types.DockerManifestSchema2 {
		l = dockerLayer{l}
	}
	return image.Append(base, mutate.Addendum{Layer: l, History: v1.History{
		CreatedBy: fmt.Sprintf("COPY %s %s # diet compare", strings.TrimPrefix(dst, "/usr/local/bin/"), dst),
	}}, func(cf *v1.ConfigFile) error {
		cf.Config.Entrypoint = []string{dst}
		cf.Config.Cmd = nil
		return nil
	})
}

// dockerLayer is a gzip layer under Docker's media type.
type dockerLayer struct{ v1.Layer }

func (dockerLayer) MediaType() (types.MediaType, error) { return types.DockerLayer, nil }

// dietVariant is what diet build makes by default.
func dietVariant(ctx context.Context, opts Options, ps *programSet) (report.Variant, v1.Image) {
	v := report.Variant{Name: "diet", Strategy: Diet, ShouldRun: true, Highlight: true}
	res, err := build.Build(ctx, build.Options{
		Source:    opts.Source,
		Platforms: []v1.Platform{ps.platform},
		Cgo:       opts.Cgo,
		GoDir:     opts.GoDir,
		Bin:       opts.Bin,
		NoSBOM:    true,
	})
	if err != nil {
		v.Error = oneLine(fmt.Errorf("diet build: %w", err))
		return v, nil
	}
	program := programPath(ps.name)
	if len(res.Images) > 0 {
		for _, f := range res.Images[0].Files {
			if f.Reason.Kind == why.Program {
				program = f.Path
				break
			}
		}
	}
	if _, err := measure(ctx, &v, res.Image, program, opts.Listings); err != nil {
		v.Error = oneLine(fmt.Errorf("measuring: %w", err))
		return v, nil
	}
	logf(opts, "%s: %s", v.Name, report.MBString(v.Uncompressed))
	return v, res.Image
}

// smokeRuntime is the runtime the smoke tests run in, or says why none
// can run here; nil, nil when there are none to run.
func smokeRuntime(ctx context.Context, opts Options, plat v1.Platform) (engine.Engine, error) {
	if len(opts.Smoke) == 0 {
		return nil, nil
	}
	if plat.OS != "linux" || plat.Architecture != hostArch() {
		return nil, fmt.Errorf("%s images cannot run on this linux/%s machine", plat.String(), hostArch())
	}
	if opts.Engine != nil {
		return opts.Engine, nil
	}
	e, err := engine.New(ctx, engine.Auto)
	if err != nil {
		return nil, fmt.Errorf("no container runtime: %w", err)
	}
	return e, nil
}

// smokeVariant runs the smoke tests on one variant and records how they
// went: in e, or skipped for rtErr when there is no runtime.
func smokeVariant(ctx context.Context, opts Options, e engine.Engine, rtErr error, v *report.Variant, img v1.Image) {
	if v.Failed() {
		return
	}
	expected := v.RunDetail // why it is not expected to run, if it is not
	if len(opts.Smoke) == 0 {
		v.Run = report.RunSkipped
		if expected == "" {
			v.RunDetail = "no smoke test given"
		}
		return
	}
	if rtErr != nil {
		v.Run, v.RunDetail = report.RunSkipped, oneLine(rtErr)
		return
	}
	for _, s := range opts.Smoke {
		if _, err := probe.Smoke(ctx, e, img, s, opts.SmokeTimeout, ""); err != nil {
			v.Run = report.RunFailed
			v.RunDetail = oneLine(err)
			if expected != "" {
				v.RunDetail = expected + ": " + v.RunDetail
			}
			logf(opts, "%s: smoke test failed: %v", v.Name, v.RunDetail)
			return
		}
	}
	v.Run = report.RunOK
	logf(opts, "%s: smoke test ok", v.Name)
}
