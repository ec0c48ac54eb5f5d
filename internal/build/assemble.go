package build

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"runtime/debug"
	"strings"
	"testing/fstest"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dietimg/diet/internal/closure"
	"github.com/dietimg/diet/internal/dpkg"
	"github.com/dietimg/diet/internal/inspect"
	"github.com/dietimg/diet/internal/layer"
	"github.com/dietimg/diet/internal/rootfs"
	"github.com/dietimg/diet/internal/sbom"
	"github.com/dietimg/diet/internal/sysfiles"
	"github.com/dietimg/diet/internal/why"
)

// entry is a layer entry with its report line.
type entry struct {
	layer.Entry
	reason why.Reason
	origin string // path in the source root, for package ownership
}

// entrySet collects entries and refuses two different ones at one path.
type entrySet map[string]*entry

func (s entrySet) add(e entry) error {
	e.Path = path.Clean("/" + e.Path)
	if old, ok := s[e.Path]; ok {
		if old.Mode == e.Mode && old.Link == e.Link && string(old.Data) == string(e.Data) &&
			old.Source == e.Source && (old.Open == nil && e.Open == nil || old.origin != "" && old.origin == e.origin) {
			return nil
		}
		return fmt.Errorf("%s would be added twice: %s, and %s", e.Path, old.reason, e.reason)
	}
	s[e.Path] = &e
	return nil
}

// assemble inspects the program and makes its image for one platform.
func assemble(ctx context.Context, opts Options, prog *program, base v1.Image, baseFS fstest.MapFS, plat *v1.Platform) (*PlatformImage, error) {
	rep, plat, err := inspectProgram(opts, prog, base, plat)
	if err != nil {
		return nil, err
	}
	inBase := baseHas(baseFS)
	set := entrySet{}
	data, err := addProgram(set, opts.Source, prog, rep)
	if err != nil {
		return nil, err
	}
	if err := addClosure(set, prog, rep, inBase); err != nil {
		return nil, err
	}
	sys, err := sysfiles.Select(prog.fsys, needsOf(rep), opts.Sysfiles)
	if err != nil {
		return nil, err
	}
	for _, f := range sys.Files {
		if inBase(f.Path) {
			continue
		}
		if err := set.add(entry{f.Entry, f.Reason, ""}); err != nil {
			return nil, err
		}
	}
	for _, a := range opts.Add {
		if err := addHost(set, a); err != nil {
			return nil, err
		}
	}
	owners, err := packagesOf(prog.fsys, set)
	if err != nil {
		return nil, err
	}
	pi, err := makeImage(opts, prog, set, sys.Env, owners, base, *plat)
	if err != nil {
		return nil, err
	}
	pi.modules = goModules(data)
	return pi, nil
}

// inspectProgram inspects the program, says its kind, and checks its
// platform and that its loaders find what it needs (unless
// --allow-missing). It returns the report and the platform to build for.
func inspectProgram(opts Options, prog *program, base v1.Image, plat *v1.Platform) (*inspect.Report, *v1.Platform, error) {
	r := closure.New(prog.fsys, closure.Options{LDLibraryPath: opts.LDLibraryPath})
	rep, err := inspect.Inspect(r, prog.inspectPath)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", opts.Source, err)
	}
	switch rep.Kind {
	case inspect.KindELF:
		if prog.kind == "" {
			prog.kind = "elf"
		}
	case inspect.KindScript:
		prog.kind = "script"
	default:
		return nil, nil, fmt.Errorf("%s: neither an ELF executable nor a #! script", opts.Source)
	}
	if plat, err = checkPlatform(opts.Source, rep, plat); err != nil {
		return nil, nil, err
	}
	if missing := missingOf(rep); len(missing) > 0 {
		if !opts.AllowMissing {
			hint := "pass --allow-missing to build anyway"
			if base != nil && opts.Root == "" {
				hint = "pass --root / to take them from this machine, or --allow-missing to build anyway"
			}
			return nil, nil, &closure.MissingError{Root: prog.rootDesc, Missing: missing, Hint: hint}
		}
	}
	return rep, plat, nil
}

// baseHas says whether the base image's tree has a path (never, without
// a base): what the base has is not added again.
func baseHas(baseFS fstest.MapFS) func(p string) bool {
	return func(p string) bool {
		if baseFS == nil {
			return false
		}
		_, err := baseFS.Lstat(rootfs.Rel(p))
		return err == nil
	}
}

