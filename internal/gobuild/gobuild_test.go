package gobuild

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"debug/elf"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/testenv"
)

// checkStatic fails t unless bin is a static ELF for machine with the
// build settings want.
func checkStatic(t *testing.T, bin string, machine elf.Machine, want map[string]string) {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Machine != machine {
		t.Errorf("machine %v, want %v", f.Machine, machine)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("%s has PT_INTERP: not static", bin)
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("%s needs %v", bin, libs)
	}
	if f.Section(".symtab") != nil {
		t.Errorf("%s is not stripped", bin)
	}
	bi, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range bi.Settings {
		got[s.Key] = s.Value
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("build setting %s = %q, want %q", k, got[k], v)
		}
	}
}

func build(t *testing.T, opts Options) string {
	t.Helper()
	if opts.Output == "" {
		opts.Output = filepath.Join(t.TempDir(), "bin")
	}
	bin, err := Build(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if bin != opts.Output {
		t.Errorf("Build returned %s, want %s", bin, opts.Output)
	}
	return bin
}

func sameBytes(t *testing.T, a, b string) {
	t.Helper()
	da, _ := os.ReadFile(a)
	db, _ := os.ReadFile(b)
	if len(da) == 0 || !bytes.Equal(da, db) {
		t.Errorf("two builds differ: %s (%d bytes) and %s (%d bytes)", a, len(da), b, len(db))
	}
}

func TestBuildStatic(t *testing.T) {
	a := build(t, Options{Package: "./testdata/hello"})
	checkStatic(t, a, elf.EM_X86_64, map[string]string{"CGO_ENABLED": "0", "-trimpath": "true", "GOOS": "linux", "GOARCH": "amd64"})
	b := build(t, Options{Package: "./testdata/hello", Platform: v1.Platform{OS: "linux", Architecture: "amd64"}, Output: filepath.Join(t.TempDir(), "new", "dir", "hello")})
	sameBytes(t, a, b)
	out, err := exec.Command(a).Output()
	if err != nil || string(out) != "hello from Go\n" {
		t.Errorf("running the build: %q, %v", out, err)
	}
}

func TestBuildDefaultOutput(t *testing.T) {
	bin, err := Build(context.Background(), Options{Package: "./hello", Dir: "testdata"})
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(filepath.Dir(bin))
	if filepath.Base(bin) != "hello" {
		t.Errorf("binary %s, want one named hello", bin)
	}
}

func TestBuildArm64(t *testing.T) {
	bin := build(t, Options{Package: "./testdata/hello", Platform: v1.Platform{OS: "linux", Architecture: "arm64"}})
	checkStatic(t, bin, elf.EM_AARCH64, map[string]string{"CGO_ENABLED": "0", "GOARCH": "arm64"})
}

func TestBuildMusl(t *testing.T) {
	testenv.LookPath(t, "musl-gcc")
	a := build(t, Options{Package: "./testdata/cgohello", Cgo: "musl"})
	checkStatic(t, a, elf.EM_X86_64, map[string]string{"CGO_ENABLED": "1", "-trimpath": "true"})
	out, err := exec.Command(a).Output()
	if err != nil || string(out) != "hello from C\n2+3 = 5\n" {
		t.Errorf("running the build: %q, %v", out, err)
	}
	b := build(t, Options{Package: "./testdata/cgohello", Cgo: "musl"})
	sameBytes(t, a, b)
}

func TestBuildErrors(t *testing.T) {
	ctx := context.Background()
	out := filepath.Join(t.TempDir(), "bin")
	cases := []struct {
		opts Options
		want string
	}{
		{Options{Package: "./testdata/hello", Platform: v1.Platform{OS: "windows", Architecture: "amd64"}}, "unsupported OS"},
		{Options{Package: "./testdata/hello", Platform: v1.Platform{OS: "linux", Architecture: "sparc"}}, "unknown architecture"},
		{Options{Package: "./testdata/cgohello", Cgo: "musl", Platform: v1.Platform{OS: "linux", Architecture: "mips64le"}}, "musl does not target linux/mips64le"},
		{Options{Package: "./testdata/hello", Cgo: "glibc"}, "unknown cgo mode"},
		{Options{Package: "./testdata/broken"}, "undefined: undefinedFunction"},
		{Options{Package: "./testdata/nothere"}, "nothere"},
		{Options{}, "no package"},
	}
	for _, c := range cases {
		c.opts.Output = out
		_, err := Build(ctx, c.opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Build(%+v) = %v, want an error with %q", c.opts, err, c.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("Build(%+v) left %s behind", c.opts, out)
		}
	}
	if _, err := exec.LookPath("aarch64-linux-musl-gcc"); err != nil {
		_, err := Build(ctx, Options{Package: ".", Cgo: "musl", Platform: v1.Platform{OS: "linux", Architecture: "arm64"}, Output: out})
		if !errors.Is(err, ErrCgoPlatform) || !strings.Contains(err.Error(), "aarch64-linux-musl-gcc on PATH") {
			t.Errorf("musl on arm64 without a cross compiler: %v, want ErrCgoPlatform naming aarch64-linux-musl-gcc", err)
		}
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(out), "*"))
	if len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}

