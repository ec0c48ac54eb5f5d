// Package reach finds what kept code can reach, statically: the modules a
// Python file imports, the files a Node.js module requires, the commands
// a shell script runs, the Perl modules a script uses, the jars of a Java
// class path, the document roots a web server's configuration names, and
// the application's own directory. A trace sees one path through a
// program; reach adds the others, so that a slim image keeps working on
// the requests its probes never made.
//
// Nothing is executed: every fact comes from the image's files, read
// through a rootfs.FS (the interpreter's version and search paths from
// the tree, the image's PATH from its config), so the same code serves
// Debian, Alpine and hand-built trees. A language is one file: a
// constructor in languages, and a type that implements Language.
package reach

import (
	"bytes"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/dietimg/diet/internal/elfinfo"
	"github.com/dietimg/diet/internal/rootfs"
	"github.com/dietimg/diet/internal/why"
)

// Image is what the languages know of the image.
type Image struct {
	FS rootfs.FS
	// Env, WorkingDir and Argv (entrypoint then command) are the image
	// config's.
	Env        []string
	WorkingDir string
	Argv       []string
	// Packaged reports whether an installed package lists a directory
	// (the dpkg database); nil when the image has none.
	Packaged func(path string) bool
}

// As says how a Found is kept.
type As int

const (
	// File keeps the path and the symlinks on its way.
	File As = iota
	// Program keeps an executable or a shared object with its ELF
	// closure and #! interpreter.
	Program
	// Tree keeps a directory whole.
	Tree
)

// Found is one thing the code reaches.
type Found struct {
	// Path is absolute, as the code names it (symlinks unresolved).
	Path   string
	As     As
	Reason why.Reason
}

// Language reads one kind of file.
type Language interface {
	// Claims reports whether the file p, whose first bytes are head, is
	// this language's to read.
	Claims(p string, head []byte) bool
	// Reach returns what the file p, whose contents are src, reaches.
	// An error means src does not parse; the file is skipped.
	Reach(p string, src []byte) ([]Found, error)
}

// rooter is a Language that reaches something from the image's config
// alone, before any file is read (a Java class path on the command line).
type rooter interface {
	Roots() []Found
}

// languages make each language for one image. Adding a language is one
// entry here and one file.
var languages = []func(*Image) Language{
	newPython, newNode, newShell, newPerl, newRuby, newJava, newWebConf, newByName,
}

// headSize is how much of a file Claims sees.
const headSize = 512

// maxSource bounds the files read whole: larger ones are data or
// bundles, not code to scan.
const maxSource = 8 << 20

// Reacher reaches from the files of one image.
type Reacher struct {
	img   *Image
	langs []Language
}

// New makes the languages for img.
func New(img *Image) *Reacher {
	r := &Reacher{img: img}
	for _, mk := range languages {
		r.langs = append(r.langs, mk(img))
	}
	return r
}

// Roots returns what the image reaches before any file is read: its
// application directory, and what the languages find in its config.
func (r *Reacher) Roots() []Found {
	var out []Found
	if f, ok := appDir(r.img); ok {
		out = append(out, f)
	}
	for _, l := range r.langs {
		if ro, ok := l.(rooter); ok {
			out = append(out, ro.Roots()...)
		}
	}
	return out
}

// finds gathers the Founds of one file's Reach, each path once, with
// the first reason found for it.
type finds struct {
	by    string
	seen  map[string]bool
	found []Found
}

// newFinds gathers for the file by, which never finds itself.
func newFinds(by string) *finds { return &finds{by: by, seen: map[string]bool{by: true}} }

func (o *finds) add(p string, as As, kind why.Kind, detail string) {
	if o.seen[p] {
		return
	}
	o.seen[p] = true
	o.found = append(o.found, Found{Path: p, As: as, Reason: why.Reason{Kind: kind, By: o.by, Detail: detail}})
}

// Skipped is a file a language claimed but could not read.
type Skipped struct {
	Path string `json:"path"`
	Err  string `json:"error"`
}

