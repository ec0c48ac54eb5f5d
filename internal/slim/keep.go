package slim

import (
	"errors"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/dietimg/diet/internal/closure"
	"github.com/dietimg/diet/internal/dpkg"
	"github.com/dietimg/diet/internal/elfinfo"
	"github.com/dietimg/diet/internal/inspect"
	"github.com/dietimg/diet/internal/rootfs"
	"github.com/dietimg/diet/internal/trace"
)

// Kinds of reasons a file is kept.
const (
	ReasonStatic = "static" // the program, its interpreters and libraries, evidence of system files
	ReasonTrace  = "trace"  // the program used it while probed
	ReasonRule   = "rule"   // a keep rule, the user and group databases, a parent directory
)

// Reason says why a path was kept.
type Reason struct {
	Kind   string `json:"kind"`
	Detail string `json:"detail,omitempty"`
}

// keeper builds the keep-set over the original tree.
type keeper struct {
	t        *tree
	fsys     rootfs.FS
	kept     map[string]Reason
	excludes []string
	excluded map[string]bool // used paths that an exclude cut
}

func newKeeper(t *tree, fsys rootfs.FS, excludes []string) *keeper {
	return &keeper{t: t, fsys: fsys, kept: map[string]Reason{}, excludes: excludes, excluded: map[string]bool{}}
}

func (k *keeper) isExcluded(p string) bool {
	for _, e := range k.excludes {
		if matches(e, p) {
			return true
		}
	}
	return false
}

// add keeps the path p as a program would reach it: every symlink on the
// way, the file it names, and their parent directories. It reports
// whether p exists in the tree.
func (k *keeper) add(p string, r Reason) bool {
	res, err := rootfs.Resolve(k.fsys, p)
	if err != nil {
		return false
	}
	for _, l := range res.Links {
		k.one(l, r)
	}
	k.one(res.Path, r)
	return true
}

// one keeps the single path p (no symlink resolution) and its parents.
func (k *keeper) one(p string, r Reason) {
	if p == "/" {
		return
	}
	if _, ok := k.t.nodes[p]; !ok {
		return
	}
	if k.isExcluded(p) {
		k.excluded[p] = true
		return
	}
	if _, ok := k.kept[p]; !ok {
		k.kept[p] = r
	}
	for d := path.Dir(p); d != "/"; d = path.Dir(d) {
		if _, ok := k.kept[d]; ok {
			break
		}
		if k.isExcluded(d) {
			k.excluded[d] = true
			break
		}
		k.kept[d] = Reason{Kind: ReasonRule, Detail: "parent directory"}
	}
}

// pseudo are the trees a runtime provides; what the program did there
// says nothing about the image.
var pseudo = []string{"/proc", "/sys", "/dev", sensorDir, recordDir}

func isPseudo(p string) bool {
	for _, d := range pseudo {
		if p == d || strings.HasPrefix(p, d+"/") {
			return true
		}
	}
	return false
}

// addTrace keeps what the traced runs used: every path that exists in the
// tree, whether the call succeeded or not, and the directories the
// program created, renamed or removed files in.
func (k *keeper) addTrace(events []trace.Event) {
	for _, e := range events {
		if isPseudo(e.Path) || e.Path == "/" {
			continue
		}
		r := Reason{Kind: ReasonTrace, Detail: string(e.Op)}
		switch e.Op {
		case trace.OpCreate, trace.OpRemove:
			k.add(path.Dir(e.Path), Reason{Kind: ReasonTrace, Detail: "directory written into"})
			k.add(e.Path, r)
		default:
			k.add(e.Path, r)
		}
	}
}

// addProgram keeps a program's static closure: itself, its #!
// interpreters, loader, libraries and the symlinks to them, the libraries
// its .note.dlopen names, and the system files its code shows it needs.
// It returns the report, nil when the program is not in the tree.
func (k *keeper) addProgram(res *closure.Resolver, name string, by string) (*inspect.Report, error) {
	rep, err := inspect.Inspect(res, name)
	if err != nil && rep == nil {
		return nil, err
	}
	for _, f := range rep.Files() {
		detail := f.Reason.Kind
		if f.Reason.By != "" {
			detail += " of " + f.Reason.By
		} else if by != "" {
			detail += " (" + by + ")"
		}
		// Inspect lists the symlinks and real paths itself, each with
		// its own reason.
		k.one(f.Path, Reason{Kind: ReasonStatic, Detail: detail})
	}
	var elves []*elfinfo.File
	for r := rep; r != nil; r = r.Interpreter {
		if r.ELF != nil {
			elves = append(elves, r.ELF)
		}
		if r.Closure != nil {
			for _, o := range r.Closure.Objects {
				if o.File != nil {
					elves = append(elves, o.File)
				}
			}
		}
	}
	seen := map[string]bool{}
	for _, f := range elves {
		for _, d := range f.Dlopen {
			for _, so := range d.Sonames {
				if seen[so] {
					continue
				}
				seen[so] = true
				if lib := k.findLib(so); lib != "" {
					k.addProgram(res, lib, "dlopen "+so)
				}
			}
		}
		for _, n := range f.Needs {
			k.addNeed(n.Kind)
		}
	}
	return rep, err
}

