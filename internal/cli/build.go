package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dietimg/diet/internal/build"
	"github.com/dietimg/diet/internal/engine"
	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/probe"
	"github.com/dietimg/diet/internal/progress"
	"github.com/dietimg/diet/internal/publish"
	"github.com/dietimg/diet/internal/srcbuild"
	"github.com/dietimg/diet/internal/sysfiles"
)

// buildToggle is a pair of --x / --no-x flags.
type buildToggle struct {
	on, off bool
}

func (t buildToggle) value(name string) (sysfiles.Toggle, error) {
	switch {
	case t.on && t.off:
		return 0, fmt.Errorf("--%s and --no-%s contradict each other", name, name)
	case t.on:
		return sysfiles.On, nil
	case t.off:
		return sysfiles.Off, nil
	}
	return sysfiles.Auto, nil
}

type buildFlags struct {
	output, tag, base, name, path, cgo, bin   string
	static, staticSet                         bool
	roots                                     []string
	certs, tzdata, passwd, nsswitch           buildToggle
	tmp                                       bool
	zones                                     []string
	user, workdir, entrypoint, cmd            string
	env, labels, ports, annotations, adds     []string
	ldPath                                    []string
	compression                               string
	allowMissing, noSBOM, sbom, asJSON, quiet bool
	smokeFlags
	platformOptions
	registryOptions
}

func (f *buildFlags) addFlags(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVarP(&f.output, "output", "o", "", "where to write the image: oci:DIR[:TAG], oci-archive:FILE, docker-archive:FILE, docker-daemon:REF, docker://REF (default oci:out/NAME:latest)")
	fl.StringVarP(&f.tag, "tag", "t", "", "image name for transports that need one (docker-archive, docker-daemon)")
	fl.StringArrayVar(&f.roots, "root", nil, "resolve the program's closure and take system files in this root file system (default /); ARCH=DIR, once per architecture, for an index of a prebuilt program (--platform linux/amd64,linux/arm64 --root amd64=DIR --root arm64=DIR)")
	fl.StringVar(&f.base, "base", "", "build on this image instead of an empty one (any transport)")
	fl.StringVar(&f.name, "name", "", "the image's name in the SBOM and report (default: the program's)")
	fl.StringVar(&f.path, "path", "", "the program's path in the image (default /usr/local/bin/NAME)")
	f.platformOptions.addFlags(cmd, "os/arch[,os/arch...]: several give an image index (Go packages)")
	fl.StringVar(&f.cgo, "cgo", "", `"musl": build a Go package with cgo, statically against musl`)
	fl.StringVar(&f.bin, "bin", "", "the binary to build of a Rust crate with several (cargo build --bin `NAME`)")
	fl.BoolVar(&f.static, "static", true, "link a Rust crate or C source statically (musl, else glibc); --static=false links dynamically, --static refuses the dynamic fallback")
	for _, t := range []struct {
		name string
		tg   *buildToggle
		what string
	}{
		{"certs", &f.certs, "CA certificates and SSL_CERT_FILE"},
		{"tzdata", &f.tzdata, "time zone data"},
		{"passwd", &f.passwd, "/etc/passwd and /etc/group with root and nonroot (65532)"},
		{"nsswitch", &f.nsswitch, "/etc/nsswitch.conf"},
	} {
		fl.BoolVar(&t.tg.on, t.name, false, "always add "+t.what+" (default: on evidence)")
		fl.BoolVar(&t.tg.off, "no-"+t.name, false, "never add "+t.what)
	}
	fl.StringSliceVar(&f.zones, "tzdata-zones", nil, "only these time zones (Europe/Paris,UTC) instead of the whole tree")
	fl.BoolVar(&f.tmp, "tmp", false, "add /tmp (mode 1777)")
	fl.StringVar(&f.user, "user", "", `user to run as ("nonroot" is 65532 and adds /etc/passwd)`)
	fl.StringArrayVar(&f.env, "env", nil, "KEY=VALUE in the image's environment (repeatable)")
	fl.StringVar(&f.workdir, "workdir", "", "the image's working directory: where its program starts (WorkingDir in its config; default: the --base image's, else /)")
	fl.StringArrayVar(&f.labels, "label", nil, "KEY=VALUE label (repeatable)")
	fl.StringArrayVar(&f.ports, "port", nil, "exposed port, PORT[/udp] (repeatable)")
	fl.StringArrayVar(&f.annotations, "annotation", nil, "KEY=VALUE manifest annotation (repeatable)")
	fl.StringVar(&f.entrypoint, "entrypoint", "", `entrypoint: a JSON array, or words (default: the program)`)
	fl.StringVar(&f.cmd, "cmd", "", `command (arguments to the entrypoint): a JSON array, or words`)
	fl.StringArrayVar(&f.adds, "add", nil, "SRC:DST host file or directory to add (repeatable)")
	fl.StringSliceVar(&f.ldPath, "ld-library-path", nil, "LD_LIBRARY_PATH the program runs with (for the closure)")
	fl.StringVar(&f.compression, "compression", "gzip", "layer compression: gzip or zstd")
	fl.BoolVar(&f.allowMissing, "allow-missing", false, "build even when libraries are not found")
	f.registryOptions.addFlags(cmd)
	fl.BoolVar(&f.sbom, "sbom", true, "make an SPDX SBOM of the image: written with the JSON report beside a file output, attached to the image on a docker:// push (--sbom=false or --no-sbom: neither)")
	fl.BoolVar(&f.noSBOM, "no-sbom", false, "write no SBOM or report")
	f.smokeFlags.addFlags(cmd, "run the image with these arguments before writing it; fail when it exits non-zero (repeatable)")
	fl.BoolVar(&f.asJSON, "json", false, "print the report as JSON")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "print only the digest")
}

