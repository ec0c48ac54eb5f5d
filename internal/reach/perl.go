package reach

import (
	"path"
	"regexp"
	"strings"
	"sync"

	"github.com/dietimg/diet/internal/rootfs"
	"github.com/dietimg/diet/internal/why"
)

// perl reads the Perl scripts and modules of one image: the modules they
// use and require, found in the @INC of the image's own perl, with their
// XS objects and autoloaded subs.
type perl struct {
	img  *Image
	once sync.Once
	inc  []string // PERL5LIB, then the image perl's directories
	sys  []string // the image perl's directories: its library, not the application's
}

// newPerl reads the Perl files of img.
func newPerl(img *Image) Language { return &perl{img: img} }

// Claims takes modules (.pm), scripts whose #! names perl, and .pl and .t
// files without a #! line.
func (pl *perl) Claims(p string, head []byte) bool {
	if strings.HasSuffix(p, ".pm") {
		return true
	}
	if name := shebang(head); name != "" {
		return perlName.MatchString(name)
	}
	return strings.HasSuffix(p, ".pl") || strings.HasSuffix(p, ".t")
}

// perlName matches the names perl is installed under: perl, perl5.36.0.
var perlName = regexp.MustCompile(`^perl[0-9.]*$`)

// perlDirs are where the perls of Debian, of the official perl image (and
// any perl built by hand under /usr/local) and of Alpine look for
// modules, in their @INC order.
var perlDirs = []string{
	// Debian, Ubuntu
	"/etc/perl",
	"/usr/local/lib/*-linux-gnu*/perl/5.*",
	"/usr/local/share/perl/5.*",
	"/usr/lib/*-linux-gnu*/perl5/5.*",
	"/usr/share/perl5",
	"/usr/lib/*-linux-gnu*/perl-base",
	"/usr/lib/*-linux-gnu*/perl/5.*",
	"/usr/share/perl/5.*",
	"/usr/local/lib/site_perl",
	// the official perl image, perl built from source
	"/usr/local/lib/perl5/site_perl/5.*/*-linux*",
	"/usr/local/lib/perl5/site_perl/5.*",
	"/usr/local/lib/perl5/5.*/*-linux*",
	"/usr/local/lib/perl5/5.*",
	// Alpine
	"/usr/share/perl5/core_perl",
	"/usr/lib/perl5/core_perl",
	"/usr/share/perl5/vendor_perl",
	"/usr/lib/perl5/vendor_perl",
	"/usr/share/perl5/site_perl",
	"/usr/lib/perl5/site_perl",
}

// baseINC is the image's @INC before any script adds to it, read once.
func (pl *perl) baseINC() []string {
	pl.once.Do(func() {
		lib, ok := Getenv(pl.img.Env, "PERL5LIB")
		if !ok {
			lib, _ = Getenv(pl.img.Env, "PERLLIB")
		}
		var dirs []string
		for _, d := range strings.Split(lib, ":") {
			if strings.HasPrefix(d, "/") {
				dirs = append(dirs, d)
			}
		}
		for _, pat := range perlDirs {
			pl.sys = append(pl.sys, globDirs(pl.img.FS, pat)...)
		}
		pl.inc = pl.unique(append(dirs, pl.sys...))
	})
	return pl.inc
}

// unique keeps the first of the directories that are one directory:
// /usr/share/perl/5.36 and its target 5.36.0 both match 5.*.
func (pl *perl) unique(dirs []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, d := range dirs {
		d = path.Clean(d)
		res, err := rootfs.Resolve(pl.img.FS, d)
		if err != nil || seen[res.Path] || !isDir(pl.img.FS, d) {
			continue
		}
		seen[res.Path] = true
		out = append(out, d)
	}
	return out
}

// globDirs expands the * of an absolute pattern in fsys, in sorted order.
func globDirs(fsys rootfs.FS, pattern string) []string {
	cur := []string{"/"}
	for _, c := range strings.Split(strings.Trim(pattern, "/"), "/") {
		var next []string
		for _, dir := range cur {
			if !strings.ContainsAny(c, "*?[") {
				next = append(next, path.Join(dir, c))
				continue
			}
			for _, name := range readDir(fsys, dir) {
				if ok, _ := path.Match(c, name); ok {
					next = append(next, path.Join(dir, name))
				}
			}
		}
		cur = next
	}
	return cur
}

