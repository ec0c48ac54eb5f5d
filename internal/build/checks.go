package build

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sys/unix"

	"github.com/dietimg/diet/internal/closure"
	"github.com/dietimg/diet/internal/elfinfo"
	"github.com/dietimg/diet/internal/inspect"
	"github.com/dietimg/diet/internal/layer"
	"github.com/dietimg/diet/internal/why"
)

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
