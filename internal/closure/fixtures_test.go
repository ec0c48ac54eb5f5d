package closure_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dietimg/diet/internal/closure"
	"github.com/dietimg/diet/internal/rootfs"
	"github.com/dietimg/diet/internal/testenv"
)

// gcc builds a C source with the given flags into out (a path under dir).
func gcc(t *testing.T, compiler, dir, out, src string, flags ...string) {
	t.Helper()
	srcPath := filepath.Join(t.TempDir(), "src.c")
	if err := os.WriteFile(srcPath, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, out)), 0o755); err != nil {
		t.Fatal(err)
	}
	// Debian's gcc links --as-needed: these tiny programs call nothing.
	args := append([]string{"-Wl,--no-as-needed", "-o", filepath.Join(dir, out), srcPath}, flags...)
	cmd := exec.Command(compiler, args...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", compiler, strings.Join(args, " "), err, b)
	}
}

func clib(name string, deps ...string) (string, []string) {
	src := "int " + strings.TrimSuffix(strings.TrimPrefix(name, "lib"), ".so") + "_f(void) { return 0; }\n"
	return src, append([]string{"-shared", "-fPIC", "-Wl,-soname," + name}, deps...)
}

// TestFixturesAgreeWithLoader builds small library trees with gcc and
// checks the closure against glibc's loader (ldd) on each: RUNPATH with
// $ORIGIN, RPATH inherited, LD_LIBRARY_PATH, and a library of the wrong
// class skipped.
func TestFixturesAgreeWithLoader(t *testing.T) {
	testenv.LookPath(t, "gcc", "ldd")
	dir := t.TempDir()
	build := func(out string, src string, flags ...string) { gcc(t, "gcc", dir, out, src, flags...) }
	main := "int main(void) { return 0; }\n"

	// RUNPATH $ORIGIN: app1 -> liba (RUNPATH $ORIGIN) -> libb.
	src, fl := clib("libb.so")
	build("run/lib/libb.so", src, fl...)
	src, fl = clib("liba.so", "-L"+dir+"/run/lib", "-lb", "-Wl,--enable-new-dtags,-rpath,$ORIGIN")
	build("run/lib/liba.so", src, fl...)
	build("run/bin/app1", main, "-L"+dir+"/run/lib", "-la", "-Wl,--enable-new-dtags,-rpath,$ORIGIN/../lib")

	// RPATH inherited: app2 (RPATH) -> libc2 (nothing) -> libd, found
	// through app2's RPATH.
	src, fl = clib("libd.so")
	build("rp/lib/libd.so", src, fl...)
	src, fl = clib("libc2.so", "-L"+dir+"/rp/lib", "-ld")
	build("rp/lib/libc2.so", src, fl...)
	build("rp/bin/app2", main, "-L"+dir+"/rp/lib", "-lc2", "-Wl,--disable-new-dtags,-rpath,$ORIGIN/../lib", "-Wl,-rpath-link,"+dir+"/rp/lib")

	// RUNPATH is not inherited: app3 (RUNPATH) -> libc2 -> libd missing.
	build("rp/bin/app3", main, "-L"+dir+"/rp/lib", "-lc2", "-Wl,--enable-new-dtags,-rpath,$ORIGIN/../lib", "-Wl,-rpath-link,"+dir+"/rp/lib")

	// LD_LIBRARY_PATH, with a 32-bit library of the same name first.
	src, fl = clib("libe.so")
	build("env/lib/libe.so", src, fl...)
	build("env/bin/app4", main, "-L"+dir+"/env/lib", "-le")
	os.MkdirAll(dir+"/env32", 0o755)
	if err := exec.Command("gcc", "-m32", "-shared", "-nostdlib", "-fPIC", "-Wl,-soname,libe.so", "-o", dir+"/env32/libe.so", "-x", "c", "/dev/null").Run(); err != nil {
		// No 32-bit support in gcc: make a copy whose class byte says
		// ELFCLASS32, which both loaders reject as well.
		b, err := os.ReadFile(dir + "/env/lib/libe.so")
		if err != nil {
			t.Fatal(err)
		}
		b[4] = 1
		if err := os.WriteFile(dir+"/env32/libe.so", b, 0o755); err != nil {
			t.Fatal(err)
		}
	}

	// glibc-hwcaps: an x86-64-v2 variant beside the baseline library.
	src, fl = clib("libh.so")
	build("hw/lib/libh.so", src, fl...)
	build("hw/lib/glibc-hwcaps/x86-64-v2/libh.so", src, fl...)
	build("hw/bin/app5", main, "-L"+dir+"/hw/lib", "-lh", "-Wl,--enable-new-dtags,-rpath,$ORIGIN/../lib")
	hwcaps := loaderHWCaps(t, exec.Command("/lib64/ld-linux-x86-64.so.2", "--help"))
	if !slices.Contains(hwcaps, "x86-64-v2") {
		hwcaps = nil // an old CPU: the loader takes the baseline
	}

	fsys, err := rootfs.Dir("/")
	if err != nil {
		t.Fatal(err)
	}
	rtld, _ := filepath.EvalSymlinks("/lib64/ld-linux-x86-64.so.2")
	tests := []struct {
		prog     string
		ldPath   []string
		hwcaps   []string
		contains []string // real paths the closure must hold
		missing  []string
	}{
		{"hw/bin/app5", nil, hwcaps, []string{map[bool]string{true: "hw/lib/glibc-hwcaps/x86-64-v2/libh.so", false: "hw/lib/libh.so"}[hwcaps != nil]}, nil},
		{"run/bin/app1", nil, nil, []string{"run/lib/liba.so", "run/lib/libb.so"}, nil},
		{"rp/bin/app2", nil, nil, []string{"rp/lib/libc2.so", "rp/lib/libd.so"}, nil},
		{"rp/bin/app3", nil, nil, []string{"rp/lib/libc2.so"}, []string{"libd.so"}},
		{"env/bin/app4", []string{dir + "/env32", dir + "/env/lib"}, nil, []string{"env/lib/libe.so"}, nil},
		{"env/bin/app4", nil, nil, nil, []string{"libe.so"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/LD_LIBRARY_PATH=%d_dirs", tt.prog, len(tt.ldPath)), func(t *testing.T) {
			prog := filepath.Join(dir, tt.prog)
			r := closure.New(fsys, closure.Options{LDLibraryPath: tt.ldPath, HWCaps: tt.hwcaps})
			got, err := r.Resolve(prog)
			if err != nil {
				t.Fatal(err)
			}
			var have []string
			for _, o := range got.Objects {
				have = append(have, o.Realpath)
			}
			for _, c := range tt.contains {
				if !slices.Contains(have, filepath.Join(dir, c)) {
					t.Errorf("closure %q lacks %s", have, c)
				}
			}
			var missing []string
			for _, m := range got.Missing {
				missing = append(missing, m.Soname)
			}
			if !slices.Equal(missing, tt.missing) {
				t.Errorf("missing %q, want %q", missing, tt.missing)
			}
			// The same with the real loader.
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, "ldd", prog)
			want := runLdd(ctx, "/", cmd, "LD_LIBRARY_PATH="+strings.Join(tt.ldPath, ":"))
			if want.skip != "" {
				t.Fatalf("ldd: %s", want.skip)
			}
			for _, m := range compareClosure(got, want, rtld) {
				t.Error(m)
			}
		})
	}
}

