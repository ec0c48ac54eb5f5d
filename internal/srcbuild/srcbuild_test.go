package srcbuild

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dietimg/diet/internal/testenv"
)

func TestDetect(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("crate/Cargo.toml", "[package]\n")
	write("crate/src/main.rs", "fn main() {}\n")
	write("cdir/a.c", "int main(void) { return 0; }\n")
	write("cdir/b.c", "\n")
	write("mk/Makefile", "all:\n")
	write("mk/x.c", "\n")
	write("cgo/main.go", "package main\n")
	write("cgo/x.c", "\n")
	write("gomake/Makefile", "all:\n")
	write("gomake/main.go", "package main\n")
	write("none/README", "\n")
	write("prog.h", "\n")
	for _, tc := range []struct {
		src  string
		want Kind
	}{
		{"crate", Rust},
		{"crate/Cargo.toml", Rust},
		{"cdir", C},
		{"cdir/a.c", C},
		{"mk", Make},
		{"cgo", ""},    // a Go package with its C files
		{"gomake", ""}, // a Go package with a Makefile
		{"none", ""},
		{"prog.h", ""},
		{"missing.c", ""},
	} {
		if got := Detect(filepath.Join(dir, tc.src)); got != tc.want {
			t.Errorf("Detect(%s) = %q, want %q", tc.src, got, tc.want)
		}
	}
}

func TestPickBin(t *testing.T) {
	for _, tc := range []struct {
		bins      []string
		want, got string
		err       string
	}{
		{bins: []string{"a"}, got: "a"},
		{bins: []string{"a", "b"}, want: "b", got: "b"},
		{bins: []string{"a", "b"}, err: "several binaries (a, b): choose one with --bin"},
		{bins: []string{"a", "b"}, want: "c", err: "--bin c: the crate's binaries are a, b"},
		{bins: nil, err: "no binary target"},
	} {
		got, err := pickBin(&crate{bins: tc.bins}, tc.want)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("pickBin(%v, %q): error %v, want %q", tc.bins, tc.want, err, tc.err)
		case tc.err == "" && (err != nil || got != tc.got):
			t.Errorf("pickBin(%v, %q) = %q, %v; want %q", tc.bins, tc.want, got, err, tc.got)
		}
	}
}

func TestRustAttempts(t *testing.T) {
	withMusl := t.TempDir()
	if err := os.MkdirAll(filepath.Join(withMusl, "lib/rustlib/x86_64-unknown-linux-musl/lib"), 0o755); err != nil {
		t.Fatal(err)
	}
	const gnu = "x86_64-unknown-linux-gnu"
	for _, tc := range []struct {
		host, sysroot string
		link          Link
		want          string
	}{
		{gnu, withMusl, Auto, "x86_64-unknown-linux-musl musl, x86_64-unknown-linux-gnu glibc, x86_64-unknown-linux-gnu dynamic"},
		{gnu, t.TempDir(), Auto, "x86_64-unknown-linux-gnu glibc, x86_64-unknown-linux-gnu dynamic"},
		{gnu, withMusl, Static, "x86_64-unknown-linux-musl musl, x86_64-unknown-linux-gnu glibc"},
		{gnu, withMusl, Dynamic, "x86_64-unknown-linux-gnu dynamic"},
		{"x86_64-unknown-linux-musl", "", Static, "x86_64-unknown-linux-musl musl"},
		{"armv7-unknown-linux-gnueabihf", "", Static, "armv7-unknown-linux-gnueabihf glibc"},
	} {
		var got []string
		for _, a := range rustAttempts(tc.host, tc.sysroot, tc.link) {
			l := a.libc
			if l == "" {
				l = "dynamic"
			}
			got = append(got, a.target+" "+l)
		}
		if s := strings.Join(got, ", "); s != tc.want {
			t.Errorf("rustAttempts(%s, %q) = %s, want %s", tc.host, tc.link, s, tc.want)
		}
	}
}

