package srcbuild

import (
	"context"
	"debug/elf"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// ccAttempt is one way to build C: a compiler and whether it links
// statically.
type ccAttempt struct {
	cc     string // path of the compiler
	name   string // as the recipe names it: musl-gcc, cc
	static bool
	libc   string // of a static link
	musl   bool   // musl-gcc: its failures may be musl's missing headers
}

func (a ccAttempt) how() string {
	if a.static {
		return a.name + " -static -Os"
	}
	return a.name + " -Os"
}

// ccAttempts are the ways to build C, in order, for link: musl-gcc
// -static when it is installed, cc -static (glibc), then cc alone.
func ccAttempts(link Link) ([]ccAttempt, error) {
	var cc string
	for _, n := range []string{"cc", "gcc", "clang"} {
		if p, err := exec.LookPath(n); err == nil {
			cc = p
			break
		}
	}
	musl, _ := exec.LookPath("musl-gcc")
	var out []ccAttempt
	if link != Dynamic {
		if musl != "" {
			out = append(out, ccAttempt{cc: musl, name: "musl-gcc", static: true, libc: "musl", musl: true})
		}
		if cc != "" {
			out = append(out, ccAttempt{cc: cc, name: "cc", static: true, libc: "glibc"})
		}
	}
	if link != Static && cc != "" {
		out = append(out, ccAttempt{cc: cc, name: "cc"})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no C compiler: neither musl-gcc nor cc is on PATH (apt-get install musl-tools, or gcc)", ErrToolchain)
	}
	return out, nil
}

// cFailure reports whether a failed attempt is worth another: a link
// failure, or anything musl-gcc refused (a header musl lacks).
func cFailure(a ccAttempt, out string) bool {
	if a.musl {
		return true
	}
	for _, s := range []string{"undefined reference", "cannot find -l", "ld returned", "ld: cannot find"} {
		if strings.Contains(out, s) {
			return true
		}
	}
	return false
}

// cFlags are the flags of every C build: small code, and no build paths
// in the program (__FILE__ and debug information name paths relative to
// the source directory).
func cFlags(dir string) []string {
	return []string{"-Os", "-ffile-prefix-map=" + dir + "=."}
}

// buildC compiles a .c file, or every .c file of a directory, into one
// stripped program.
func buildC(ctx context.Context, opts Options) (*Binary, error) {
	abs, err := filepath.Abs(opts.Source)
	if err != nil {
		return nil, err
	}
	dir, srcs, name := filepath.Dir(abs), []string{filepath.Base(abs)}, strings.TrimSuffix(filepath.Base(abs), ".c")
	if fi, err := os.Stat(abs); err == nil && fi.IsDir() {
		dir, name = abs, filepath.Base(abs)
		m, _ := filepath.Glob(filepath.Join(abs, "*.c"))
		srcs = srcs[:0]
		for _, s := range m {
			srcs = append(srcs, filepath.Base(s))
		}
		sort.Strings(srcs)
	}
	attempts, err := ccAttempts(opts.Link)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", opts.Source, err)
	}
	tmp, err := os.MkdirTemp("", "diet-cc-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, name)
	var fallbacks []string
	for i, a := range attempts {
		args := append([]string{a.cc}, cFlags(dir)...)
		args = append(args, strings.Fields(os.Getenv("CFLAGS"))...)
		if a.static {
			args = append(args, "-static")
		}
		args = append(args, "-s", "-o", out)
		args = append(args, strings.Fields(os.Getenv("LDFLAGS"))...)
		args = append(args, srcs...)
		args = append(args, strings.Fields(os.Getenv("LDLIBS"))...)
		t := tool{dir: dir, args: args, env: append([]string{epochEnv(opts.Epoch)}, opts.Env...)}
		log, err := t.run(ctx, opts.Log)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if i < len(attempts)-1 && cFailure(a, log) {
				fallbacks = append(fallbacks, attemptError(a.how(), err))
				continue
			}
			return nil, fmt.Errorf("%s: %w: %s%s: %w", opts.Source, ErrBuild, a.how(), after(fallbacks), err)
		}
		p, err := place(out, opts.OutDir, name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", opts.Source, err)
		}
		return &Binary{Path: p, Name: name, Libc: a.libc, How: a.how() + " -s", Fallbacks: fallbacks}, nil
	}
	return nil, fmt.Errorf("%s: no C compiler", opts.Source)
}

