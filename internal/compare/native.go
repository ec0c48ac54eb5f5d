package compare

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dietimg/diet/internal/elfinfo"
	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/srcbuild"
)

// nativePrograms builds a Rust crate or C program twice with this
// machine's toolchain, as the Dockerfiles of the recipe do: statically
// (musl, else glibc with crt-static; the binary diet build puts in its
// image) and dynamically against glibc (what a plain cargo build or cc
// on a distribution makes). Both are stripped.
func nativePrograms(ctx context.Context, opts Options, tmp string) (*programSet, error) {
	host := v1.Platform{OS: "linux", Architecture: hostArch()}
	if opts.Platform != "" {
		p, err := image.ParsePlatform(opts.Platform)
		if err != nil {
			return nil, err
		}
		if p.OS != host.OS || p.Architecture != host.Architecture {
			return nil, fmt.Errorf("%s is built with this machine's toolchain, for %s only; --platform asks for %s", opts.Source, host.String(), p.String())
		}
	}
	ps := &programSet{platform: host}
	build := func(link srcbuild.Link, sub string) (*srcbuild.Binary, error) {
		dir := filepath.Join(tmp, sub)
		if err := os.Mkdir(dir, 0o755); err != nil {
			return nil, err
		}
		logf(opts, "building %s %s", opts.Source, sub)
		return srcbuild.Build(ctx, srcbuild.Options{Source: opts.Source, Bin: opts.Bin, Link: link, OutDir: dir})
	}
	st, err := build(srcbuild.Static, "static")
	if err != nil {
		ps.staticErr = fmt.Errorf("static build: %w", err)
	} else {
		ps.static, ps.name = st.Path, st.Name
	}
	dyn, err := build(srcbuild.Dynamic, "dynamic")
	if err != nil {
		ps.dynamicErr = fmt.Errorf("dynamic build: %w", err)
	} else {
		ps.dynamic, ps.name = dyn.Path, dyn.Name
		f, err := openELF(dyn.Path)
		switch {
		case err != nil:
			ps.dynamicErr = err
		case f.Libc != elfinfo.Glibc || f.Interpreter == "":
			ps.dynamicErr = fmt.Errorf("dynamic build: %s made a %s %s binary, not a glibc dynamic one", dyn.How, f.Linkage, f.Libc)
		default:
			ps.interp = f.Interpreter
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if ps.name == "" {
		// Neither built: the source itself is wrong (it does not
		// compile); that is the request's error, not a row's.
		return nil, err
	}
	return ps, nil
}
