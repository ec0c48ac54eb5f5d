package slim

import (
	"fmt"
	"path"
	"strings"

	"github.com/dietimg/diet/internal/closure"
	"github.com/dietimg/diet/internal/elfinfo"
	"github.com/dietimg/diet/internal/inspect"
	"github.com/dietimg/diet/internal/reach"
	"github.com/dietimg/diet/internal/rootfs"
	"github.com/dietimg/diet/internal/why"
)

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