// TestMuslFixture builds a musl program and library into a small root
// with /etc/ld-musl-x86_64.path, and checks the closure; as root, it also
// asks the real musl loader, under chroot, for its list.
func TestMuslFixture(t *testing.T) {
	testenv.LookPath(t, "musl-gcc")
	ldso := "/lib/ld-musl-x86_64.so.1"
	b, err := os.ReadFile(ldso)
	if err != nil {
		testenv.Missing(t, "no musl loader at %s (apt-get install musl): %v", ldso, err)
	}
	root := t.TempDir()
	os.MkdirAll(root+"/lib", 0o755)
	os.MkdirAll(root+"/etc", 0o755)
	if err := os.WriteFile(root+ldso, b, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(root+"/etc/ld-musl-x86_64.path", []byte("/opt/none\n/opt/m\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	src, fl := clib("libm1.so")
	gcc(t, "musl-gcc", root, "opt/m/libm1.so", src, fl...)
	gcc(t, "musl-gcc", root, "usr/lib/libm1.so", src, fl...) // shadowed by the path file
	gcc(t, "musl-gcc", root, "bin/prog", "int main(void) { return 0; }\n", "-L"+root+"/opt/m", "-lm1")

	fsys, err := rootfs.Dir(root)
	if err != nil {
		t.Fatal(err)
	}
	got, err := closure.New(fsys, closure.Options{}).Resolve("/bin/prog")
	if err != nil {
		t.Fatal(err)
	}
	if got.Interpreter == nil || got.Interpreter.Realpath != ldso {
		t.Fatalf("interpreter %+v", got.Interpreter)
	}
	if d := describe(got); !slices.Equal(d, []string{"libm1.so /opt/m/libm1.so /opt/m/libm1.so"}) {
		t.Fatalf("closure %q", d)
	}
	if os.Geteuid() != 0 {
		return
	}
	out, err := exec.Command("chroot", root, ldso, "--list", "/bin/prog").CombinedOutput()
	if err != nil {
		t.Fatalf("musl loader --list: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("libm1.so => /opt/m/libm1.so")) {
		t.Errorf("the musl loader lists:\n%s", out)
	}
}
