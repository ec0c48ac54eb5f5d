package build

import (
	"context"
	"fmt"
	"os"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dietimg/diet/internal/elfinfo"
	"github.com/dietimg/diet/internal/rootfs"
	"github.com/dietimg/diet/internal/sbom"
	"github.com/dietimg/diet/internal/srcbuild"
)

// buildSource builds a Rust crate or a C program with this machine's
// toolchain (internal/srcbuild: static when it links, stripped) and makes
// its image as for a prebuilt ELF program: a static program alone, a
// dynamic one with its closure.
func buildSource(ctx context.Context, opts Options, base v1.Image, kind srcbuild.Kind) (*Result, error) {
	host := hostPlatform()
	plats, err := platforms(opts, base, []v1.Platform{host})
	if err != nil {
		return nil, err
	}
	if len(plats) != 1 || plats[0].OS != host.OS || plats[0].Architecture != host.Architecture {
		var names []string
		for _, p := range plats {
			names = append(names, p.String())
		}
		return nil, fmt.Errorf("%w: %s is built with this machine's toolchain, for %s only; --platform asks for %s", ErrPlatform, opts.Source, host.String(), strings.Join(names, ","))
	}
	if opts.Cgo != "" {
		return nil, fmt.Errorf("--cgo is for Go packages; %s is a %s source", opts.Source, kind)
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
	bin, err := srcbuild.Build(ctx, srcbuild.Options{Source: opts.Source, Bin: opts.Bin, Link: opts.Link,
		OutDir: tmp, Epoch: opts.Epoch, Log: opts.Log})
	if err != nil {
		return nil, err
	}
	for _, f := range bin.Fallbacks {
		logf(opts, "did not link: %s", f)
	}
	logf(opts, "built %s: %s, %s", opts.Source, bin.Linkage(), bin.How)
	warnStaticGlibc(opts, bin)
	prog := &program{kind: string(bin.Kind), name: opts.Name, rootDesc: desc}
	if prog.name == "" {
		prog.name = bin.Name
	}
	if prog.installPath, err = installPath(opts, bin.Name); err != nil {
		return nil, err
	}
	prog.fsys = &overlay{base: fsys, name: rootfs.Rel(prog.installPath), host: bin.Path}
	prog.inspectPath = prog.installPath
	pi, err := assemble(ctx, opts, prog, base, baseFS, &plats[0])
	if err != nil {
		return nil, err
	}
	if bin.Package != "" {
		pi.modules = []sbom.Package{{Name: bin.Package, Version: bin.Version, PURL: "pkg:cargo/" + bin.Package + "@" + bin.Version}}
	}
	return single(opts, prog, pi)
}

// warnStaticGlibc says what a program linked statically against glibc
// may miss: glibc looks names up (hosts, users) through NSS modules it
// loads at run time from the shared libraries of its own version, which
// an image without glibc lacks; musl has no such modules.
func warnStaticGlibc(opts Options, bin *srcbuild.Binary) {
	if !bin.Static || bin.Libc != elfinfo.Glibc {
		return
	}
	var ev []string
	for _, n := range bin.Needs {
		if n.Kind == elfinfo.NeedNSS || n.Kind == elfinfo.NeedDNS {
			ev = append(ev, n.Kind+": "+n.Evidence)
		}
	}
	if len(ev) == 0 {
		return
	}
	hint := "musl-gcc (apt-get install musl-tools)"
	if bin.Kind == srcbuild.Rust {
		hint = "the musl target (rustup target add " + muslTarget() + ")"
	}
	logf(opts, "warning: %s is linked statically against glibc and looks names up (%s): glibc may load NSS modules for that at run time, from the shared libraries of the glibc it was linked with; a build with %s needs none", opts.Source, strings.Join(ev, "; "), hint)
}

// muslTarget is Rust's musl target for this machine.
func muslTarget() string {
	switch hostPlatform().Architecture {
	case "arm64":
		return "aarch64-unknown-linux-musl"
	case "386":
		return "i686-unknown-linux-musl"
	}
	return "x86_64-unknown-linux-musl"
}
