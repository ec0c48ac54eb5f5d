package closure

import (
	"bytes"
	"debug/elf"
	"errors"
	"io/fs"
	"path"
	"strings"

	"github.com/dietimg/diet/internal/rootfs"
)

// glibcLoader is what a glibc ld.so has compiled in: its default search
// directories and the value of $LIB.
type glibcLoader struct {
	systemDirs []string
	lib        string // $LIB
}

// glibcLoaderFor reads the default directories out of the loader at interp
// (a path inside the root): glibc keeps them as one run of NUL-terminated
// strings ("/lib/x86_64-linux-gnu/\0/usr/lib/x86_64-linux-gnu/\0/lib/\0
// /usr/lib/\0" on Debian, "/lib64/\0/usr/lib64/\0" on Fedora). When the
// loader cannot be read, a guess for the machine is used.
func (r *Resolver) glibcLoaderFor(interp string, a Arch, class elf.Class) *glibcLoader {
	key := interp + "\x00" + a.Name + class.String()
	l, _ := r.loaders.get(key, func() (*glibcLoader, error) {
		var dirs []string
		if interp != "" {
			if b, err := rootfs.ReadFile(r.cfs, interp); err == nil {
				dirs = systemDirs(b)
			}
		}
		if dirs == nil {
			if a.Triplet != "" {
				dirs = append(dirs, "/lib/"+a.Triplet, "/usr/lib/"+a.Triplet)
			}
			if class == elf.ELFCLASS64 {
				dirs = append(dirs, "/lib64", "/usr/lib64")
			}
			dirs = append(dirs, "/lib", "/usr/lib")
		}
		l := &glibcLoader{systemDirs: dirs, lib: "lib"}
		switch {
		case strings.HasPrefix(dirs[0], "/lib/") && strings.Count(dirs[0], "/") == 2:
			l.lib = dirs[0][1:] // Debian: $LIB is lib/<triplet>
		case class == elf.ELFCLASS64 && strings.HasSuffix(dirs[0], "64"):
			l.lib = path.Base(dirs[0])
		}
		return l, nil
	})
	return l
}

// systemDirs finds the longest run of at least two consecutive
// NUL-terminated absolute directory names ending in "/" that mention lib.
func systemDirs(b []byte) []string {
	var best []string
	for i := 0; i < len(b); {
		j := bytes.Index(b[i:], []byte("\x00/"))
		if j < 0 {
			break
		}
		start := i + j + 1
		var run []string
		k := start
		for {
			end := bytes.IndexByte(b[k:], 0)
			if end <= 1 || end > 256 {
				break
			}
			s := string(b[k : k+end])
			if !isDirName(s) {
				break
			}
			run = append(run, path.Clean(s))
			k += end + 1
		}
		if len(run) >= 2 && len(run) > len(best) {
			best = run
		}
		if k > start {
			i = k
		} else {
			i = start
		}
	}
	return best
}

func isDirName(s string) bool {
	if len(s) < 2 || s[0] != '/' || s[len(s)-1] != '/' || !strings.Contains(s, "lib") {
		return false
	}
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '/', c == '_', c == '-', c == '.', c == '+':
		default:
			return false
		}
	}
	return true
}

// muslSysPath returns musl's system search path for the loader named
// interp: the directories of <prefix>/etc/ld-musl-<arch>.path, where
// prefix is the loader's directory's parent, or the compiled-in default
// when that file does not exist (musl's ldso/dynlink.c).
func (r *Resolver) muslSysPath(interp string) []string {
	l, _ := r.musl.get(interp, func() ([]string, error) {
		prefix := ""
		if strings.HasPrefix(interp, "/") {
			prefix = path.Dir(path.Dir(interp))
			if prefix == "/" {
				prefix = ""
			}
		}
		arch := strings.TrimSuffix(strings.TrimPrefix(path.Base(interp), "ld-musl-"), ".so.1")
		conf := prefix + "/etc/ld-musl-" + arch + ".path"
		b, err := rootfs.ReadFile(r.cfs, conf)
		if errors.Is(err, fs.ErrNotExist) {
			return []string{"/lib", "/usr/local/lib", "/usr/lib"}, nil
		}
		if err != nil {
			return nil, nil // musl searches nothing when the file is unreadable
		}
		return strings.FieldsFunc(string(b), func(c rune) bool { return c == ':' || c == '\n' }), nil
	})
	return l
}