// libDirs are where a dlopen'ed soname is looked for: glibc's default
// directories on Debian and elsewhere.
var libDirs = []string{"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib", "/usr/local/lib"}

func (k *keeper) findLib(soname string) string {
	for _, d := range libDirs {
		p := path.Join(d, soname)
		if _, err := rootfs.Resolve(k.fsys, p); err == nil {
			return p
		}
	}
	return ""
}

// addNeed keeps the system files a kind of evidence asks for, where the
// image has them: the same rules as diet build, applied to the image's
// own files.
func (k *keeper) addNeed(kind string) {
	r := Reason{Kind: ReasonStatic, Detail: "evidence: " + kind}
	switch kind {
	case elfinfo.NeedCertificates:
		for _, p := range []string{"/etc/ssl/certs/ca-certificates.crt", "/etc/ssl/openssl.cnf", "/usr/lib/ssl/openssl.cnf", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"} {
			k.add(p, r)
		}
	case elfinfo.NeedTimezone:
		for _, p := range []string{"/etc/localtime", "/etc/timezone", "/usr/share/zoneinfo/UTC", "/usr/share/zoneinfo/Etc/UTC"} {
			k.add(p, r)
		}
	case elfinfo.NeedNSS:
		for _, p := range []string{"/etc/passwd", "/etc/group", "/etc/nsswitch.conf"} {
			k.add(p, r)
		}
	case elfinfo.NeedDNS:
		for _, p := range []string{"/etc/nsswitch.conf", "/etc/host.conf", "/etc/gai.conf"} {
			k.add(p, r)
		}
	}
}

// addRules keeps what the keep rules name.
func (k *keeper) addRules(keep, packages []string, db *dpkg.DB) error {
	for _, pat := range keep {
		hits := k.t.match(pat)
		if len(hits) == 0 {
			return errors.New("--keep " + pat + ": matches nothing in the image")
		}
		for _, p := range hits {
			if !k.add(p, Reason{Kind: ReasonRule, Detail: "--keep " + pat}) {
				k.one(p, Reason{Kind: ReasonRule, Detail: "--keep " + pat})
			}
		}
	}
	for _, name := range packages {
		if db == nil {
			return errors.New("--keep-package " + name + ": the image has no dpkg database")
		}
		if _, ok := db.Package(name); !ok {
			return errors.New("--keep-package " + name + ": no such package is installed")
		}
		for _, p := range k.t.paths {
			if n := k.t.nodes[p]; n.Mode.IsDir() {
				continue
			}
			if pkg, ok := db.Owner(p); ok && pkg.Name == name {
				k.one(p, Reason{Kind: ReasonRule, Detail: "--keep-package " + name})
			}
		}
	}
	return nil
}

// removed lists the paths of the tree that are not kept.
func (k *keeper) removed() []string {
	var out []string
	for _, p := range k.t.paths {
		if p == "/" {
			continue
		}
		if _, ok := k.kept[p]; !ok {
			out = append(out, p)
		}
	}
	return out
}

// keptPaths lists the kept paths, sorted.
func (k *keeper) keptPaths() []string {
	out := make([]string, 0, len(k.kept))
	for p := range k.kept {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// lookPath finds a command the way execvp would, with the image's PATH,
// inside the tree.
func lookPath(fsys rootfs.FS, name string, env []string, workdir string) string {
	if strings.HasPrefix(name, "/") {
		return path.Clean(name)
	}
	if strings.Contains(name, "/") {
		return path.Join("/", workdir, name)
	}
	pathVar := "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, "PATH="); ok {
			pathVar = v
		}
	}
	for _, d := range strings.Split(pathVar, ":") {
		if d == "" || !strings.HasPrefix(d, "/") {
			continue
		}
		p := path.Join(d, name)
		res, err := rootfs.Resolve(fsys, p)
		if err != nil {
			continue
		}
		if fi, err := fs.Stat(fsys, rootfs.Rel(res.Path)); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}