// TestFindCargo: cargo off PATH is found where rustup puts it, and its
// directory goes first on the tools' PATH (for rustup's rustc).
func TestFindCargo(t *testing.T) {
	home := t.TempDir()
	bin := filepath.Join(home, "bin")
	os.MkdirAll(bin, 0o755)
	os.WriteFile(filepath.Join(bin, "cargo"), []byte("#!/bin/sh\n"), 0o755)
	t.Setenv("PATH", t.TempDir())
	t.Setenv("CARGO_HOME", home)
	cargo, dir, err := findCargo()
	if err != nil || cargo != filepath.Join(bin, "cargo") || dir != bin {
		t.Errorf("findCargo() = %s, %s, %v; want %s/cargo", cargo, dir, err, bin)
	}
	t.Setenv("CARGO_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	if _, _, err := findCargo(); !errors.Is(err, ErrToolchain) {
		t.Errorf("no cargo anywhere: %v", err)
	}
}

// needCargo reports the test missing cargo (Debian's cargo, or rustup's).
func needCargo(t *testing.T) {
	t.Helper()
	if _, _, err := findCargo(); err != nil {
		testenv.Missing(t, "%v", err)
	}
}

// copyOf copies a testdata directory (or file) into a new directory, so
// that the build cannot write into the repository and runs in another
// place each time.
func copyOf(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	if _, err := copyTree(src, dst); err != nil {
		t.Fatal(err)
	}
	return dst
}

// offline keeps cargo off the network: the test crates have no
// dependencies.
var offline = []string{"CARGO_NET_OFFLINE=true"}

func build(t *testing.T, opts Options) *Binary {
	t.Helper()
	if opts.OutDir == "" {
		opts.OutDir = t.TempDir()
	}
	opts.Env = offline
	b, err := Build(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func runBinary(t *testing.T, path string, args ...string) string {
	t.Helper()
	out, err := exec.Command(path, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v: %s", path, err, out)
	}
	return string(out)
}

func sum(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", sha256.Sum256(b))
}

// noDebris checks that building left the source directory as it was.
func noDebris(t *testing.T, dir string, want ...string) {
	t.Helper()
	var got []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			r, _ := filepath.Rel(dir, p)
			got = append(got, r)
		}
		return nil
	})
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("%s holds %v after the build, want %v", dir, got, want)
	}
}

// TestBuildRust builds the test crate statically, twice in two places
// (the same bytes), and dynamically.
func TestBuildRust(t *testing.T) {
	needCargo(t)
	a, b := copyOf(t, "testdata/hello-rs"), copyOf(t, "testdata/hello-rs")
	ba := build(t, Options{Source: a})
	bb := build(t, Options{Source: b})
	t.Logf("%s: %s, %s", ba.Path, ba.Linkage(), ba.How)
	if ba.Name != "hello-rs" || !ba.Static || (ba.Libc != "musl" && ba.Libc != "glibc") || ba.Package != "hello-rs" || ba.Version != "0.1.0" {
		t.Errorf("built %+v, want a static hello-rs", ba)
	}
	if got := runBinary(t, ba.Path, "a", "b"); got != "hello from rust: a b\n" {
		t.Errorf("printed %q", got)
	}
	if sa, sb := sum(t, ba.Path), sum(t, bb.Path); sa != sb {
		t.Errorf("two builds of the crate in two places differ: %s, %s", sa, sb)
	}
	noDebris(t, a, "Cargo.lock", "Cargo.toml", "src/main.rs")
	if data, err := os.ReadFile(ba.Path); err == nil && strings.Contains(string(data), a) {
		t.Errorf("the program holds the crate's path %s", a)
	}
	dyn := build(t, Options{Source: a, Link: Dynamic})
	if dyn.Static || dyn.Libc != "glibc" {
		t.Errorf("--static=false built %s", dyn.Linkage())
	}
	if got := runBinary(t, dyn.Path, "x"); got != "hello from rust: x\n" {
		t.Errorf("dynamic build printed %q", got)
	}
}

func TestBuildRustBins(t *testing.T) {
	needCargo(t)
	src := copyOf(t, "testdata/two-bins")
	_, err := Build(context.Background(), Options{Source: src, Env: offline, OutDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), src) || !strings.Contains(err.Error(), "several binaries (other, two-bins): choose one with --bin") {
		t.Fatalf("error %v, want one naming the binaries", err)
	}
	b := build(t, Options{Source: src, Bin: "other"})
	if got := runBinary(t, b.Path); got != "other\n" || b.Name != "other" {
		t.Errorf("--bin other built %s, which printed %q", b.Name, got)
	}
}