// Scan returns what the regular file p reaches, for every language that
// claims it; a Skipped when a claimed file does not parse.
func (r *Reacher) Scan(p string) ([]Found, *Skipped) {
	f, err := r.img.FS.Open(rootfs.Rel(p))
	if err != nil {
		return nil, nil
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() || fi.Size() > maxSource {
		return nil, nil
	}
	head := make([]byte, headSize)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	var claim []Language
	for _, l := range r.langs {
		if l.Claims(p, head) {
			claim = append(claim, l)
		}
	}
	if len(claim) == 0 {
		return nil, nil
	}
	rest, err := io.ReadAll(f)
	if err != nil {
		return nil, &Skipped{Path: p, Err: err.Error()}
	}
	src := append(head, rest...)
	var out []Found
	for _, l := range claim {
		found, err := l.Reach(p, src)
		if err != nil {
			return out, &Skipped{Path: p, Err: err.Error()}
		}
		out = append(out, found...)
	}
	return out, nil
}

// systemDirs are never an application's directory, nor a document root
// kept whole: keeping one would keep the image.
var systemDirs = map[string]bool{
	"/": true, "/bin": true, "/sbin": true, "/lib": true, "/lib32": true, "/lib64": true, "/libx32": true,
	"/usr": true, "/usr/bin": true, "/usr/sbin": true, "/usr/lib": true, "/usr/lib32": true, "/usr/lib64": true,
	"/usr/libexec": true, "/usr/share": true, "/usr/local": true, "/usr/local/bin": true, "/usr/local/sbin": true,
	"/usr/local/lib": true, "/usr/local/share": true, "/etc": true, "/var": true, "/var/lib": true, "/opt": true,
	"/home": true, "/root": true, "/srv": true, "/mnt": true, "/media": true, "/tmp": true, "/run": true,
	"/var/tmp": true, "/var/cache": true, "/var/log": true, "/proc": true, "/sys": true, "/dev": true,
}

// isSystemDir reports a directory that is never kept whole by reach.
func isSystemDir(dir string) bool { return systemDirs[path.Clean(dir)] }

// appDir finds the application's own directory: the directory of the
// entry script (the first argument of the command line that is a file
// outside the system's directories) or else the WORKDIR, when it is not a
// system directory and no installed package lists it (a package's
// directory, /var/lib/redis, is the package's state, not an
// application).
func appDir(img *Image) (Found, bool) {
	ok := func(dir string) (string, bool) {
		res, err := rootfs.Resolve(img.FS, dir)
		if err != nil || systemDirs[res.Path] || systemDirs[dir] || strings.HasPrefix(res.Path, "/usr/") {
			return "", false
		}
		if fi, err := fs.Stat(img.FS, rootfs.Rel(res.Path)); err != nil || !fi.IsDir() {
			return "", false
		}
		if img.Packaged != nil && (img.Packaged(dir) || res.Path != dir && img.Packaged(res.Path)) {
			return "", false
		}
		return dir, true
	}
	for _, a := range img.Argv {
		if a == "" || strings.HasPrefix(a, "-") {
			continue
		}
		p := a
		if !strings.HasPrefix(p, "/") {
			if !strings.Contains(p, "/") && !strings.Contains(p, ".") {
				continue // a command name, found through PATH
			}
			p = path.Join("/", img.WorkingDir, p)
		}
		if fi, err := rootfs.Stat(img.FS, p); err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if dir, good := ok(path.Dir(p)); good {
			return Found{Path: dir, As: Tree, Reason: why.Reason{Kind: why.AppDir, Detail: "directory of the entry script " + p}}, true
		}
	}
	if img.WorkingDir != "" {
		if dir, good := ok(path.Clean(img.WorkingDir)); good {
			return Found{Path: dir, As: Tree, Reason: why.Reason{Kind: why.AppDir, Detail: "WORKDIR " + dir}}, true
		}
	}
	return Found{}, false
}

// Getenv is the value of key in env, and whether env sets it.
func Getenv(env []string, key string) (string, bool) {
	v, ok := "", false
	for _, e := range env {
		if s, found := strings.CutPrefix(e, key+"="); found {
			v, ok = s, true
		}
	}
	return v, ok
}

// defaultPath is the PATH of a shell whose environment sets none.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// LookPath finds the command name through the PATH list inside fsys, as
// execvp would: the first executable regular file. "" when there is none.
func LookPath(fsys rootfs.FS, name, pathList string) string {
	if name == "" {
		return ""
	}
	if strings.Contains(name, "/") {
		if isExec(fsys, name) {
			return path.Clean(name)
		}
		return ""
	}
	if pathList == "" {
		pathList = defaultPath
	}
	for _, d := range strings.Split(pathList, ":") {
		if !strings.HasPrefix(d, "/") {
			continue
		}
		if p := path.Join(d, name); isExec(fsys, p) {
			return p
		}
	}
	return ""
}

func isExec(fsys rootfs.FS, p string) bool {
	fi, err := rootfs.Stat(fsys, p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// isFile reports a regular file at p (symlinks followed in the tree).
func isFile(fsys rootfs.FS, p string) bool {
	fi, err := rootfs.Stat(fsys, p)
	return err == nil && fi.Mode().IsRegular()
}

// isDir reports a directory at p (symlinks followed in the tree).
func isDir(fsys rootfs.FS, p string) bool {
	fi, err := rootfs.Stat(fsys, p)
	return err == nil && fi.IsDir()
}

// readDir lists the names in the directory p, sorted; nil when p is not
// a directory.
func readDir(fsys rootfs.FS, p string) []string {
	res, err := rootfs.Resolve(fsys, p)
	if err != nil {
		return nil
	}
	ents, err := fs.ReadDir(fsys, rootfs.Rel(res.Path))
	if err != nil {
		return nil
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

// shebang returns the interpreter's base name of a #! line, as the
// kernel reads it (elfinfo.ParseShebang), or for "#!/usr/bin/env NAME"
// the NAME env runs; "" when head has none. A carriage return ending the
// line is dropped: the script is still that language's, even if the
// kernel would not run it.
func shebang(head []byte) string {
	interp, arg, ok := elfinfo.ParseShebang(bytes.NewReader(head))
	if !ok {
		return ""
	}
	name := path.Base(strings.TrimRight(interp, "\r"))
	if name != "env" {
		return name
	}
	for _, a := range strings.Fields(arg) {
		if !strings.HasPrefix(a, "-") && !strings.Contains(a, "=") {
			return path.Base(a)
		}
	}
	return ""
}
