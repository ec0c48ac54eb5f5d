package slim

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dietimg/diet/internal/closure"
	"github.com/dietimg/diet/internal/dpkg"
	"github.com/dietimg/diet/internal/elfinfo"
	"github.com/dietimg/diet/internal/inspect"
	"github.com/dietimg/diet/internal/reach"
	"github.com/dietimg/diet/internal/rootfs"
	"github.com/dietimg/diet/internal/trace"
	"github.com/dietimg/diet/internal/why"
)

// keeper builds the keep-set over the original tree.
type keeper struct {
	t        *tree
	fsys     rootfs.FS
	res      *closure.Resolver // the image's loader, for every closure
	pathDirs []string          // the image's PATH
	kept     map[string]why.Reason
	excludes []string
	excluded map[string]bool // used paths that an exclude cut
	closed   map[string]bool // real paths of ELF files whose closure is kept
	states   map[string]why.Reason
	// libDirs are the directories the loaders of the programs kept
	// search for libraries, as named and resolved (never state);
	// loaders the programs' loaders whose directories are in libDirs.
	libDirs map[string]bool
	loaders map[string]bool
}

func newKeeper(t *tree, fsys rootfs.FS, cfg *v1.ConfigFile, excludes []string) *keeper {
	env := cfg.Config.Env
	return &keeper{
		t: t, fsys: fsys,
		res:      closure.New(fsys, closure.Options{LDLibraryPath: envList(env, "LD_LIBRARY_PATH")}),
		pathDirs: envList(env, "PATH"),
		kept:     map[string]why.Reason{}, excludes: excludes, excluded: map[string]bool{},
		closed: map[string]bool{}, states: map[string]why.Reason{},
		libDirs: map[string]bool{}, loaders: map[string]bool{},
	}
}

