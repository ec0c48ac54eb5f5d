// Package srcbuild builds Rust crates and C programs into stripped,
// reproducible Linux executables for this machine, as the recipe diet
// automates builds them by hand: cargo build --release for the musl
// target (or glibc with crt-static), musl-gcc -static -Os for C, strip.
// A static link is tried first, the C library of each attempt named in
// the result; a dynamic one is the fallback, or what is asked for.
package srcbuild

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/dietimg/diet/internal/elfinfo"
	"github.com/dietimg/diet/internal/progress"
)

// Kind is the kind of a source.
type Kind string

// Kinds of source.
const (
	Rust Kind = "rust" // a directory holding Cargo.toml
	C    Kind = "c"    // a .c file, or a directory of .c files
	Make Kind = "make" // a directory holding a Makefile
)

// Link says how the program is linked.
type Link string

// Links. The zero value, Auto, is static when a static link works and
// dynamic otherwise.
const (
	Auto    Link = ""
	Static  Link = "static"
	Dynamic Link = "dynamic"
)

// Errors callers branch on.
var (
	// ErrNotSource is returned for a directory that holds neither a
	// Cargo.toml, a Makefile nor C sources.
	ErrNotSource = errors.New("not a Rust crate or C sources")
	// ErrToolchain is returned when the compiler a source needs is not
	// installed.
	ErrToolchain = errors.New("toolchain not installed")
	// ErrBuild is returned when the compiler or linker fails; the error
	// quotes its last lines.
	ErrBuild = errors.New("build failed")
)

// Options says what to build and how.
type Options struct {
	// Source is a directory holding Cargo.toml, a .c file, or a
	// directory holding a Makefile or .c files.
	Source string
	// Bin is the binary of a crate with several (cargo build --bin).
	Bin string
	// Link is Auto, Static (fail rather than link dynamically) or
	// Dynamic.
	Link Link
	// OutDir is where the binary is written, under the program's name;
	// "" means a new temporary directory, which the caller removes.
	OutDir string
	// Epoch is SOURCE_DATE_EPOCH for the compilers (zero: the Unix epoch).
	Epoch time.Time
	// Log is told the tools' output, line by line; nil for none.
	Log *progress.Log
	// Env is added to the tools' environment (CARGO_NET_OFFLINE=true...).
	Env []string
}

// Binary is a built program.
type Binary struct {
	Path string `json:"path"`
	Name string `json:"name"` // the program's name: the cargo binary, the C file's stem
	Kind Kind   `json:"kind"`
	// Static and Libc say how it is linked (the libc it was built
	// against: musl, glibc).
	Static bool   `json:"static"`
	Libc   string `json:"libc"`
	// How names the recipe that made it, as a command line would.
	How string `json:"how"`
	// Fallbacks say, for each static attempt that did not link, why.
	Fallbacks []string `json:"fallbacks,omitempty"`
	// Needs are the evidence of system files the program showed
	// (elfinfo), for the warnings of a static glibc program.
	Needs []elfinfo.Need `json:"needs,omitempty"`
	// Package and Version name the crate, for the SBOM ("" for C).
	Package, Version string `json:"-"`
}

// Linkage says how the program is linked, in words: "static (musl)".
func (b *Binary) Linkage() string {
	s := "dynamic"
	if b.Static {
		s = "static"
	}
	if b.Libc != "" && b.Libc != elfinfo.None {
		s += " (" + b.Libc + ")"
	}
	return s
}

// Detect says what kind of source src is: Rust for a directory holding
// Cargo.toml (or the path of a Cargo.toml), C for a .c file or a
// directory holding .c files, Make for a directory holding a Makefile;
// "" for anything else (an executable, a missing path, and a directory
// holding .go files, which is a Go package).
func Detect(src string) Kind {
	fi, err := os.Stat(src)
	if err != nil {
		return ""
	}
	if !fi.IsDir() {
		switch {
		case filepath.Base(src) == "Cargo.toml":
			return Rust
		case strings.HasSuffix(src, ".c") && fi.Mode().IsRegular():
			return C
		}
		return ""
	}
	if exists(filepath.Join(src, "Cargo.toml")) {
		return Rust
	}
	if gos, _ := filepath.Glob(filepath.Join(src, "*.go")); len(gos) > 0 {
		return "" // a Go package, whatever else it holds (cgo's .c files, a Makefile)
	}
	for _, m := range []string{"GNUmakefile", "makefile", "Makefile"} {
		if exists(filepath.Join(src, m)) {
			return Make
		}
	}
	if cs, _ := filepath.Glob(filepath.Join(src, "*.c")); len(cs) > 0 {
		return C
	}
	return ""
}

