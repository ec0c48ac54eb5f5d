package reach

import (
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/dietimg/diet/internal/rootfs"
	"github.com/dietimg/diet/internal/why"
)

// ruby reads the Ruby scripts and libraries of one image: the files
// their require, require_relative, load and autoload statements name,
// found in the $LOAD_PATH of the image's own ruby and its gems.
type ruby struct {
	img  *Image
	once sync.Once
	path []string // RUBYLIB, ruby's directories, then every gem's lib
}

// newRuby reads the Ruby files of img.
func newRuby(img *Image) Language { return &ruby{img: img} }

// Claims takes .rb files and scripts whose #! names ruby (ruby, ruby3.1).
func (rb *ruby) Claims(p string, head []byte) bool {
	if strings.HasSuffix(p, ".rb") {
		return true
	}
	return strings.HasPrefix(shebang(head), "ruby")
}

// rubyDirs are where the rubies of Debian, of the official ruby image
// (any ruby built under /usr/local) and of Alpine look for libraries, in
// their $LOAD_PATH order: site, vendor, then ruby's own library with its
// C extensions.
var rubyDirs = []string{
	// Debian, Ubuntu
	"/usr/local/lib/site_ruby/[0-9]*",
	"/usr/local/lib/*-linux-*/site_ruby",
	"/usr/local/lib/site_ruby",
	"/usr/lib/ruby/vendor_ruby/[0-9]*",
	"/usr/lib/*-linux-*/ruby/vendor_ruby/[0-9]*",
	"/usr/lib/ruby/vendor_ruby",
	"/usr/lib/ruby/[0-9]*",
	"/usr/lib/*-linux-*/ruby/[0-9]*",
	// the official ruby image, ruby built from source
	"/usr/local/lib/ruby/site_ruby/[0-9]*",
	"/usr/local/lib/ruby/site_ruby/[0-9]*/*-linux*",
	"/usr/local/lib/ruby/site_ruby",
	"/usr/local/lib/ruby/vendor_ruby/[0-9]*",
	"/usr/local/lib/ruby/vendor_ruby/[0-9]*/*-linux*",
	"/usr/local/lib/ruby/vendor_ruby",
	"/usr/local/lib/ruby/[0-9]*",
	"/usr/local/lib/ruby/[0-9]*/*-linux*",
	// Alpine
	"/usr/lib/ruby/site_ruby/[0-9]*",
	"/usr/lib/ruby/site_ruby/[0-9]*/*-linux*",
	"/usr/lib/ruby/vendor_ruby/[0-9]*/*-linux*",
	"/usr/lib/ruby/[0-9]*/*-linux*",
}

// gemHomes are where gems are installed: each holds gems/NAME-VERSION.
var gemHomes = []string{
	"/var/lib/gems/[0-9]*",
	"/usr/share/rubygems-integration/all",
	"/usr/lib/ruby/gems/[0-9]*",
	"/usr/local/lib/ruby/gems/[0-9]*",
	"/usr/local/bundle",
	"/usr/local/bundle/ruby/[0-9]*",
}

// loadPath is the image's $LOAD_PATH, read once: RUBYLIB, ruby's
// directories, then the lib directory of every installed gem, newest
// version first, as a Gemfile.lock or gem activation would put one there.
func (rb *ruby) loadPath() []string {
	rb.once.Do(func() {
		var dirs []string
		lib, _ := Getenv(rb.img.Env, "RUBYLIB")
		dirs = append(dirs, absList(lib)...)
		for _, pat := range rubyDirs {
			dirs = append(dirs, globDirs(rb.img.FS, pat)...)
		}
		homes := slices.Clone(gemHomes)
		for _, key := range []string{"BUNDLE_PATH", "GEM_HOME", "GEM_PATH"} {
			v, _ := Getenv(rb.img.Env, key)
			for _, d := range absList(v) {
				homes = append(homes, d, d+"/ruby/[0-9]*")
			}
		}
		if wd := rb.img.WorkingDir; strings.HasPrefix(wd, "/") {
			homes = append(homes, path.Join(wd, "vendor/bundle/ruby/[0-9]*"))
		}
		for _, pat := range homes {
			for _, home := range globDirs(rb.img.FS, pat) {
				dirs = append(dirs, rb.gemLibs(home)...)
			}
		}
		rb.path = rb.unique(dirs)
	})
	return rb.path
}