// TestBuildErrors: a crate that does not compile, a C file that does
// not link, a directory with no sources: each a clear error naming the
// source, nothing written.
func TestBuildErrors(t *testing.T) {
	empty := t.TempDir()
	os.WriteFile(filepath.Join(empty, "README"), []byte("no sources\n"), 0o644)
	for _, tc := range []struct {
		name, src string
		need      func(t *testing.T)
		is        error
		quotes    string
	}{
		{"crate", "testdata/broken-rs", needCargo, ErrBuild, "cannot find value `undefined_name` in this scope"},
		{"c", "testdata/nolink.c", needCC, ErrBuild, "undefined reference to `not_defined_anywhere'"},
		{"none", empty, nil, ErrNotSource, "no Cargo.toml, Makefile or .c file in it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.need != nil {
				tc.need(t)
			}
			src := tc.src
			if strings.HasPrefix(src, "testdata/") {
				src = copyOf(t, src)
			}
			out := t.TempDir()
			_, err := Build(context.Background(), Options{Source: src, Env: offline, OutDir: out})
			if !errors.Is(err, tc.is) || !strings.HasPrefix(err.Error(), src+": ") || !strings.Contains(err.Error(), tc.quotes) {
				t.Fatalf("error %v, want %v naming %s and quoting %q", err, tc.is, src, tc.quotes)
			}
			t.Logf("%v", err)
			if ents, _ := os.ReadDir(out); len(ents) > 0 {
				t.Errorf("%d files written after a failed build", len(ents))
			}
		})
	}
}

func needCC(t *testing.T) {
	t.Helper()
	if _, err := ccAttempts(Auto); err != nil {
		testenv.Missing(t, "%v", err)
	}
}

// TestBuildC builds the test C file twice in two places (the same
// bytes), statically with musl-gcc when it is installed.
func TestBuildC(t *testing.T) {
	needCC(t)
	a, b := copyOf(t, "testdata/hello.c"), copyOf(t, "testdata/hello.c")
	ba, bb := build(t, Options{Source: a}), build(t, Options{Source: b})
	t.Logf("%s: %s, %s", ba.Path, ba.Linkage(), ba.How)
	want := "glibc"
	if _, err := exec.LookPath("musl-gcc"); err == nil {
		want = "musl"
	} else if testenv.Required() {
		t.Fatal("DIET_E2E=require but musl-gcc is not installed (apt-get install musl-tools)")
	}
	if ba.Name != "hello" || !ba.Static || ba.Libc != want {
		t.Errorf("built %s %s, want a static %s hello", ba.Name, ba.Linkage(), want)
	}
	if got := runBinary(t, ba.Path, "a", "b"); got != "hello from C: a b\n" {
		t.Errorf("printed %q", got)
	}
	if sa, sb := sum(t, ba.Path), sum(t, bb.Path); sa != sb {
		t.Errorf("two builds of the file in two places differ: %s, %s", sa, sb)
	}
	dyn := build(t, Options{Source: a, Link: Dynamic})
	if dyn.Static || dyn.Libc != "glibc" {
		t.Errorf("dynamic build: %s", dyn.Linkage())
	}
	if _, err := Build(context.Background(), Options{Source: a, Bin: "x"}); err == nil {
		t.Error("--bin accepted for a C file")
	}
}

// TestBuildMake runs make in a copy of the directory: the program is the
// one the default target makes, and the directory stays as it was.
func TestBuildMake(t *testing.T) {
	needCC(t)
	testenv.LookPath(t, "make")
	src := copyOf(t, "testdata/hello-make")
	b := build(t, Options{Source: src})
	if b.Name != "hello" || !b.Static {
		t.Errorf("built %s %s, want a static hello", b.Name, b.Linkage())
	}
	if got := runBinary(t, b.Path, "m"); got != "hello from C: m\n" {
		t.Errorf("printed %q", got)
	}
	noDebris(t, src, "Makefile", "hello.c")
}