// Build builds opts.Source for this machine and returns the binary.
// Nothing is written in the source's directory but what its own tools
// write there (cargo's Cargo.lock, when the crate has none).
func Build(ctx context.Context, opts Options) (*Binary, error) {
	if opts.Source == "" {
		return nil, errors.New("srcbuild: no source given")
	}
	fi, err := os.Stat(opts.Source)
	if err != nil {
		return nil, err
	}
	kind := Detect(opts.Source)
	if kind == "" {
		if fi.IsDir() {
			return nil, fmt.Errorf("%s: %w: no Cargo.toml, Makefile or .c file in it", opts.Source, ErrNotSource)
		}
		return nil, fmt.Errorf("%s: %w", opts.Source, ErrNotSource)
	}
	if opts.Bin != "" && kind != Rust {
		return nil, fmt.Errorf("%s: --bin names the binary of a Rust crate; this is a %s source", opts.Source, kindName(kind))
	}
	switch opts.Link {
	case Auto, Static, Dynamic:
	default:
		return nil, fmt.Errorf("srcbuild: unknown link %q", opts.Link)
	}
	if opts.OutDir == "" {
		if opts.OutDir, err = os.MkdirTemp("", "diet-srcbuild-"); err != nil {
			return nil, err
		}
	} else if err := os.MkdirAll(opts.OutDir, 0o755); err != nil {
		return nil, err
	}
	if opts.Epoch.IsZero() {
		opts.Epoch = time.Unix(0, 0)
	}
	var bin *Binary
	switch kind {
	case Rust:
		bin, err = buildRust(ctx, opts)
	case Make:
		bin, err = buildMake(ctx, opts)
	default:
		bin, err = buildC(ctx, opts)
	}
	if err != nil {
		return nil, err
	}
	bin.Kind = kind
	if err := describe(bin); err != nil {
		return nil, err
	}
	return bin, nil
}

func kindName(k Kind) string {
	switch k {
	case Rust:
		return "Rust"
	case Make:
		return "Makefile"
	}
	return "C"
}

// describe reads how the binary is linked and what it shows a need of.
func describe(b *Binary) error {
	f, err := os.Open(b.Path)
	if err != nil {
		return err
	}
	defer f.Close()
	e, err := elfinfo.Parse(f)
	if err != nil {
		return fmt.Errorf("reading %s: %w", b.Path, err)
	}
	b.Static = e.Linkage != elfinfo.Dynamic
	// A static program does not name its C library; the recipe does.
	if e.Libc != elfinfo.None || b.Libc == "" {
		b.Libc = e.Libc
	}
	b.Needs = e.Needs
	return nil
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// tool is one run of a compiler or build tool.
type tool struct {
	dir  string
	env  []string
	args []string
}

// tailLines is how many of a failed tool's last lines its error quotes.
const tailLines = 25

// run runs t, saying its output on log line by line, and returns its
// output's last lines. The error of a tool that fails quotes them.
func (t tool) run(ctx context.Context, log *progress.Log) (string, error) {
	cmd := exec.CommandContext(ctx, t.args[0], t.args[1:]...)
	cmd.Dir = t.dir
	cmd.Env = append(os.Environ(), t.env...)
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	var tail []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			log.Printf("%s", line)
			if tail = append(tail, line); len(tail) > tailLines {
				tail = tail[1:]
			}
		}
		io.Copy(io.Discard, pr)
	}()
	err := cmd.Run()
	pw.Close()
	<-done
	out := strings.TrimSpace(strings.Join(tail, "\n"))
	if err != nil {
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		if out == "" {
			return out, err
		}
		return out, fmt.Errorf("%w:\n%s", err, indent(out))
	}
	return out, nil
}

func indent(s string) string {
	var b bytes.Buffer
	for _, l := range strings.Split(s, "\n") {
		b.WriteString("  " + l + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// epochEnv is SOURCE_DATE_EPOCH, which compilers use for __DATE__ and
// build scripts for their own stamps.
func epochEnv(t time.Time) string {
	return "SOURCE_DATE_EPOCH=" + strconv.FormatInt(t.Unix(), 10)
}

// place moves a built file to dir/name, under a temporary name first so
// that a failed move leaves nothing behind.
func place(src, dir, name string) (string, error) {
	dst := filepath.Join(dir, name)
	tmp := dst + ".tmp"
	in, err := os.Open(src)
	if err != nil {
		return "", err
	}
	defer in.Close()
	out, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o755)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(tmp)
		return "", err
	}
	if err := out.Close(); err != nil {
		os.Remove(tmp)
		return "", err
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return "", err
	}
	return dst, nil
}

// attemptError is why one link attempt failed, in one line.
func attemptError(how string, err error) string {
	msg := err.Error()
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		// The most telling line of the tool's output: the linker's.
		for _, l := range strings.Split(msg[i+1:], "\n") {
			l = strings.TrimSpace(l)
			if strings.Contains(l, "undefined reference") || strings.Contains(l, "cannot find -l") || strings.HasPrefix(l, "error:") {
				return how + ": " + l
			}
		}
		msg = msg[:i]
	}
	return how + ": " + msg
}

// after says which attempts failed before the last one.
func after(fallbacks []string) string {
	if len(fallbacks) == 0 {
		return ""
	}
	var hows []string
	for _, f := range fallbacks {
		how, _, _ := strings.Cut(f, ": ")
		hows = append(hows, how)
	}
	return " (after " + strings.Join(hows, ", ") + ")"
}