// TestMuslCrossCompiler: a musl cross compiler on PATH (TRIPLE-gcc, as
// musl-cross-make installs it) is the CC of a cgo build for its platform.
func TestMuslCrossCompiler(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"aarch64-linux-musl-gcc", "arm-linux-musleabihf-gcc", "arm-linux-musleabi-gcc"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", dir)
	for plat, want := range map[string]string{"linux/arm64": "aarch64-linux-musl-gcc", "linux/arm/v7": "arm-linux-musleabihf-gcc", "linux/arm/v5": "arm-linux-musleabi-gcc"} {
		p, err := image.ParsePlatform(plat)
		if err != nil {
			t.Fatal(err)
		}
		env, _, err := buildEnv(p, "musl")
		if err != nil || !slices.Contains(env, "CC="+filepath.Join(dir, want)) {
			t.Errorf("%s: env %v, %v; want CC=%s", plat, env, err, want)
		}
	}
	if _, _, err := buildEnv(v1.Platform{OS: "linux", Architecture: "riscv64"}, "musl"); !errors.Is(err, ErrCgoPlatform) || !strings.Contains(err.Error(), "riscv64-linux-musl-gcc") {
		t.Errorf("riscv64 without its compiler: %v", err)
	}
}

func TestIsPackage(t *testing.T) {
	cases := map[string]bool{
		".":                true,
		"./testdata/hello": true,
		"../gobuild":       true,
		"github.com/dietimg/diet/internal/rootfs": true,
		"fmt":                    true,
		"gobuild.go":             false, // an existing regular file
		"./gobuild.go":           false,
		"./testdata/nothere":     false,
		"/bin/sh":                false,
		"oci:./testdata":         false,
		"docker://alpine":        false,
		"nosuchpackage/anywhere": false,
		"-x":                     false,
		"":                       false,
	}
	for arg, want := range cases {
		if got := IsPackage(arg); got != want {
			t.Errorf("IsPackage(%q) = %v, want %v", arg, got, want)
		}
	}
}

// TestOtherModule builds a package of another module, named by its
// directory, from here.
func TestOtherModule(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "greeter")
	if err := os.MkdirAll(filepath.Join(dir, "docs"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/greeter\n\ngo 1.22\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() { println(\"hi\") }\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "docs", "README"), []byte("no Go here"), 0o644)
	if !IsPackage(dir) {
		t.Errorf("IsPackage(%s) = false", dir)
	}
	if IsPackage(filepath.Join(dir, "docs")) {
		t.Errorf("IsPackage of a directory without Go files = true")
	}
	bin, err := Build(context.Background(), Options{Package: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(filepath.Dir(bin))
	if filepath.Base(bin) != "greeter" {
		t.Errorf("binary %s, want one named greeter", bin)
	}
	checkStatic(t, bin, elf.EM_X86_64, map[string]string{"CGO_ENABLED": "0"})
}
