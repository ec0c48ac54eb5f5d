package closure

import (
	"fmt"
	"path"
	"strings"

	"github.com/dietimg/diet/internal/rootfs"
)

// searchGlibc finds name, needed by n, in glibc's order (elf/dl-load.c,
// _dl_map_object): DT_RPATH of n and of the objects that loaded it up to
// the program, unless n has a DT_RUNPATH; LD_LIBRARY_PATH; n's own
// DT_RUNPATH; /etc/ld.so.cache; the loader's default directories.
func (w *walk) searchGlibc(n *node, name string) *found {
	if strings.Contains(name, "/") {
		p, ok := w.expand(name, n.origin)
		if !ok {
			return nil
		}
		return w.try(p)
	}
	if len(n.file.RunPath) == 0 {
		for l := n; l != nil; l = l.loader {
			// An object with both takes DT_RUNPATH and ignores DT_RPATH.
			if len(l.file.RunPath) == 0 && len(l.file.RPath) > 0 {
				if fd := w.tryDirs(l.file.RPath, l.origin, name); fd != nil {
					return fd
				}
			}
		}
	}
	if fd := w.tryDirs(w.r.opts.LDLibraryPath, w.main.origin, name); fd != nil {
		return fd
	}
	if fd := w.tryDirs(n.file.RunPath, n.origin, name); fd != nil {
		return fd
	}
	f := w.main.file
	if c := w.r.cache(); c != nil {
		if p := c.Lookup(name, w.arch, w.r.opts.HWCaps); p != "" {
			if fd := w.try(p); fd != nil {
				return fd
			}
		}
	}
	l := w.r.glibcLoaderFor(w.interp, w.arch, f.ELFClass)
	for _, d := range l.systemDirs {
		if fd := w.tryDir(d, name); fd != nil {
			return fd
		}
	}
	return nil
}

func (w *walk) tryDirs(dirs []string, origin, name string) *found {
	for _, d := range dirs {
		d, ok := w.expand(d, origin)
		if !ok {
			continue
		}
		if fd := w.tryDir(d, name); fd != nil {
			return fd
		}
	}
	return nil
}

func (w *walk) tryDir(dir, name string) *found {
	for _, h := range w.r.opts.HWCaps {
		if fd := w.try(path.Join(dir, "glibc-hwcaps", h, name)); fd != nil {
			return fd
		}
	}
	return w.try(path.Join(dir, name))
}

// expand substitutes the dynamic string tokens of s ($ORIGIN, $LIB,
// $PLATFORM, or in braces) and makes the result absolute. It reports false
// when a token has no value, and glibc drops the path element.
func (w *walk) expand(s, origin string) (string, bool) {
	if !strings.Contains(s, "$") {
		return rootfs.Clean(s), true
	}
	f := w.main.file
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' {
			b.WriteByte(s[i])
			continue
		}
		tok, n := dstToken(s[i+1:])
		if n == 0 {
			b.WriteByte('$')
			continue
		}
		var v string
		switch tok {
		case "ORIGIN":
			v = origin
		case "LIB":
			if w.musl {
				return "", false
			}
			v = w.r.glibcLoaderFor(w.interp, w.arch, f.ELFClass).lib
		case "PLATFORM":
			if w.musl {
				return "", false
			}
			v = w.arch.Platform
		}
		if v == "" {
			return "", false
		}
		b.WriteString(v)
		i += n
	}
	return rootfs.Clean(b.String()), true
}

// dstToken recognizes a token after '$': NAME followed by a character
// that cannot continue a name, or {NAME}. It returns the name and the
// bytes it spans, 0 when s starts no known token.
func dstToken(s string) (string, int) {
	for _, t := range [...]string{"ORIGIN", "LIB", "PLATFORM"} {
		if strings.HasPrefix(s, "{"+t+"}") {
			return t, len(t) + 2
		}
		if strings.HasPrefix(s, t) && (len(s) == len(t) || !isNameChar(s[len(t)])) {
			return t, len(t)
		}
	}
	return "", 0
}

func isNameChar(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// preloads loads what the root's /etc/ld.so.preload names, as glibc does
// before the program's dependencies. Entries the loader cannot find are
// ignored, as glibc ignores them (with a message).
func (w *walk) preloads() {
	list, _ := w.r.preload.get("", func() ([]string, error) {
		b, err := rootfs.ReadFile(w.r.cfs, "/etc/ld.so.preload")
		if err != nil {
			return nil, nil
		}
		return strings.FieldsFunc(string(b), func(c rune) bool {
			return c == ' ' || c == '\t' || c == '\n' || c == ':'
		}), nil
	})
	for _, name := range list {
		if _, ok := w.names[name]; ok {
			continue
		}
		fd := w.searchGlibc(w.main, name)
		if fd == nil {
			continue
		}
		w.needFound(w.main, name, fd, "/etc/ld.so.preload")
	}
}

// muslReserved reports whether musl's loader answers name with itself: it
// is libc, and libpthread, librt, libm, libdl, libutil and libxnet are
// all part of it.
func muslReserved(name string) bool {
	if !strings.HasPrefix(name, "lib") {
		return false
	}
	for _, r := range [...]string{"c.", "pthread.", "rt.", "m.", "dl.", "util.", "xnet."} {
		if strings.HasPrefix(name[3:], r) {
			return true
		}
	}
	return false
}

// searchMusl finds name, needed by n, in musl's order (ldso/dynlink.c,
// load_library): LD_LIBRARY_PATH, the DT_RUNPATH (else DT_RPATH) of n and
// of the objects that loaded it up to the program, then the system path.
// musl takes the first file of that name that exists; when it is not a
// loadable ELF file the program fails, which is reported as missing.
func (w *walk) searchMusl(n *node, name string) (*found, string) {
	if strings.Contains(name, "/") {
		return w.firstMusl([]string{path.Dir(name)}, "", path.Base(name))
	}
	if fd, why := w.firstMusl(w.r.opts.LDLibraryPath, "", name); fd != nil || why != "" {
		return fd, why
	}
	for l := n; l != nil; l = l.loader {
		dirs := l.file.RunPath
		if len(dirs) == 0 {
			dirs = l.file.RPath
		}
		if fd, why := w.firstMusl(dirs, l.origin, name); fd != nil || why != "" {
			return fd, why
		}
	}
	return w.firstMusl(w.r.muslSysPath(w.interp), "", name)
}

func (w *walk) firstMusl(dirs []string, origin, name string) (*found, string) {
	for _, d := range dirs {
		if origin != "" {
			var ok bool
			if d, ok = w.expand(d, origin); !ok {
				continue
			}
		}
		fd, err := w.r.probe(path.Join(rootfs.Clean(d), name))
		if err != nil {
			continue
		}
		if !w.compatible(fd) {
			why := "not an ELF file for " + w.main.file.Machine
			if fd.parseErr != nil {
				why = fd.parseErr.Error()
			}
			return nil, fmt.Sprintf("%s: %s", fd.path, why)
		}
		return fd, ""
	}
	return nil, ""
}
