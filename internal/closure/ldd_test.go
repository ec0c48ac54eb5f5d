package closure_test

import (
	"bufio"
	"bytes"
	"context"
	"debug/elf"
	"fmt"
	"io/fs"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dietimg/diet/internal/closure"
	"github.com/dietimg/diet/internal/elfinfo"
	"github.com/dietimg/diet/internal/rootfs"
	"github.com/dietimg/diet/internal/testenv"
)

// The real loader is the reference: for every dynamically linked file of
// the machine (or of a Debian tree, under chroot), the closure must name
// the same files as ldd, which runs glibc's ld.so in trace mode. ldd is
// run here, in the test, never by diet.

// lddDirs are the directories whose files are compared: all of /usr/bin
// and /usr/sbin, and the top level of the multiarch library directory.
var lddDirs = []string{"/usr/bin", "/usr/sbin", "/usr/lib/x86_64-linux-gnu"}

// x8664Arch is the machine of the x86_64 comparisons.
var x8664Arch = lddArch{elf.ELFCLASS64, elf.EM_X86_64, "/lib64/ld-linux-x86-64.so.2"}

// lddArch is the machine whose files are compared, and its loader.
type lddArch struct {
	class   elf.Class
	machine elf.Machine
	rtld    string
}

func TestAgreesWithLdd(t *testing.T) {
	testenv.LookPath(t, "ldd")
	if runtime.GOARCH != "amd64" {
		t.Skip("the comparison lists x86_64 directories")
	}
	fsys, err := rootfs.Dir("/")
	if err != nil {
		t.Fatal(err)
	}
	hwcaps := loaderHWCaps(t, exec.Command("/lib64/ld-linux-x86-64.so.2", "--help"))
	compareWithLdd(t, "/", fsys, x8664Arch, lddDirs, hwcaps, func(ctx context.Context, file string) *exec.Cmd {
		return exec.CommandContext(ctx, "ldd", file)
	})
}

// TestAgreesWithLddOnArm64 compares in the arm64 Debian tree, where
// chroot runs arm64's ldd and loader under qemu-user emulation.
func TestAgreesWithLddOnArm64(t *testing.T) {
	root := testenv.DebianArm64Root(t)
	testenv.Root(t)
	testenv.LookPath(t, "chroot")
	testenv.Emulator(t, "aarch64")
	fsys, err := rootfs.Dir(root)
	if err != nil {
		t.Fatal(err)
	}
	arm64 := lddArch{elf.ELFCLASS64, elf.EM_AARCH64, "/lib/ld-linux-aarch64.so.1"}
	hwcaps := loaderHWCaps(t, exec.Command("chroot", root, arm64.rtld, "--help"))
	compareWithLdd(t, root, fsys, arm64, []string{"/usr/bin", "/usr/sbin"}, hwcaps, func(ctx context.Context, file string) *exec.Cmd {
		return exec.CommandContext(ctx, "chroot", root, "ldd", file)
	})
}

func TestAgreesWithLddInDebianRoot(t *testing.T) {
	for name, tree := range map[string]func(testing.TB) string{"minbase": testenv.DebianRoot, "fat": testenv.DebianFatRoot} {
		t.Run(name, func(t *testing.T) {
			root := tree(t)
			testenv.Root(t)
			testenv.LookPath(t, "chroot")
			fsys, err := rootfs.Dir(root)
			if err != nil {
				t.Fatal(err)
			}
			hwcaps := loaderHWCaps(t, exec.Command("chroot", root, "/lib64/ld-linux-x86-64.so.2", "--help"))
			compareWithLdd(t, root, fsys, x8664Arch, lddDirs, hwcaps, func(ctx context.Context, file string) *exec.Cmd {
				return exec.CommandContext(ctx, "chroot", root, "ldd", file)
			})
		})
	}
}

// dynamicFiles lists the real paths (inside the root) of the dynamically
// linked ELF files of dirs for arch, each once.
func dynamicFiles(t *testing.T, r *closure.Resolver, arch lddArch, dirs []string) []string {
	seen := map[string]bool{}
	var files []string
	for _, dir := range dirs {
		res, err := rootfs.Resolve(r.FS(), dir)
		if err != nil {
			continue
		}
		ents, err := fs.ReadDir(r.FS(), rootfs.Rel(res.Path))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if e.IsDir() {
				continue
			}
			res, err := rootfs.Resolve(r.FS(), filepath.Join(dir, e.Name()))
			if err != nil || seen[res.Path] {
				continue
			}
			seen[res.Path] = true
			f, err := r.File(res.Path)
			if err != nil || f.Linkage != elfinfo.Dynamic || f.ELFMachine != arch.machine || f.ELFClass != arch.class {
				continue
			}
			files = append(files, res.Path)
		}
	}
	sort.Strings(files)
	return files
}

// lddResult is what ldd printed for one file, as real paths.
type lddResult struct {
	paths   []string // real paths of the objects, loader included, vDSO aside
	missing []string // sonames ldd reports as not found
	skip    string   // why the file is not comparable
}

func runLdd(ctx context.Context, root string, cmd *exec.Cmd, env ...string) lddResult {
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Env = append([]string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"}, env...)
	_ = cmd.Run() // ldd exits 1 for some files it cannot trace; its output says why
	var res lddResult
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.Contains(line, "not a dynamic executable"), strings.Contains(line, "statically linked"):
			res.skip = line
			return res
		case strings.HasPrefix(line, "linux-vdso.so"), line == "":
			continue
		case strings.HasSuffix(line, "=> not found"):
			res.missing = append(res.missing, strings.TrimSpace(strings.TrimSuffix(line, "=> not found")))
			continue
		}
		p := line
		if i := strings.Index(p, "=> "); i >= 0 {
			p = p[i+3:]
		}
		if i := strings.Index(p, " (0x"); i >= 0 {
			p = p[:i]
		}
		if !strings.HasPrefix(p, "/") {
			continue // warnings such as "version `X' not found"
		}
		real, err := filepath.EvalSymlinks(filepath.Join(root, p))
		if err != nil {
			res.skip = fmt.Sprintf("ldd printed %s which does not resolve: %v", p, err)
			return res
		}
		rel, _ := filepath.Rel(root, real)
		res.paths = append(res.paths, rootfs.Clean(rel))
	}
	if ctx.Err() != nil {
		res.skip = "ldd timed out"
	}
	return res
}

