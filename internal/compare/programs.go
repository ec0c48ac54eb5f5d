package compare

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

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dietimg/diet/internal/elfinfo"
	"github.com/dietimg/diet/internal/gobuild"
	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/srcbuild"
)

// programSet is the program in the two forms the Dockerfile-like
// strategies copy: a glibc dynamic binary and a static one. Either may be
// missing, with the reason.
type programSet struct {
	name       string
	platform   v1.Platform
	isGo       bool
	dynamic    string // path of the dynamic binary
	interp     string // its PT_INTERP
	dynamicErr error
	static     string
	staticErr  error
	// dynamicNA and staticNA mark a missing form that does not apply to
	// the source (a prebuilt binary is one or the other).
	dynamicNA, staticNA bool
}

// programs builds, or takes, the dynamic and static forms of the program.
func programs(ctx context.Context, opts Options, tmp string) (*programSet, error) {
	if srcbuild.Detect(opts.Source) != "" {
		return nativePrograms(ctx, opts, tmp)
	}
	if isPackage(opts.Source) {
		return goPrograms(ctx, opts, tmp)
	}
	return elfPrograms(opts)
}

func goPrograms(ctx context.Context, opts Options, tmp string) (*programSet, error) {
	ps := &programSet{isGo: true, name: goBinaryName(opts.Source, opts.GoDir)}
	plat := opts.Platform
	if plat == "" {
		plat = "linux/" + hostArch()
	}
	p, err := image.ParsePlatform(plat)
	if err != nil {
		return nil, err
	}
	ps.platform = p
	for _, d := range []string{"static", "dynamic"} {
		if err := os.Mkdir(filepath.Join(tmp, d), 0o755); err != nil {
			return nil, err
		}
	}
	ps.static, ps.staticErr = gobuild.Build(ctx, gobuild.Options{
		Package:  opts.Source,
		Dir:      opts.GoDir,
		Platform: ps.platform,
		Cgo:      opts.Cgo,
		Output:   filepath.Join(tmp, "static", ps.name),
	})
	switch {
	case ps.staticErr != nil && opts.Cgo == "" && strings.Contains(ps.staticErr.Error(), "build constraints exclude all Go files"):
		ps.staticErr = fmt.Errorf("static build: the package needs cgo, which CGO_ENABLED=0 leaves out (--cgo musl links it statically against musl): %w", ps.staticErr)
	case ps.staticErr != nil:
		ps.staticErr = fmt.Errorf("static build: %w", ps.staticErr)
	}
	ps.dynamic, ps.dynamicErr = goDynamic(ctx, opts, ps.platform, filepath.Join(tmp, "dynamic", ps.name))
	if ps.dynamicErr == nil {
		f, err := openELF(ps.dynamic)
		switch {
		case err != nil:
			ps.dynamicErr = err
		case f.Libc != elfinfo.Glibc || f.Interpreter == "":
			ps.dynamicErr = fmt.Errorf("dynamic build: go build made a %s %s binary, not a glibc dynamic one", f.Linkage, f.Libc)
		default:
			ps.interp = f.Interpreter
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return ps, nil
}

// isPackage tells a Go package from a file: a directory holding .go
// files (whatever module it is in), or an import path go list finds.
func isPackage(src string) bool {
	if fi, err := os.Stat(src); err == nil {
		if !fi.IsDir() {
			return false
		}
		m, _ := filepath.Glob(filepath.Join(src, "*.go"))
		if len(m) > 0 {
			return true
		}
	}
	return gobuild.IsPackage(src)
}

// dynamicLDFlags make go build link with the system's C linker against
// glibc even for a pure Go program (which CGO_ENABLED=1 alone leaves
// static unless it imports net, os/user or cgo): what a Dockerfile on a
// glibc distribution gets from a cgo build. -s -w strips, as the static
// builds do, so that the sizes compare like with like.
const dynamicLDFlags = "-s -w -buildid= -linkmode=external"

// goDynamic builds the package as a glibc dynamic binary with the host's
// gcc. Only this machine's architecture can be built so.
func goDynamic(ctx context.Context, opts Options, p v1.Platform, out string) (string, error) {
	if p.OS != "linux" || p.Architecture != hostArch() {
		return "", fmt.Errorf("dynamic build: a glibc build uses this machine's C toolchain, which targets linux/%s, not %s", hostArch(), p.String())
	}
	if _, err := exec.LookPath("gcc"); err != nil {
		return "", errors.New("dynamic build: needs gcc and libc6-dev (apt-get install gcc libc6-dev)")
	}
	abs, err := filepath.Abs(out)
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", dynamicLDFlags, "-o", abs, "--", opts.Source)
	cmd.Dir = opts.GoDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1", "GOOS=linux", "GOARCH="+p.Architecture, "CC=gcc")
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("dynamic build: go build %s: %w: %s", opts.Source, err, strings.TrimSpace(buf.String()))
	}
	return abs, nil
}

// goBinaryName is the name go build gives the binary of pkg.
func goBinaryName(pkg, dir string) string {
	p := strings.TrimRight(filepath.ToSlash(pkg), "/")
	if p == "." || p == ".." || p == "" {
		abs, err := filepath.Abs(filepath.Join(dir, p))
		if err != nil {
			return "main"
		}
		return filepath.Base(abs)
	}
	base := path.Base(p)
	if len(base) >= 2 && base[0] == 'v' && strings.Trim(base[1:], "0123456789") == "" {
		base = path.Base(path.Dir(p))
	}
	return base
}

func openELF(file string) (*elfinfo.File, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	e, err := elfinfo.Parse(f)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", file, err)
	}
	return e, nil
}

// elfPrograms takes a prebuilt ELF executable as it is: it is the dynamic
// form or the static one, and the other form is missing.
func elfPrograms(opts Options) (*programSet, error) {
	f, err := openELF(opts.Source)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s is neither a Go package nor a file", opts.Source)
		}
		return nil, fmt.Errorf("%s is neither a Go package nor an ELF executable: %w", opts.Source, err)
	}
	arch, _ := f.GoArch()
	ps := &programSet{name: filepath.Base(opts.Source), platform: v1.Platform{OS: "linux", Architecture: arch}}
	if opts.Platform != "" {
		p, err := image.ParsePlatform(opts.Platform)
		if err != nil {
			return nil, err
		}
		if p.Architecture != arch {
			return nil, fmt.Errorf("%s is a %s program; --platform asks for %s", opts.Source, f.Machine, p.String())
		}
		ps.platform = p
	}
	abs, err := filepath.Abs(opts.Source)
	if err != nil {
		return nil, err
	}
	if f.Linkage == elfinfo.Dynamic {
		ps.dynamic, ps.interp = abs, f.Interpreter
		ps.staticNA = true
		ps.staticErr = fmt.Errorf("%s is dynamically linked (%s); a prebuilt binary cannot be relinked statically (give its Go package or a static build)", opts.Source, f.Libc)
		if f.Libc != elfinfo.Glibc {
			ps.dynamicErr = fmt.Errorf("%s is a %s dynamic binary, not a glibc one", opts.Source, f.Libc)
		}
	} else {
		ps.static = abs
		ps.dynamicNA = true
		ps.dynamicErr = fmt.Errorf("%s is statically linked; there is no dynamic build of it to copy", opts.Source)
	}
	return ps, nil
}