func newBuild() *cobra.Command { return newBuildWith(&buildFlags{}) }

func newBuildWith(f *buildFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "build [flags] SOURCE",
		Short: "Build the smallest image that runs a program: an ELF file, a Go package, a Rust crate, C sources or a script",
		Long: `Build an image holding a program and exactly what it needs: its loader and
libraries (resolved from its ELF headers, never by running it), and system
files (CA certificates, time zone data, passwd, nsswitch.conf) only when the
inspection finds evidence for them or a flag asks.

SOURCE is a prebuilt ELF executable (any libc; its closure is resolved on /,
in --root DIR or in the --base image), a Go package (built with CGO_ENABLED=0,
-trimpath, -ldflags "-s -w -buildid="; --cgo=musl for a static cgo build), a
Rust crate (a directory holding Cargo.toml: cargo build --release for the musl
target when its standard library is installed, else with crt-static against
glibc, stripped; --bin NAME for one of several binaries), C sources (a .c
file or a directory of them: musl-gcc -static -Os, else cc -static; a
directory with a Makefile: make with those in CC and LDFLAGS), or a #! script
(its interpreter and the interpreter's closure go in). A Rust or C program
that links statically against neither libc is linked dynamically and its
closure goes in; --static=false asks for that, --static refuses it.

The image is reproducible (times from SOURCE_DATE_EPOCH, default 0). An SPDX
SBOM and a JSON report are written beside file outputs and the SBOM is
attached on push. --smoke runs the image before anything is written.`,
		Example: `  diet build ./cmd/slice -o docker-archive:slice.tar -t slice:diet
  diet build /usr/bin/curl --smoke --version -o oci:out/curl:latest
  diet build --root /srv/debian /usr/bin/jq -o docker-daemon:jq:diet
  diet build --platform linux/amd64,linux/arm64 ./cmd/app -o docker://localhost:5000/app --insecure
  diet build --cgo=musl ./cmd/withc --smoke '' -o oci-archive:withc.tar
  diet build ./hello-rs --smoke '' -o docker-daemon:hello-rs:diet
  diet build hello.c --smoke world -o oci:out/hello:latest
  diet build script.py --root /srv/python --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f.staticSet = cmd.Flags().Changed("static")
			opts, err := f.options(args[0])
			if err != nil {
				return err
			}
			if !f.quiet {
				opts.Log = progress.To(cmd.ErrOrStderr())
			}
			// A runtime that cannot run here is said before the build.
			if len(opts.Smoke) > 0 {
				if opts.Engine, err = engine.New(cmd.Context(), f.runtime); err != nil {
					return fmt.Errorf("--smoke: %w", err)
				}
			}
			// A bad destination fails before the work.
			dest := f.dest(args[0])
			if _, err := image.Parse(dest); err != nil {
				return err
			}
			res, err := build.Build(cmd.Context(), opts)
			if err != nil {
				if res != nil && errors.Is(err, build.ErrSmoke) && !f.quiet {
					printSmokeRuns(cmd.ErrOrStderr(), res)
					return fmt.Errorf("%w; nothing written to %s", err, dest)
				}
				return err
			}
			rep := &buildReport{Result: res}
			var report any // none with --no-sbom
			if !opts.NoSBOM {
				report = rep
			}
			po := publish.Options{Image: image.Options{Tag: f.tag, Insecure: f.insecure}, Log: opts.Log}
			if err := publishArtifact(cmd.Context(), dest, res.Artifact, &rep.Published, report, po); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			switch {
			case f.quiet:
				fmt.Fprintln(out, res.Digest)
			case f.asJSON:
				return printJSON(cmd, rep)
			default:
				printBuildReport(out, rep)
			}
			return nil
		},
	}
	f.addFlags(cmd)
	return cmd
}

// options turns the flags into build options.
func (f *buildFlags) options(source string) (build.Options, error) {
	o := build.Options{
		Source: source, Base: f.base, Path: f.path, Name: f.name, Cgo: f.cgo, Bin: f.bin,
		Link:          linkOf(f.static, f.staticSet),
		LDLibraryPath: f.ldPath, AllowMissing: f.allowMissing, Workdir: f.workdir,
		User: f.user, Env: f.env, Ports: f.ports, Add: f.adds, Compression: f.compression,
		SmokeTimeout: f.timeout, Insecure: f.insecure, NoSBOM: f.noSBOM || !f.sbom,
	}
	ps, err := f.platforms()
	if err != nil {
		return o, err
	}
	o.Platforms = ps
	if o.Root, o.Roots, err = buildRoots(f.roots); err != nil {
		return o, err
	}
	for _, t := range []struct {
		name string
		tg   buildToggle
		dst  *sysfiles.Toggle
	}{
		{"certs", f.certs, &o.Sysfiles.Certs}, {"tzdata", f.tzdata, &o.Sysfiles.Tzdata},
		{"passwd", f.passwd, &o.Sysfiles.Passwd}, {"nsswitch", f.nsswitch, &o.Sysfiles.Nsswitch},
	} {
		if *t.dst, err = t.tg.value(t.name); err != nil {
			return o, err
		}
	}
	if len(f.zones) > 0 && o.Sysfiles.Tzdata == sysfiles.Auto {
		o.Sysfiles.Tzdata = sysfiles.On
	}
	o.Sysfiles.Zones, o.Sysfiles.User = f.zones, f.user
	if f.tmp {
		o.Sysfiles.Tmp = sysfiles.On
	}
	if o.Labels, err = keyValues("label", f.labels); err != nil {
		return o, err
	}
	if o.Annotations, err = keyValues("annotation", f.annotations); err != nil {
		return o, err
	}
	if f.entrypoint != "" {
		if o.Entrypoint, err = commandWords("entrypoint", f.entrypoint); err != nil {
			return o, err
		}
	}
	if f.cmd != "" {
		if o.Cmd, err = commandWords("cmd", f.cmd); err != nil {
			return o, err
		}
	}
	if o.Epoch, err = parseEpoch(); err != nil {
		return o, err
	}
	if o.Smoke, err = f.smokes(); err != nil {
		return o, err
	}
	return o, nil
}

// dest is where the image goes: --output, else oci:out/NAME:latest.
func (f *buildFlags) dest(source string) string {
	if f.output != "" {
		return f.output
	}
	return "oci:out/" + buildDefaultName(source, f.name) + ":latest"
}

// buildReport is what diet build reports (--json, and the report file
// beside the image): the build's result and where it went.
type buildReport struct {
	*build.Result
	publish.Published
}

// linkOf is how --static asks a Rust crate or C source to be linked: not
// given, static when that links and dynamic otherwise; --static, static
// or nothing; --static=false, dynamic.
func linkOf(static, set bool) srcbuild.Link {
	switch {
	case !set:
		return srcbuild.Auto
	case static:
		return srcbuild.Static
	}
	return srcbuild.Dynamic
}

// buildRoots splits the --root values into one root for every platform
// and roots by architecture (ARCH=DIR, ARCH a GOARCH such as amd64 or
// arm64). A DIR that holds "=" after a slash is a plain root.
func buildRoots(vals []string) (string, map[string]string, error) {
	var root string
	var roots map[string]string
	for _, v := range vals {
		arch, dir, ok := strings.Cut(v, "=")
		switch {
		case !ok || strings.Contains(arch, "/"):
			if root != "" {
				return "", nil, fmt.Errorf("--root %s: a second root for every platform (after %s); name each one's architecture: --root ARCH=DIR", v, root)
			}
			root = v
		case arch == "" || dir == "" || !validArch(arch):
			return "", nil, fmt.Errorf("--root %s: want DIR or ARCH=DIR with ARCH an architecture such as amd64 or arm64", v)
		case roots[arch] != "":
			return "", nil, fmt.Errorf("--root %s: a second root for %s (after %s)", v, arch, roots[arch])
		default:
			if roots == nil {
				roots = map[string]string{}
			}
			roots[arch] = dir
		}
	}
	if root != "" && roots != nil {
		return "", nil, fmt.Errorf("--root %s with --root ARCH=DIR: give every root an architecture", root)
	}
	return root, roots, nil
}

// validArch reports whether s is written like a GOARCH.
func validArch(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// buildDefaultName is the program's name as the default output uses it.
func buildDefaultName(source, name string) string {
	if name != "" {
		return name
	}
	s := strings.TrimRight(filepath.ToSlash(source), "/")
	if s == "." || s == ".." || s == "" || strings.HasSuffix(s, "/..") {
		if abs, err := filepath.Abs(source); err == nil {
			return filepath.Base(abs)
		}
		return "image"
	}
	if path.Base(s) == "Cargo.toml" {
		return buildDefaultName(path.Dir(s), "")
	}
	return strings.TrimSuffix(path.Base(s), ".c")
}

func keyValues(flag string, kvs []string) (map[string]string, error) {
	if len(kvs) == 0 {
		return nil, nil
	}
	m := map[string]string{}
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--%s %q: want KEY=VALUE", flag, kv)
		}
		m[k] = v
	}
	return m, nil
}

// commandWords reads a JSON array, or splits words as a shell would.
func commandWords(flag, s string) ([]string, error) {
	if strings.HasPrefix(strings.TrimSpace(s), "[") {
		var words []string
		if err := json.Unmarshal([]byte(s), &words); err != nil {
			return nil, fmt.Errorf("--%s: %w", flag, err)
		}
		return words, nil
	}
	w, err := probe.SplitWords(s)
	if err != nil {
		return nil, fmt.Errorf("--%s: %w", flag, err)
	}
	return w, nil
}