// loaderHWCaps asks glibc's loader which glibc-hwcaps subdirectories it
// searches on this CPU ("x86-64-v3 (supported, searched)"), best first:
// where a root has such variants of a library, ldd shows the one this CPU
// takes, and diet must be told the CPU to agree.
func loaderHWCaps(t *testing.T, cmd *exec.Cmd) []string {
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v", cmd, err)
	}
	var caps []string
	in := false
	for _, line := range strings.Split(string(out), "\n") {
		switch {
		case strings.HasPrefix(line, "Subdirectories of glibc-hwcaps"):
			in = true
		case in && strings.HasPrefix(line, "  "):
			if f := strings.Fields(line); len(f) > 1 && strings.Contains(line, "searched") {
				caps = append(caps, f[0])
			}
		case in:
			in = false
		}
	}
	return caps
}

func compareWithLdd(t *testing.T, root string, fsys rootfs.FS, arch lddArch, dirs, hwcaps []string, ldd func(context.Context, string) *exec.Cmd) {
	r := closure.New(fsys, closure.Options{HWCaps: hwcaps})
	t.Logf("glibc-hwcaps searched on this CPU: %v", hwcaps)
	files := dynamicFiles(t, r, arch, dirs)
	if len(files) < 20 {
		t.Fatalf("only %d dynamically linked files found under %v", len(files), dirs)
	}
	if testing.Short() {
		var sample []string
		for i := 0; i < len(files); i += 8 {
			sample = append(sample, files[i])
		}
		files = sample
	}
	rtld, err := filepath.EvalSymlinks(filepath.Join(root, arch.rtld))
	if err != nil {
		t.Fatal(err)
	}
	rtld = rootfs.Clean(strings.TrimPrefix(rtld, filepath.Clean(root)))

	type diff struct{ file, msg string }
	var (
		mu       sync.Mutex
		diffs    []diff
		compared int
		skipped  []string
	)
	work := make(chan string)
	var wg sync.WaitGroup
	for range runtime.NumCPU() + 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for file := range work {
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				// file is a real path. ldd runs the loader with the file
				// as its argument, and $ORIGIN of a program started so is
				// the directory of the path as given; when the kernel
				// starts a program, $ORIGIN comes from /proc/self/exe, the
				// real path, which is what diet uses. With real paths the
				// two agree for programs reached through symlinks too.
				want := runLdd(ctx, root, ldd(ctx, file))
				cancel()
				if want.skip != "" {
					mu.Lock()
					skipped = append(skipped, file+": "+want.skip)
					mu.Unlock()
					continue
				}
				got, err := r.Resolve(file)
				var msgs []string
				if err != nil {
					msgs = append(msgs, err.Error())
				} else {
					msgs = compareClosure(got, want, rtld)
				}
				mu.Lock()
				compared++
				for _, m := range msgs {
					diffs = append(diffs, diff{file, m})
				}
				mu.Unlock()
			}
		}()
	}
	for _, f := range files {
		work <- f
	}
	close(work)
	wg.Wait()
	t.Logf("compared %d files with ldd, %d not comparable", compared, len(skipped))
	for _, s := range skipped {
		t.Logf("not comparable: %s", s)
	}
	if compared < len(files)/2 {
		t.Errorf("only %d of %d files could be compared", compared, len(files))
	}
	for _, d := range diffs {
		t.Errorf("%s: %s", d.file, d.msg)
	}
}

// compareClosure lists the differences between diet's closure and ldd's.
func compareClosure(got *closure.Result, want lddResult, rtld string) []string {
	var have []string
	if got.Interpreter != nil {
		have = append(have, got.Interpreter.Realpath)
	}
	for _, o := range got.Objects {
		if !o.Dlopen { // ldd shows what loads at start, not what dlopen may load later
			have = append(have, o.Realpath)
		}
	}
	wantPaths := slices.Clone(want.paths)
	if got.Interpreter == nil {
		// A shared library has no PT_INTERP. ldd traces it by running
		// the system's ld.so with the library as its program, so the
		// loader appears in ldd's list even when no DT_NEEDED in the
		// closure names it: it is the tracer, not a dependency.
		if !slices.Contains(have, rtld) {
			wantPaths = slices.DeleteFunc(wantPaths, func(p string) bool { return p == rtld })
		}
	}
	var msgs []string
	for _, p := range setDiff(wantPaths, have) {
		msgs = append(msgs, "ldd loads "+p+", diet does not")
	}
	for _, p := range setDiff(have, wantPaths) {
		msgs = append(msgs, "diet loads "+p+", ldd does not")
	}
	var missing []string
	for _, m := range got.Missing {
		if !m.Dlopen {
			missing = append(missing, m.Soname)
		}
	}
	for _, m := range setDiff(want.missing, missing) {
		msgs = append(msgs, "ldd misses "+m+", diet finds it")
	}
	for _, m := range setDiff(missing, want.missing) {
		msgs = append(msgs, "diet misses "+m+", ldd finds it")
	}
	return msgs
}

// setDiff returns the elements of a not in b, each once.
func setDiff(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}