// incFor is the @INC of the file p: its use lib and #! -I directories,
// the library root its package declarations place it in, then the
// image's.
func (pl *perl) incFor(p string, src []byte, refs *perlRefs) []string {
	var dirs []string
	for _, l := range refs.libs {
		dirs = append(dirs, pl.dirsOf(p, l)...)
	}
	if name := shebang(src); name != "" {
		line, _, _ := strings.Cut(string(src[:min(len(src), headSize)]), "\n")
		for _, a := range strings.Fields(line)[1:] {
			if d, ok := strings.CutPrefix(a, "-I"); ok && d != "" {
				dirs = append(dirs, pl.dirsOf(p, d)...)
			}
		}
	}
	for _, pkg := range refs.pkgs {
		// lib/My/Mod.pm declaring My::Mod loads its siblings from lib
		if root, ok := strings.CutSuffix(p, "/"+strings.ReplaceAll(pkg, "::", "/")+".pm"); ok && root != "" {
			dirs = append(dirs, root)
		}
	}
	return pl.unique(append(dirs, pl.baseINC()...))
}

// dirsOf is where a use lib directory may be: FindBin's directory is the
// script's; a relative one is relative to a working directory reach
// cannot know, the image's or else the script's own.
func (pl *perl) dirsOf(p, dir string) []string {
	dir = strings.ReplaceAll(dir, string(scriptDirMark), path.Dir(p))
	if strings.HasPrefix(dir, "/") {
		return []string{dir}
	}
	var out []string
	if wd := pl.img.WorkingDir; wd != "" {
		out = append(out, path.Join("/", wd, dir))
	}
	return append(out, path.Join(path.Dir(p), dir))
}

// Reach returns the modules the file p loads that the image has, with
// their XS objects and autoloaded subs. Perl cannot be parsed short of
// running perl, so a file is read as well as it can be and never fails.
func (pl *perl) Reach(p string, src []byte) ([]Found, error) {
	refs := &perlRefs{}
	refs.scan(src, 0)
	inc := pl.incFor(p, src, refs)
	var out []Found
	seen := map[string]bool{}
	add := func(f Found) {
		if !seen[f.Path] {
			seen[f.Path] = true
			out = append(out, f)
		}
	}
	// A module of perl's own library loads what the require statements
	// of its subs name when they are called (JSON::PP's Math::BigInt for
	// big numbers), as a Python module's imports in functions: the
	// application's are followed, the library's are not, or most of it
	// would be kept. Requires at a file's top or in BEGIN blocks are
	// followed everywhere: they run when the file loads.
	lib := pl.inLibrary(p)
	for _, r := range refs.mods {
		if lib && r.runtime {
			continue
		}
		reason := why.Reason{Kind: why.Use, By: p, Detail: r.name}
		if r.file {
			if f := pl.findFile(p, r.name, inc); f != "" {
				add(Found{Path: f, As: File, Reason: reason})
			}
			continue
		}
		rel := strings.ReplaceAll(r.name, "::", "/")
		for _, dir := range inc {
			if f := path.Join(dir, rel+".pm"); isFile(pl.img.FS, f) {
				add(Found{Path: f, As: File, Reason: reason})
				pl.auto(rel, inc, reason, add)
				break
			}
		}
	}
	return out, nil
}

// inLibrary reports a file of the image perl's own directories.
func (pl *perl) inLibrary(p string) bool {
	pl.baseINC()
	for _, d := range pl.sys {
		if strings.HasPrefix(p, d+"/") {
			return true
		}
	}
	return false
}

// findFile finds the file of require "file" as perl does: an absolute
// or ./ path as it is, any other through @INC.
func (pl *perl) findFile(p, name string, inc []string) string {
	var cands []string
	switch {
	case strings.HasPrefix(name, "/"):
		cands = []string{name}
	case strings.HasPrefix(name, "./") || strings.HasPrefix(name, "../"):
		cands = pl.dirsOf(p, name)
	default:
		for _, dir := range inc {
			cands = append(cands, path.Join(dir, name))
		}
	}
	for _, c := range cands {
		if c = path.Clean(c); isFile(pl.img.FS, c) {
			return c
		}
	}
	return ""
}

// auto adds what XSLoader, DynaLoader and AutoLoader load for the module
// whose path is rel (Foo/Bar): auto/Foo/Bar/Bar.so, its .bs, the
// autosplit index and .al subs, each the first @INC has, as perl looks
// each up in turn.
func (pl *perl) auto(rel string, inc []string, reason why.Reason, add func(Found)) {
	base := path.Base(rel)
	have := map[string]bool{}
	for _, dir := range inc {
		ad := path.Join(dir, "auto", rel)
		for _, name := range readDir(pl.img.FS, ad) {
			if have[name] {
				continue
			}
			as := File
			switch {
			case name == base+".so":
				as = Program
			case name == base+".bs" || name == "autosplit.ix" || strings.HasSuffix(name, ".al"):
			default:
				continue
			}
			if f := path.Join(ad, name); isFile(pl.img.FS, f) {
				have[name] = true
				add(Found{Path: f, As: as, Reason: reason})
			}
		}
	}
}