// addProgram adds the program, at its path in the image, and returns its
// content.
func addProgram(set entrySet, src string, prog *program, rep *inspect.Report) ([]byte, error) {
	data, err := fs.ReadFile(prog.fsys, rootfs.Rel(rep.Realpath))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", src, err)
	}
	origin := ""
	if prog.inRoot {
		origin = rep.Realpath
	}
	if err := set.add(entry{layer.Entry{Path: prog.installPath, Mode: 0o755, Data: data}, why.Reason{Kind: why.Program}, origin}); err != nil {
		return nil, err
	}
	return data, nil
}

// addClosure adds the files the inspection found (libraries, loaders,
// interpreters and the links to them) that the base lacks, each with its
// reason; the program itself and its own links are at its image path
// already.
func addClosure(set entrySet, prog *program, rep *inspect.Report, inBase func(string) bool) error {
	imagePath := func(p string) string {
		if p == rep.Realpath {
			return prog.installPath
		}
		return p
	}
	progLinks := map[string]bool{}
	for _, l := range rep.Links {
		progLinks[l] = true
	}
	for _, f := range rep.Files() {
		if f.Reason.Kind == why.Program || (f.Reason.Kind == why.Link && f.Reason.By == rep.Realpath && progLinks[f.Path]) {
			continue
		}
		if inBase(f.Path) {
			continue
		}
		reason := why.Reason{Kind: f.Reason.Kind, By: imagePath(f.Reason.By)}
		if f.Link != "" {
			if err := set.add(entry{layer.Entry{Path: f.Path, Mode: fs.ModeSymlink | 0o777, Link: f.Link}, reason, f.Path}); err != nil {
				return err
			}
			continue
		}
		e, err := fileEntry(prog.fsys, f.Path, reason)
		if err != nil {
			return err
		}
		if err := set.add(*e); err != nil {
			return err
		}
	}
	return nil
}

// goModules lists the Go modules a Go program was built from (its build
// information), for the SBOM: the main module, its dependencies and the
// standard library.
func goModules(program []byte) []sbom.Package {
	bi, err := buildinfo.Read(bytes.NewReader(program))
	if err != nil {
		return nil
	}
	var out []sbom.Package
	add := func(m *debug.Module) {
		if m == nil || m.Path == "" {
			return
		}
		if m.Replace != nil {
			m = m.Replace
		}
		p := sbom.Package{Name: m.Path, Version: m.Version}
		if m.Version != "" && m.Version != "(devel)" {
			p.PURL = "pkg:golang/" + m.Path + "@" + m.Version
		} else {
			p.Version = ""
		}
		out = append(out, p)
	}
	add(&bi.Main)
	for _, d := range bi.Deps {
		add(d)
	}
	if v := strings.TrimPrefix(bi.GoVersion, "go"); v != "" {
		out = append(out, sbom.Package{Name: "stdlib", Version: "go" + v, PURL: "pkg:golang/stdlib@" + v})
	}
	return out
}

// packagesOf finds the Debian packages the entries' files came from,
// when the source root has a dpkg database. Symlinks to directories (/lib
// on merged-/usr systems) belong to no package in particular.
func packagesOf(fsys rootfs.FS, set entrySet) (map[string]*dpkg.Package, error) {
	var origins []string
	for _, e := range set {
		if e.origin == "" || !packaged(e.origin) {
			continue
		}
		if e.Mode&fs.ModeSymlink != 0 {
			if fi, err := fs.Stat(fsys, rootfs.Rel(e.origin)); err != nil || fi.IsDir() {
				continue
			}
		}
		origins = append(origins, e.origin)
	}
	if len(origins) == 0 {
		return nil, nil
	}
	db, err := dpkg.Load(fsys)
	if errors.Is(err, dpkg.ErrNoDatabase) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return db.Owners(origins), nil
}

// packaged reports whether a path is where packages install files; a
// program under /tmp or /home is nobody's, and asking would read the whole
// database for nothing.
func packaged(p string) bool {
	top, _, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/")
	switch top {
	case "usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", "etc", "opt", "var":
		return true
	}
	return false
}

// fileEntry reads a regular file of the source root.
func fileEntry(fsys rootfs.FS, p string, reason why.Reason) (*entry, error) {
	fi, err := fsys.Lstat(rootfs.Rel(p))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", p, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", p)
	}
	open := func() (io.ReadCloser, error) { return fsys.Open(rootfs.Rel(p)) }
	return &entry{layer.Entry{Path: p, Mode: normalMode(fi.Mode()), Open: open, Size: fi.Size()}, reason, p}, nil
}

// normalMode keeps only whether a file is executable, so that umasks and
// odd permissions on the build machine do not change the image.
func normalMode(m fs.FileMode) fs.FileMode {
	if m&0o111 != 0 {
		return 0o755
	}
	return 0o644
}