// absList is the absolute directories of a colon-separated list.
func absList(list string) []string {
	var out []string
	for _, d := range strings.Split(list, ":") {
		if strings.HasPrefix(d, "/") {
			out = append(out, path.Clean(d))
		}
	}
	return out
}

// gemLibs is the lib directory of each gem under home, newest first, and
// the directories where a gem's C extensions are built
// (extensions/ARCH/ABI/NAME-VERSION).
func (rb *ruby) gemLibs(home string) []string {
	names := readDir(rb.img.FS, path.Join(home, "gems"))
	slices.SortStableFunc(names, func(a, b string) int { return -compareVersions(a, b) })
	var out []string
	for _, n := range names {
		out = append(out, path.Join(home, "gems", n, "lib"))
	}
	return append(out, globDirs(rb.img.FS, path.Join(home, "extensions/*/*/*"))...)
}

// compareVersions orders rack-2.10.0 after rack-2.9.1: runs of digits
// compare as numbers, the rest as bytes.
func compareVersions(a, b string) int {
	for a != "" && b != "" {
		da, db := digitRun(a), digitRun(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if c := len(na) - len(nb); c != 0 {
				return c
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return int(a[0]) - int(b[0])
		}
		a, b = a[1:], b[1:]
	}
	return len(a) - len(b)
}

func digitRun(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

// unique keeps the existing directories, the first of those that are
// one directory through symlinks.
func (rb *ruby) unique(dirs []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, d := range dirs {
		d = path.Clean(d)
		res, err := rootfs.Resolve(rb.img.FS, d)
		if err != nil || seen[res.Path] || !isDir(rb.img.FS, d) {
			continue
		}
		seen[res.Path] = true
		out = append(out, d)
	}
	return out
}

// Reach returns the files the file p requires that the image has: Ruby
// files, and C extensions (.so) as programs with their ELF closure.
// Requires anywhere in the file are followed, in methods and conditions
// too, since any may run.
func (rb *ruby) Reach(p string, src []byte) ([]Found, error) {
	toks, err := lexRuby(src)
	if err != nil {
		return nil, err
	}
	o := newFinds(p)
	for _, r := range rubyRequires(toks) {
		if f, as := rb.resolve(p, r); f != "" {
			o.add(f, as, why.Require, r.name)
		}
	}
	return o.found, nil
}

// resolve finds the file a statement loads, as Ruby does.
func (rb *ruby) resolve(p string, r rbRef) (string, As) {
	name := r.name
	if r.verb == "require_relative" || r.base != "" {
		dir := path.Dir(p)
		if r.base == "__FILE__" {
			dir = p // File.expand_path("../x", __FILE__) starts from the file
		}
		if f := path.Join(dir, name); r.verb == "load" {
			if isFile(rb.img.FS, f) {
				return f, File
			}
			return "", File
		}
		return rb.withExt(path.Join(dir, name))
	}
	var cands []string
	switch {
	case strings.HasPrefix(name, "/"):
		cands = []string{name}
	case strings.HasPrefix(name, "./") || strings.HasPrefix(name, "../"):
		// relative to a working directory reach cannot know: the image's,
		// or else the file's own
		if wd := rb.img.WorkingDir; wd != "" {
			cands = append(cands, path.Join("/", wd, name))
		}
		cands = append(cands, path.Join(path.Dir(p), name))
	default:
		if r.verb == "load" && rb.img.WorkingDir != "" {
			cands = append(cands, path.Join("/", rb.img.WorkingDir, name))
		}
		for _, d := range rb.loadPath() {
			cands = append(cands, path.Join(d, name))
		}
	}
	for _, c := range cands {
		if r.verb == "load" {
			if isFile(rb.img.FS, c) {
				return c, File
			}
			continue
		}
		if f, as := rb.withExt(c); f != "" {
			return f, as
		}
	}
	return "", File
}

// withExt finds base as require does: as it is when it ends in .rb or
// .so, else base.rb, then base.so.
func (rb *ruby) withExt(base string) (string, As) {
	base = path.Clean(base)
	switch {
	case strings.HasSuffix(base, ".rb"):
		if isFile(rb.img.FS, base) {
			return base, File
		}
		return "", File
	case strings.HasSuffix(base, ".so"):
		if isFile(rb.img.FS, base) {
			return base, Program
		}
		return "", File
	}
	if isFile(rb.img.FS, base+".rb") {
		return base + ".rb", File
	}
	if isFile(rb.img.FS, base+".so") {
		return base + ".so", Program
	}
	return "", File
}

// rbRef is one file a require, require_relative, load or autoload
// statement names.
type rbRef struct {
	verb, name string
	// base is "" for a name, or __dir__ or __FILE__ for a path built
	// from the file's own: File.expand_path("../lib/x", __dir__).
	base string
}

// rubyRequires finds the statements that load a file named by a literal
// string, in any block. Methods of other objects (x.require) and method
// definitions are not loads; Module#autoload is, on any receiver.
func rubyRequires(toks []rbTok) []rbRef {
	at := func(i int) rbTok {
		if i >= 0 && i < len(toks) {
			return toks[i]
		}
		return rbTok{kind: rbOp}
	}
	var out []rbRef
	for i, t := range toks {
		if t.kind != rbIdent {
			continue
		}
		switch t.val {
		case "require", "require_relative", "load", "autoload":
		default:
			continue
		}
		prev := at(i - 1)
		if prev.kind == rbIdent && (prev.val == "def" || prev.val == "alias") {
			continue
		}
		if (prev.is(".") || prev.is("&.") || prev.is("::")) && t.val != "autoload" && at(i-2).val != "Kernel" {
			continue
		}
		j := i + 1
		if at(j).is("(") {
			j++
		}
		if t.val == "autoload" {
			if c := at(j); c.kind != rbSym && c.kind != rbStr || !at(j+1).is(",") {
				continue
			}
			j += 2
		}
		if r, ok := rbArg(at, j); ok {
			r.verb = t.val
			out = append(out, r)
		}
	}
	return out
}

// rbArg reads the argument of a load at j: a literal string whole
// ('x', not 'x' + y), or a path built from the file's own directory.
func rbArg(at func(int) rbTok, j int) (rbRef, bool) {
	lit := func(t rbTok) bool { return t.kind == rbStr && !t.interp && t.val != "" }
	a := at(j)
	if a.kind == rbStr {
		if !lit(a) || rbJoined(at(j+1)) {
			return rbRef{}, false
		}
		return rbRef{name: a.val}, true
	}
	if a.kind != rbIdent || a.val != "File" || !at(j+1).is(".") {
		return rbRef{}, false
	}
	switch at(j + 2).val {
	case "expand_path":
		if !at(j+3).is("(") || !lit(at(j+4)) || !at(j+5).is(",") {
			return rbRef{}, false
		}
		if k, base, ok := rbBase(at, j+6); ok && at(k).is(")") {
			return rbRef{name: at(j + 4).val, base: base}, true
		}
	case "join":
		k, base, ok := rbBase(at, j+4)
		if !at(j+3).is("(") || !ok || base != "__dir__" {
			return rbRef{}, false
		}
		var parts []string
		for ; at(k).is(",") && lit(at(k+1)); k += 2 {
			parts = append(parts, at(k+1).val)
		}
		if at(k).is(")") && len(parts) > 0 {
			return rbRef{name: path.Join(parts...), base: base}, true
		}
	case "dirname":
		// File.dirname(__FILE__) + "/x"
		k, _, ok := rbBase(at, j)
		if s := at(k + 1); ok && at(k).is("+") && lit(s) && strings.HasPrefix(s.val, "/") && !rbJoined(at(k+2)) {
			return rbRef{name: strings.TrimPrefix(s.val, "/"), base: "__dir__"}, true
		}
	}
	return rbRef{}, false
}

// rbBase reads __dir__, __FILE__ or File.dirname(__FILE__) at j; next
// is the token after it.
func rbBase(at func(int) rbTok, j int) (next int, base string, ok bool) {
	t := at(j)
	switch {
	case t.kind == rbIdent && (t.val == "__dir__" || t.val == "__FILE__"):
		return j + 1, t.val, true
	case t.kind == rbIdent && t.val == "File" && at(j+1).is(".") && at(j+2).val == "dirname" &&
		at(j+3).is("(") && at(j+4).val == "__FILE__" && at(j+5).is(")"):
		return j + 6, "__dir__", true
	}
	return j, "", false
}

// rbJoined reports an operator that makes a string part of a larger
// expression, whose value is unknown: 'x' + y, "x/%s" % y, 'x'.sub(...).
func rbJoined(next rbTok) bool {
	if next.kind != rbOp {
		return false
	}
	switch next.val {
	case "+", "%", "*", "<", ".", "&.", "[":
		return true
	}
	return false
}