// envList is the colon-separated list of the variable key of env, nil
// when env does not set it.
func envList(env []string, key string) []string {
	var out []string
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, key+"="); ok {
			out = strings.Split(v, ":")
		}
	}
	return out
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
func (k *keeper) add(p string, r why.Reason) bool {
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
func (k *keeper) one(p string, r why.Reason) {
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
		k.kept[d] = why.Reason{Kind: why.Rule, Detail: "parent directory"}
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
// tree, whether the call succeeded or not; every program executed, with
// its static closure (the kernel opens #! interpreters and the ELF
// loader itself, which no traced syscall shows); and, whole, the
// directories the program created, wrote, renamed or removed files in.
func (k *keeper) addTrace(events []trace.Event) {
	var execs []string
	for _, e := range events {
		if isPseudo(e.Path) || e.Path == "/" {
			continue
		}
		k.add(e.Path, why.Reason{Kind: why.Trace, Detail: string(e.Op)})
		switch {
		case e.Op == trace.OpExec && e.OK:
			execs = append(execs, e.Path)
		case (e.Op == trace.OpCreate || e.Op == trace.OpRemove || e.Op == trace.OpWrite) && e.OK:
			by := ""
			if e.By != "" {
				by = " by " + e.By
			}
			k.addState(path.Dir(e.Path), why.Reason{Kind: why.State, Detail: "files " + opVerb[e.Op] + " here" + by + " while traced"})
		}
	}
	for _, p := range execs {
		k.addProgram(p, "exec of "+p)
	}
}

var opVerb = map[trace.Op]string{trace.OpCreate: "created", trace.OpRemove: "removed", trace.OpWrite: "written"}

// systemDirs are never kept whole as state: a program that writes one
// file into /etc or /usr/bin does not keep its state there, and keeping
// them would keep the image.
var systemDirs = map[string]bool{
	"/": true, "/bin": true, "/sbin": true, "/lib": true, "/lib32": true, "/lib64": true, "/libx32": true,
	"/usr": true, "/usr/bin": true, "/usr/sbin": true, "/usr/lib": true, "/usr/lib32": true, "/usr/lib64": true,
	"/usr/libexec": true, "/usr/share": true, "/usr/local": true, "/usr/local/bin": true, "/usr/local/lib": true,
	"/usr/local/share": true, "/etc": true, "/var": true, "/var/lib": true, "/opt": true, "/home": true,
	"/root": true, "/srv": true, "/mnt": true, "/media": true,
}

// addState keeps the directory dir whole, every file under it with its
// owner and mode: a program's state (a database's data directory, a
// spool, a cache) is not code to trim. The directory is resolved as the
// program would reach it.
func (k *keeper) addState(name string, r why.Reason) {
	res, err := rootfs.Resolve(k.fsys, name)
	if err != nil {
		return
	}
	dir := res.Path
	if n := k.t.nodes[dir]; n == nil || !n.Mode.IsDir() || systemDirs[dir] || isPseudo(dir) || k.isLibDir(dir) ||
		path.Base(dir) == "__pycache__" { // a cache of compiled modules, not state: what was read of it is kept
		return
	}
	// The way the program named it: /var/lock/x is /run/lock/x through
	// the /var/lock symlink, which the slim needs as much as the directory.
	k.add(name, r)
	if _, ok := k.states[dir]; ok {
		return
	}
	k.states[dir] = r
	for _, p := range k.t.under(dir) {
		k.one(p, r)
	}
}

// isLibDir reports a directory the loader of a kept program searches for
// libraries, or a Debian multiarch library directory of any architecture
// (/usr/lib/aarch64-linux-gnu): a system directory like /usr/lib.
func (k *keeper) isLibDir(dir string) bool {
	return k.libDirs[dir] || closure.IsMultiarchDir(dir)
}

// addLibDirs notes the directories the loader of the program f searches
// for libraries (closure.SearchDirs: its ld.so.cache entries and default
// directories for f's architecture), as the loader names them and as
// they resolve in the tree.
func (k *keeper) addLibDirs(f *elfinfo.File) {
	key := fmt.Sprint(f.Interpreter, f.ELFClass, f.ELFData, f.ELFMachine, f.ELFFlags, f.Libc)
	if k.loaders[key] {
		return
	}
	k.loaders[key] = true
	for _, d := range k.res.SearchDirs(f) {
		k.libDirs[d] = true
		if res, err := rootfs.Resolve(k.fsys, d); err == nil {
			k.libDirs[res.Path] = true
		}
	}
}

// addProgram keeps a program's static closure: itself, its #!
// interpreters (their "#!/usr/bin/env NAME" found in the image's PATH),
// loader, libraries (those .note.dlopen names included) and the symlinks
// to them, and the system files its code shows it needs. by says why the
// program is there. It returns the report, nil when the program is not in
// the tree.
func (k *keeper) addProgram(name string, by string) (*inspect.Report, error) {
	rep, err := inspect.InspectPath(k.res, name, k.pathDirs)
	if err != nil && rep == nil {
		return nil, err
	}
	for _, f := range rep.Files() {
		detail := by
		if f.Reason.By != "" {
			detail = f.Reason.String()
		}
		// Inspect lists the symlinks and real paths itself, each with
		// its own reason.
		k.one(f.Path, why.Reason{Kind: why.Static, Detail: detail})
	}
	k.closeReport(rep)
	return rep, err
}

// closeReport marks the ELF files of rep, its #! interpreters and env
// programs as closed, and keeps the system files their code shows they
// need.
func (k *keeper) closeReport(r *inspect.Report) {
	if r == nil {
		return
	}
	var elves []*elfinfo.File
	if r.ELF != nil {
		elves = append(elves, r.ELF)
		k.closed[r.Realpath] = true
		k.addLibDirs(r.ELF)
	}
	if cl := r.Closure; cl != nil {
		if in := cl.Interpreter; in != nil {
			k.closed[in.Realpath] = true
		}
		for _, o := range cl.Objects {
			k.closed[o.Realpath] = true
			if o.File != nil {
				elves = append(elves, o.File)
			}
		}
	}
	for _, f := range elves {
		for _, n := range f.Needs {
			k.addNeed(n.Kind)
		}
	}
	k.closeReport(r.Interpreter)
	k.closeReport(r.EnvProgram)
}

// closeELF gives every ELF file of the keep-set whose closure is not kept
// yet (kept by --keep, --keep-package, a state directory, or opened by
// dlopen while traced) its closure, until there is none left: a library
// kept without the libraries it needs fails to load.
func (k *keeper) closeELF() {
	for {
		var todo []string
		for _, p := range k.keptPaths() {
			if n := k.t.nodes[p]; n == nil || !n.Mode.IsRegular() || k.closed[p] {
				continue
			}
			k.closed[p] = true
			if f, err := k.res.File(p); err == nil && f != nil {
				todo = append(todo, p)
			}
		}
		if len(todo) == 0 {
			return
		}
		for _, p := range todo {
			k.addProgram(p, "kept ELF file")
		}
	}
}

// addNeed keeps the system files a kind of evidence asks for, where the
// image has them: the same rules as diet build, applied to the image's
// own files.
func (k *keeper) addNeed(kind string) {
	r := why.Reason{Kind: why.Static, Detail: "evidence: " + kind}
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

// checkRules refuses keep rules that name nothing in the image: a
// misspelled --keep or --keep-package, said before any container runs.
func (k *keeper) checkRules(keep, packages []string, db *dpkg.DB) error {
	for _, pat := range keep {
		if len(k.t.match(pat)) == 0 {
			return errors.New("--keep " + pat + ": matches nothing in the image")
		}
	}
	for _, name := range packages {
		if db == nil {
			return errors.New("--keep-package " + name + ": the image has no dpkg database")
		}
		if _, ok := db.Package(name); !ok {
			msg := "--keep-package " + name + ": no such package is installed"
			if near := nearPackages(db, name); len(near) > 0 {
				msg += " (installed: " + strings.Join(near, ", ") + ")"
			}
			return errors.New(msg)
		}
	}
	return nil
}

// nearPackages names up to three installed packages that share the
// longest prefix with name, for a misspelled --keep-package.
func nearPackages(db *dpkg.DB, name string) []string {
	best, out := 0, []string(nil)
	for _, p := range db.Packages {
		n := 0
		for n < len(name) && n < len(p.Name) && name[n] == p.Name[n] {
			n++
		}
		switch {
		case n < 3 || n < best:
		case n > best:
			best, out = n, []string{p.Name}
		case len(out) < 3:
			out = append(out, p.Name)
		}
	}
	return out
}

// addRules keeps what the keep rules name (checked by checkRules).
func (k *keeper) addRules(keep, packages []string, db *dpkg.DB) {
	for _, pat := range keep {
		for _, p := range k.t.match(pat) {
			if !k.add(p, why.Reason{Kind: why.Rule, Detail: "--keep " + pat}) {
				k.one(p, why.Reason{Kind: why.Rule, Detail: "--keep " + pat})
			}
		}
	}
	for _, name := range packages {
		for _, p := range k.t.paths {
			if n := k.t.nodes[p]; n.Mode.IsDir() {
				continue
			}
			if pkg, ok := db.Owner(p); ok && pkg.Name == name {
				k.one(p, why.Reason{Kind: why.Rule, Detail: "--keep-package " + name})
			}
		}
	}
}

// StateDir is a directory kept whole, with every file under it.
type StateDir struct {
	Dir    string     `json:"dir"`
	Reason why.Reason `json:"reason"`
	Files  int        `json:"files"` // regular files under it
}

func (k *keeper) stateDirs() []StateDir {
	var out []StateDir
	for d, r := range k.states {
		sd := StateDir{Dir: d, Reason: r}
		for _, p := range k.t.under(d) {
			if k.t.nodes[p].Mode.IsRegular() {
				sd.Files++
			}
		}
		out = append(out, sd)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Dir < out[j].Dir })
	return out
}

// PartialDir is a directory whose files the traced program loaded some
// of, while others were cut.
type PartialDir struct {
	Dir    string `json:"dir"`
	Loaded int    `json:"loaded"` // regular files in it the program opened
	Files  int    `json:"files"`  // regular files in it in the original
	Cut    int    `json:"cut"`
	Keep   string `json:"keep"` // the flag that keeps the rest
	// ByName is the entry of the table of what programs load by name
	// that kept files here, when one did: it kept what it judged the
	// program can be asked for, and covers the directory no further.
	ByName string `json:"by_name,omitempty"`
}

// partialDirs lists, most cut first, the directories the program opened
// files of while others of theirs were cut: where modules and data are
// loaded on demand, a trace sees only what the probes asked for.
func (k *keeper) partialDirs() []PartialDir {
	loaded := map[string]int{}
	for p, r := range k.kept {
		if r.Kind == why.Trace && r.Detail == string(trace.OpOpen) && k.t.nodes[p].Mode.IsRegular() {
			loaded[path.Dir(p)]++
		}
	}
	var out []PartialDir
	for d, n := range loaded {
		pd := PartialDir{Dir: d, Loaded: n, Keep: "--keep " + d}
		for _, p := range k.t.under(d) {
			if path.Dir(p) != d || !k.t.nodes[p].Mode.IsRegular() {
				continue
			}
			pd.Files++
			r, ok := k.kept[p]
			if !ok {
				pd.Cut++
			}
			if by, found := strings.CutPrefix(r.Detail, "by name: "); found && r.Kind == why.Data && pd.ByName == "" {
				pd.ByName = by
			}
		}
		if pd.Cut > 0 {
			out = append(out, pd)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Cut != out[j].Cut {
			return out[i].Cut > out[j].Cut
		}
		return out[i].Dir < out[j].Dir
	})
	return out
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
	pathVar, ok := reach.Getenv(env, "PATH")
	if ok && pathVar == "" {
		return "" // an empty PATH finds nothing; an unset one is the default
	}
	return reach.LookPath(fsys, name, pathVar)
}
