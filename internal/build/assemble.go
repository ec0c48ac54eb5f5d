package build

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"testing/fstest"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/sys/unix"

	"github.com/dietimg/diet/internal/closure"
	"github.com/dietimg/diet/internal/dpkg"
	"github.com/dietimg/diet/internal/elfinfo"
	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/inspect"
	"github.com/dietimg/diet/internal/layer"
	"github.com/dietimg/diet/internal/report"
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
		if err := set.add(entry{f.Entry, why.Reason{Kind: why.SystemFile, Detail: f.Reason}, ""}); err != nil {
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

// checkPlatform compares the program's machine with the asked platform,
// and returns the platform to use.
func checkPlatform(src string, rep *inspect.Report, plat *v1.Platform) (*v1.Platform, error) {
	var f *elfinfo.File
	for r := rep; r != nil && f == nil; r = r.Interpreter {
		if r.EnvProgram != nil && r.EnvProgram.ELF != nil {
			f = r.EnvProgram.ELF
		}
		if r.ELF != nil {
			f = r.ELF
		}
	}
	if f == nil {
		if plat == nil {
			p := hostPlatform()
			return &p, nil
		}
		return plat, nil
	}
	arch, variant := f.GoArch()
	if plat == nil {
		return &v1.Platform{OS: "linux", Architecture: arch, Variant: variant}, nil
	}
	if plat.Architecture != arch {
		return nil, fmt.Errorf("%w: %s is a %s %s program, --platform asks for %s", ErrPlatform, src, f.Class, f.Machine, plat.String())
	}
	if plat.Variant == "" && arch == "arm" && variant != "" {
		// linux/arm alone says nothing of the CPU: the build attributes do.
		p := *plat
		p.Variant = variant
		return &p, nil
	}
	return plat, nil
}

// missingOf lists what the program's loaders would not find, with who
// needs it, each once.
func missingOf(rep *inspect.Report) []closure.Missing {
	var out []closure.Missing
	seen := map[string]bool{}
	var walk func(r *inspect.Report)
	walk = func(r *inspect.Report) {
		if r == nil {
			return
		}
		if r.Closure != nil {
			for _, m := range r.Closure.Missing {
				if m.Optional {
					continue // the program works without it
				}
				if s := m.String(); !seen[s] {
					seen[s] = true
					out = append(out, m)
				}
			}
		}
		walk(r.Interpreter)
		walk(r.EnvProgram)
	}
	walk(rep)
	return out
}

// needsOf gathers the evidence of system-file needs from the program, its
// libraries and its interpreters. Evidence found in a library says which.
func needsOf(rep *inspect.Report) []elfinfo.Need {
	var out []elfinfo.Need
	seen := map[elfinfo.Need]bool{}
	add := func(n elfinfo.Need, in string) {
		if in != "" {
			n.Evidence = in + ": " + n.Evidence
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	var walk func(r *inspect.Report, top bool)
	walk = func(r *inspect.Report, top bool) {
		if r == nil {
			return
		}
		if r.ELF != nil {
			in := ""
			if !top {
				in = path.Base(r.Realpath)
			}
			for _, n := range r.ELF.Needs {
				add(n, in)
			}
		}
		if r.Closure != nil {
			for _, o := range r.Closure.Objects {
				if o.File == nil {
					continue
				}
				for _, n := range o.File.Needs {
					add(n, path.Base(o.Realpath))
				}
			}
		}
		walk(r.Interpreter, false)
		walk(r.EnvProgram, false)
	}
	walk(rep, true)
	return out
}

func checkAdd(adds []string) error {
	for _, a := range adds {
		src, dst, ok := strings.Cut(a, ":")
		if !ok || src == "" || dst == "" {
			return fmt.Errorf("--add %q: want SRC:DST", a)
		}
		if !path.IsAbs(dst) {
			return fmt.Errorf("--add %q: DST must be an absolute path in the image", a)
		}
		if _, err := os.Lstat(src); err != nil {
			return fmt.Errorf("--add %q: %w", a, unwrap(err))
		}
	}
	return nil
}

// addHost adds a host file or directory tree (SRC:DST).
func addHost(set entrySet, spec string) error {
	src, dst, _ := strings.Cut(spec, ":")
	dst = path.Clean(dst)
	reason := why.Reason{Kind: why.Added, Detail: src}
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("--add %s: %w", spec, err)
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := path.Join(dst, filepath.ToSlash(rel))
		fi, err := os.Lstat(p)
		if err != nil {
			return fmt.Errorf("--add %s: %w", spec, err)
		}
		switch {
		case fi.IsDir():
			return set.add(entry{layer.Entry{Path: target, Mode: fs.ModeDir | 0o755}, reason, ""})
		case fi.Mode()&fs.ModeSymlink != 0:
			l, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return set.add(entry{layer.Entry{Path: target, Mode: fs.ModeSymlink | 0o777, Link: l}, reason, ""})
		case fi.Mode().IsRegular():
			e := layer.Entry{Path: target, Mode: normalMode(fi.Mode()), Source: p}
			if c, ok := fileCapability(p); ok {
				e.Xattrs = map[string]string{capabilityXattr: c}
			}
			return set.add(entry{e, reason, ""})
		}
		return fmt.Errorf("--add %s: %s is not a file, directory or symlink", spec, p)
	})
}

// capabilityXattr holds a file's capabilities (setcap).
const capabilityXattr = "security.capability"

// fileCapability reads the capabilities of a host file added with --add,
// which the image keeps: a server given cap_net_bind_service=+ep must
// still bind its port as an ordinary user. Other extended attributes of
// the build machine (security.selinux labels) are left out, so that they
// do not change the image.
func fileCapability(p string) (string, bool) {
	buf := make([]byte, 64)
	n, err := unix.Lgetxattr(p, capabilityXattr, buf)
	if err != nil || n == 0 {
		return "", false
	}
	return string(buf[:n]), true
}

// makeImage writes the layer and the image config.
func makeImage(opts Options, prog *program, set entrySet, sysEnv []string, owners map[string]*dpkg.Package, base v1.Image, plat v1.Platform) (*PlatformImage, error) {
	fl, err := listFiles(set, owners)
	if err != nil {
		return nil, err
	}
	l, err := buildLayer(fl, opts, plat)
	if err != nil {
		return nil, err
	}
	img, err := imageOf(l, len(fl.files), opts, prog, sysEnv, base, plat)
	if err != nil {
		return nil, err
	}
	pi := &PlatformImage{Platform: plat, Files: fl.files, Image: img, packages: fl.packages}
	if pi.Digest, err = img.Digest(); err != nil {
		return nil, err
	}
	if pi.Size.Size, err = report.SizeOf(img); err != nil {
		return nil, err
	}
	pi.Size.Files = fl.size
	return pi, nil
}

// fileList is the layer's entries with the report's file list.
type fileList struct {
	entries  []layer.Entry
	files    []File // by path
	size     int64  // of the regular files
	packages map[string]*dpkg.Package
}

// listFiles makes the layer's entries and the report's file list of set,
// with each file's checksums and Debian package (owners, by origin).
func listFiles(set entrySet, owners map[string]*dpkg.Package) (*fileList, error) {
	fl := &fileList{packages: map[string]*dpkg.Package{}}
	for _, e := range set {
		fl.entries = append(fl.entries, e.Entry)
		f := File{Path: e.Path, Type: layer.Kind(e.Mode), Reason: e.reason.String(), Kind: e.reason.Kind, Mode: fmt.Sprintf("%04o", layer.TarMode(e.Mode))}
		switch f.Type {
		case "symlink":
			f.Link = e.Link
		case "file":
			var err error
			if f.Size, f.SHA256, f.sha1, err = sums(e.Entry); err != nil {
				return nil, err
			}
			fl.size += f.Size
		}
		if e.origin != "" {
			if p, ok := owners[e.origin]; ok {
				f.Package = p.Name
				fl.packages[p.Name] = p
			}
		}
		fl.files = append(fl.files, f)
	}
	sort.Slice(fl.files, func(i, j int) bool { return fl.files[i].Path < fl.files[j].Path })
	return fl, nil
}

// buildLayer writes the layer, with a progress bar when it is long.
func buildLayer(fl *fileList, opts Options, plat v1.Platform) (v1.Layer, error) {
	lo := layer.Options{Epoch: opts.Epoch, Compression: opts.Compression}
	var bar *image.Bar
	if opts.Progress != nil && fl.size > longCompression {
		bar = image.NewBar(opts.Progress, "compressing "+plat.String())
		lo.Progress = bar.Update
	}
	l, err := layer.Build(fl.entries, lo)
	bar.Done()
	return l, err
}

// imageOf puts the layer of nfiles files on the base (an empty OCI image
// without one) under the program's config and annotations.
func imageOf(l v1.Layer, nfiles int, opts Options, prog *program, sysEnv []string, base v1.Image, plat v1.Platform) (v1.Image, error) {
	add := mutate.Addendum{
		Layer: l,
		History: v1.History{
			Created:   v1.Time{Time: opts.Epoch},
			CreatedBy: "diet build " + prog.name,
			Comment:   fmt.Sprintf("%d files: the program, its closure and system files", nfiles),
		},
	}
	if base != nil {
		if mt, _ := base.MediaType(); mt == types.DockerManifestSchema2 && (opts.Compression == "" || opts.Compression == layer.Gzip) {
			add.MediaType = types.DockerLayer
		}
	}
	img, err := image.Append(base, add, func(cf *v1.ConfigFile) error {
		return configure(cf, opts, prog, sysEnv, plat)
	})
	if err != nil {
		return nil, err
	}
	if ann := annotations(opts, prog, base); len(ann) > 0 {
		img = mutate.Annotations(img, ann).(v1.Image)
	}
	return img, nil
}

// sums reads a file entry's content for its size and checksums, without
// holding it in memory.
func sums(e layer.Entry) (size int64, sha256Hex, sha1Hex string, err error) {
	r, _, err := e.Contents()
	if err != nil {
		return 0, "", "", err
	}
	defer r.Close()
	s, err := sbom.Checksums(r)
	if err != nil {
		return 0, "", "", fmt.Errorf("reading %s: %w", e.Path, err)
	}
	return s.Size, s.SHA256, s.SHA1, nil
}

// longCompression is the layer size above which compressing shows a
// progress bar.
const longCompression = 64 << 20