// buildMake runs make's default target in a copy of the directory (so
// that nothing is written in it) with the C compiler and flags of each
// attempt in the environment, where a Makefile that uses make's
// conventions ($(CC), $(CFLAGS), $(LDFLAGS)) picks them up, and takes
// the one executable it made.
func buildMake(ctx context.Context, opts Options) (*Binary, error) {
	mk, err := exec.LookPath("make")
	if err != nil {
		return nil, fmt.Errorf("%s: %w: make is not on PATH (apt-get install make)", opts.Source, ErrToolchain)
	}
	src, err := filepath.Abs(opts.Source)
	if err != nil {
		return nil, err
	}
	attempts, err := ccAttempts(opts.Link)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", opts.Source, err)
	}
	tmp, err := os.MkdirTemp("", "diet-make-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	var fallbacks []string
	for i, a := range attempts {
		work := filepath.Join(tmp, fmt.Sprint(i), filepath.Base(src))
		before, err := copyTree(src, work)
		if err != nil {
			return nil, fmt.Errorf("%s: copying: %w", opts.Source, err)
		}
		ldflags := "-s"
		if a.static {
			ldflags = "-static -s"
		}
		how := "make CC=" + a.name + " LDFLAGS='" + ldflags + "'"
		// -B: every target is made again, so that a program the
		// directory holds already built is rebuilt this way.
		t := tool{dir: work, args: []string{mk, "-B"}, env: append([]string{epochEnv(opts.Epoch),
			"CC=" + a.cc, "CFLAGS=" + strings.Join(cFlags(work), " "), "LDFLAGS=" + ldflags}, opts.Env...)}
		log, err := t.run(ctx, opts.Log)
		if err == nil {
			var prog string
			if prog, err = madeProgram(work, before); err != nil {
				return nil, fmt.Errorf("%s: %w", opts.Source, err)
			}
			if a.static && !isStatic(prog) {
				if opts.Link == Static {
					return nil, fmt.Errorf("%s: %w: %s: the Makefile linked dynamically (it sets LDFLAGS or the link command itself)", opts.Source, ErrBuild, how)
				}
				a.libc = ""
			}
			p, err := place(prog, opts.OutDir, filepath.Base(prog))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", opts.Source, err)
			}
			return &Binary{Path: p, Name: filepath.Base(prog), Libc: a.libc, How: how, Fallbacks: fallbacks}, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if i < len(attempts)-1 && cFailure(a, log) {
			fallbacks = append(fallbacks, attemptError(how, err))
			continue
		}
		return nil, fmt.Errorf("%s: %w: %s%s: %w", opts.Source, ErrBuild, how, after(fallbacks), err)
	}
	return nil, fmt.Errorf("%s: no C compiler", opts.Source)
}

// madeProgram finds the one executable make wrote in dir (a file that
// was not in before, or has changed), stripped.
func madeProgram(dir string, before map[string]fs.FileInfo) (string, error) {
	var progs []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		fi, err := d.Info()
		if err != nil || fi.Mode()&0o111 == 0 {
			return err
		}
		if old, ok := before[p]; ok && old.ModTime().Equal(fi.ModTime()) && old.Size() == fi.Size() {
			return nil
		}
		if isExecutable(p) {
			progs = append(progs, p)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	switch len(progs) {
	case 0:
		return "", fmt.Errorf("%w: make built no executable (diet takes the program the default target makes)", ErrBuild)
	case 1:
	default:
		var names []string
		for _, p := range progs {
			r, _ := filepath.Rel(dir, p)
			names = append(names, r)
		}
		return "", fmt.Errorf("%w: make built several executables (%s): build the one you want and give its path to diet build", ErrBuild, strings.Join(names, ", "))
	}
	if strip, err := exec.LookPath("strip"); err == nil {
		if out, err := exec.Command(strip, "--strip-all", progs[0]).CombinedOutput(); err != nil {
			return "", fmt.Errorf("strip %s: %v: %s", filepath.Base(progs[0]), err, strings.TrimSpace(string(out)))
		}
	}
	return progs[0], nil
}

// isExecutable reports whether p is an ELF program (not a shared library
// or an object file).
func isExecutable(p string) bool {
	f, err := elf.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	switch f.Type {
	case elf.ET_EXEC:
		return true
	case elf.ET_DYN:
		// A PIE program has a loader, or (static-pie) no soname.
		if f.Section(".interp") != nil {
			return true
		}
		so, _ := f.DynString(elf.DT_SONAME)
		return len(so) == 0 && f.Entry != 0
	}
	return false
}

func isStatic(p string) bool {
	f, err := elf.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	libs, _ := f.ImportedLibraries()
	return f.Section(".interp") == nil && len(libs) == 0
}

// copyTree copies the directory src to dst (files, directories,
// symlinks) and returns what dst held then.
func copyTree(src, dst string) (map[string]fs.FileInfo, error) {
	before := map[string]fs.FileInfo{}
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			l, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(l, target)
		case d.Type().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if err := os.WriteFile(target, data, fi.Mode().Perm()|0o200); err != nil {
				return err
			}
			// Times are kept, so that make sees what is up to date as the
			// source directory has it.
			if err := os.Chtimes(target, fi.ModTime(), fi.ModTime()); err != nil {
				return err
			}
			nfi, err := os.Stat(target)
			if err != nil {
				return err
			}
			before[target] = nfi
		}
		return nil
	})
	return before, err
}
