package srcbuild

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// crate is what cargo metadata says of the crate to build.
type crate struct {
	manifest string // absolute path of its Cargo.toml
	root     string // its workspace's root, where Cargo.lock is
	name     string // the package's ("" for a virtual workspace)
	version  string
	bins     []string // binary targets, sorted
}

// rustAttempt is one way to build the crate: a target and its flags.
type rustAttempt struct {
	target string
	flags  []string
	libc   string // the C library it links against statically ("" for dynamic)
}

// findCargo finds cargo on PATH, else where rustup installs it
// ($CARGO_HOME/bin, ~/.cargo/bin), and returns it with the directory to
// put first on the tools' PATH ("" when cargo is on PATH already), so
// that rustup's rustc is found beside it.
func findCargo() (cargo, pathDir string, err error) {
	if p, err := exec.LookPath("cargo"); err == nil {
		return p, "", nil
	}
	for _, d := range []string{os.Getenv("CARGO_HOME"), homeCargo()} {
		if d == "" {
			continue
		}
		p := filepath.Join(d, "bin", "cargo")
		if fi, err := os.Stat(p); err == nil && fi.Mode()&0o111 != 0 {
			return p, filepath.Dir(p), nil
		}
	}
	return "", "", fmt.Errorf("%w: cargo is not on PATH nor in $CARGO_HOME/bin or ~/.cargo/bin (apt-get install cargo, or rustup)", ErrToolchain)
}

// cargoHome is where cargo keeps its registry: $CARGO_HOME, else ~/.cargo.
func cargoHome() string {
	if d := os.Getenv("CARGO_HOME"); d != "" {
		return d
	}
	return homeCargo()
}

func homeCargo() string {
	h, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(h, ".cargo")
}

// buildRust builds the crate's binary in release mode: statically for
// the musl target when its standard library is installed, else for the
// host target with crt-static (glibc), else (or on request) dynamically.
// The target directory is a temporary one; cargo writes Cargo.lock in the
// crate only when it has none, as cargo build always does.
func buildRust(ctx context.Context, opts Options) (*Binary, error) {
	cargo, pathDir, err := findCargo()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", opts.Source, err)
	}
	manifest := opts.Source
	if filepath.Base(manifest) != "Cargo.toml" {
		manifest = filepath.Join(manifest, "Cargo.toml")
	}
	if manifest, err = filepath.Abs(manifest); err != nil {
		return nil, err
	}
	env := append([]string{epochEnv(opts.Epoch), "CARGO_TERM_COLOR=never", "CARGO_TERM_PROGRESS_WHEN=never"}, opts.Env...)
	if pathDir != "" {
		env = append(env, "PATH="+pathDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	}
	dir := filepath.Dir(manifest)
	cr, err := cargoMetadata(ctx, cargo, manifest, dir, env)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", opts.Source, err)
	}
	name, err := pickBin(cr, opts.Bin)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", opts.Source, err)
	}
	host, release, sysroot, err := rustcInfo(ctx, pathDir, dir, env)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", opts.Source, err)
	}
	tmp, err := os.MkdirTemp("", "diet-cargo-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	targetDir := filepath.Join(tmp, "target")
	// Paths the binary could hold (panic locations, file!()) are
	// rewritten, so that it does not depend on where the crate, the
	// registry or the target directory are.
	remap := []string{
		"--remap-path-prefix=" + cr.root + "=.",
		"--remap-path-prefix=" + cargoHome() + "=/cargo",
		"--remap-path-prefix=" + targetDir + "=/target",
	}
	attempts := rustAttempts(host, sysroot, opts.Link)
	var fallbacks []string
	for i, a := range attempts {
		args := []string{cargo, "build", "--release", "--manifest-path", manifest, "--bin", name, "--target", a.target, "--target-dir", targetDir}
		if exists(filepath.Join(cr.root, "Cargo.lock")) {
			// The lock file pins the dependencies: the same crate gives
			// the same program, or cargo says the lock is out of date.
			args = append(args, "--locked")
		}
		flags := append(append([]string{"-C", "strip=symbols"}, a.flags...), remap...)
		flags = append(flags, userRustflags()...)
		t := tool{dir: dir, args: args, env: append(env, "CARGO_ENCODED_RUSTFLAGS="+strings.Join(flags, "\x1f"))}
		how := "cargo build --release --target " + a.target
		if len(a.flags) > 0 {
			how += " with " + strings.Join(a.flags, " ")
		}
		out, err := t.run(ctx, opts.Log)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if i < len(attempts)-1 && linkFailure(out) {
				fallbacks = append(fallbacks, attemptError(how, err))
				opts.Log.Printf("%s did not link; trying the next way", how)
				continue
			}
			return nil, fmt.Errorf("%s: %w: %s%s: %w", opts.Source, ErrBuild, how, after(fallbacks), err)
		}
		built := filepath.Join(targetDir, a.target, "release", name)
		p, err := place(built, opts.OutDir, name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", opts.Source, err)
		}
		return &Binary{Path: p, Name: name, Libc: a.libc, How: how + ", rustc " + release,
			Fallbacks: fallbacks, Package: cr.name, Version: cr.version}, nil
	}
	return nil, fmt.Errorf("%s: no way to build for %s", opts.Source, host)
}

// rustAttempts are the ways to build, in order, for link.
func rustAttempts(host, sysroot string, link Link) []rustAttempt {
	dynamic := rustAttempt{target: host}
	if link == Dynamic {
		return []rustAttempt{dynamic}
	}
	var out []rustAttempt
	crtStatic := []string{"-C", "target-feature=+crt-static"}
	switch {
	case strings.Contains(host, "-linux-musl"):
		out = append(out, rustAttempt{target: host, flags: crtStatic, libc: "musl"})
	case strings.Contains(host, "-linux-gnu"):
		musl := strings.Replace(host, "-linux-gnu", "-linux-musl", 1)
		// rustup installs a target's standard library under the
		// sysroot: rustup target add x86_64-unknown-linux-musl.
		if exists(filepath.Join(sysroot, "lib", "rustlib", musl, "lib")) {
			out = append(out, rustAttempt{target: musl, libc: "musl"})
		}
		out = append(out, rustAttempt{target: host, flags: crtStatic, libc: "glibc"})
	}
	if link == Auto || len(out) == 0 {
		out = append(out, dynamic)
	}
	return out
}

// linkFailure reports whether cargo's output shows a failure that another
// way of linking may not have: the linker's, or a build script's (a -sys
// crate looking for a static library).
func linkFailure(out string) bool {
	for _, s := range []string{"error: linking with", "failed to run custom build command", "undefined reference", "could not find native static library", "cannot find -l"} {
		if strings.Contains(out, s) {
			return true
		}
	}
	return false
}

// userRustflags are the flags the user gave cargo in the environment;
// diet's own flags take their place, so they are passed on after them.
func userRustflags() []string {
	if v := os.Getenv("CARGO_ENCODED_RUSTFLAGS"); v != "" {
		return strings.Split(v, "\x1f")
	}
	return strings.Fields(os.Getenv("RUSTFLAGS"))
}

// cargoMetadata asks cargo about the crate (without its dependencies,
// which needs no network).
func cargoMetadata(ctx context.Context, cargo, manifest, dir string, env []string) (*crate, error) {
	cmd := exec.CommandContext(ctx, cargo, "metadata", "--no-deps", "--format-version", "1", "--manifest-path", manifest)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = ":\n" + indent(strings.TrimSpace(string(ee.Stderr)))
		}
		return nil, fmt.Errorf("%w: cargo metadata: %v%s", ErrBuild, err, msg)
	}
	var md struct {
		Packages []struct {
			Name         string `json:"name"`
			Version      string `json:"version"`
			ManifestPath string `json:"manifest_path"`
			Targets      []struct {
				Name string   `json:"name"`
				Kind []string `json:"kind"`
			} `json:"targets"`
		} `json:"packages"`
		WorkspaceRoot string `json:"workspace_root"`
	}
	if err := json.Unmarshal(out, &md); err != nil {
		return nil, fmt.Errorf("reading cargo metadata: %w", err)
	}
	cr := &crate{manifest: manifest, root: md.WorkspaceRoot}
	if cr.root == "" {
		cr.root = dir
	}
	own := -1
	for i, p := range md.Packages {
		if filepath.Clean(p.ManifestPath) == manifest {
			own = i
		}
	}
	for i, p := range md.Packages {
		if own >= 0 && i != own {
			continue
		}
		if own >= 0 {
			cr.name, cr.version = p.Name, p.Version
		}
		for _, t := range p.Targets {
			if slices.Contains(t.Kind, "bin") {
				cr.bins = append(cr.bins, t.Name)
			}
		}
	}
	slices.Sort(cr.bins)
	cr.bins = slices.Compact(cr.bins)
	return cr, nil
}

// pickBin chooses the binary: the one asked for, or the crate's only one.
func pickBin(cr *crate, want string) (string, error) {
	switch {
	case len(cr.bins) == 0:
		return "", fmt.Errorf("the crate has no binary target (a library only?)")
	case want != "":
		if !slices.Contains(cr.bins, want) {
			return "", fmt.Errorf("--bin %s: the crate's binaries are %s", want, strings.Join(cr.bins, ", "))
		}
		return want, nil
	case len(cr.bins) > 1:
		return "", fmt.Errorf("the crate has several binaries (%s): choose one with --bin", strings.Join(cr.bins, ", "))
	}
	return cr.bins[0], nil
}

// rustcInfo asks the rustc cargo will use (rustup's choice for the
// crate's directory) for its host target, release and sysroot.
func rustcInfo(ctx context.Context, pathDir, dir string, env []string) (host, release, sysroot string, err error) {
	rustc := os.Getenv("RUSTC")
	if rustc == "" {
		rustc = "rustc"
		if pathDir != "" {
			rustc = filepath.Join(pathDir, "rustc")
		}
	}
	q := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, rustc, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.Output()
		if err != nil {
			return "", fmt.Errorf("%w: %s %s: %v", ErrToolchain, rustc, strings.Join(args, " "), err)
		}
		return strings.TrimSpace(string(out)), nil
	}
	vv, err := q("-vV")
	if err != nil {
		return "", "", "", err
	}
	for _, l := range strings.Split(vv, "\n") {
		if v, ok := strings.CutPrefix(l, "host: "); ok {
			host = v
		}
		if v, ok := strings.CutPrefix(l, "release: "); ok {
			release = v
		}
	}
	if host == "" {
		return "", "", "", fmt.Errorf("%s -vV names no host target", rustc)
	}
	if !strings.Contains(host, "-linux-") {
		return "", "", "", fmt.Errorf("rustc's host target is %s: diet builds Linux programs on Linux", host)
	}
	sysroot, err = q("--print", "sysroot")
	return host, release, sysroot, err
}
