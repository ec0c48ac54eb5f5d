package closure_test

import (
	"debug/elf"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/dietimg/diet/internal/closure"
)

// arm64Root is a Debian arm64 root (merged /usr): its loader, whose
// compiled-in directories are the aarch64 multiarch ones, and an
// ld.so.cache that also lists an amd64 library of a foreign-architecture
// package, which the arm64 loader never takes.
func arm64Root(withLoader bool) fstest.MapFS {
	arm := func(o obj) obj { o.Machine = elf.EM_AARCH64; return o }
	const sysdirs = "\x00/lib/aarch64-linux-gnu/\x00/usr/lib/aarch64-linux-gnu/\x00/lib/\x00/usr/lib/\x00"
	m := fstest.MapFS{
		"lib": link("usr/lib"),
		"etc/ld.so.cache": {Data: mkCache([]closure.CacheEntry{
			{Soname: "libfoo.so.1", Path: "/usr/lib/x86_64-linux-gnu/libfoo.so.1", Flags: 0x0303},
			{Soname: "libfoo.so.1", Path: "/usr/lib/aarch64-linux-gnu/libfoo.so.1", Flags: 0x0a03},
			{Soname: "libv.so.1", Path: "/opt/vendor/lib/libv.so.1", Flags: 0x0a03},
		}, false), Mode: 0o644},
		"usr/lib/ld-linux-aarch64.so.1":          link("aarch64-linux-gnu/ld-linux-aarch64.so.1"),
		"usr/lib/aarch64-linux-gnu/libc.so.6":    arm(obj{Soname: "libc.so.6"}).File(),
		"usr/lib/aarch64-linux-gnu/libfoo.so.1":  arm(obj{Soname: "libfoo.so.1"}).File(),
		"usr/lib/x86_64-linux-gnu/libfoo.so.1":   obj{Soname: "libfoo.so.1"}.File(),
		"opt/vendor/lib/libv.so.1":               arm(obj{Soname: "libv.so.1"}).File(),
		"usr/bin/p":                              arm(obj{Interp: "/lib/ld-linux-aarch64.so.1", Needed: []string{"libfoo.so.1", "libc.so.6"}}).File(),
		"usr/lib/aarch64-linux-gnu/libstatic.so": arm(obj{Soname: "libstatic.so"}).File(),
	}
	if withLoader {
		m["usr/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1"] = &fstest.MapFile{
			Data: append(arm(obj{Soname: "ld-linux-aarch64.so.1"}).Bytes(), sysdirs...), Mode: 0o755}
	}
	return m
}

// TestSearchDirsArm64 checks that the directories an arm64 program's
// loader searches come from its ld.so.cache entries for arm64 and its
// loader, or the aarch64 multiarch layout when the loader cannot be
// read: never the x86_64 ones.
func TestSearchDirsArm64(t *testing.T) {
	for _, tc := range []struct {
		name   string
		loader bool
		file   string
		want   []string
	}{
		{"loader", true, "/usr/bin/p",
			[]string{"/usr/lib/aarch64-linux-gnu", "/opt/vendor/lib", "/lib/aarch64-linux-gnu", "/lib", "/usr/lib"}},
		{"no loader", false, "/usr/bin/p",
			[]string{"/usr/lib/aarch64-linux-gnu", "/opt/vendor/lib", "/lib/aarch64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"}},
		// A library has no PT_INTERP: the usual loader of its machine.
		{"library", true, "/usr/lib/aarch64-linux-gnu/libstatic.so",
			[]string{"/usr/lib/aarch64-linux-gnu", "/opt/vendor/lib", "/lib/aarch64-linux-gnu", "/lib", "/usr/lib"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := closure.New(arm64Root(tc.loader), closure.Options{})
			f, err := r.File(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			got := r.SearchDirs(f)
			if !slices.Equal(got, tc.want) {
				t.Errorf("SearchDirs(%s) = %q, want %q", tc.file, got, tc.want)
			}
			for _, d := range got {
				if strings.Contains(d, "x86_64") {
					t.Errorf("an arm64 loader searches %s", d)
				}
			}
		})
	}
}

// TestSearchDirsAmd64 checks the amd64 loader of the same layout takes
// its own cache entries and its own directories.
func TestSearchDirsAmd64(t *testing.T) {
	r := closure.New(glibcRoot(map[string]*fstest.MapFile{
		"etc/ld.so.cache": {Data: mkCache([]closure.CacheEntry{
			{Soname: "libfoo.so.1", Path: "/usr/lib/aarch64-linux-gnu/libfoo.so.1", Flags: 0x0a03},
			{Soname: "libfoo.so.1", Path: "/usr/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3/libfoo.so.1", Flags: 0x0303, HWCaps: "x86-64-v3"},
		}, false), Mode: 0o644},
		"usr/bin/p": obj{Interp: ldso, Needed: []string{"libc.so.6"}}.File(),
	}), closure.Options{})
	f, err := r.File("/usr/bin/p")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/lib", "/usr/lib"}
	if got := r.SearchDirs(f); !slices.Equal(got, want) {
		t.Errorf("SearchDirs = %q, want %q", got, want)
	}
}

func TestSearchDirsMusl(t *testing.T) {
	r := closure.New(fstest.MapFS{
		"lib/ld-musl-aarch64.so.1":    obj{Machine: elf.EM_AARCH64, Soname: "libc.musl-aarch64.so.1"}.File(),
		"etc/ld-musl-aarch64.path":    text("/lib:/usr/local/lib:/usr/lib\n/opt/musl/lib\n"),
		"usr/bin/p":                   obj{Machine: elf.EM_AARCH64, Interp: "/lib/ld-musl-aarch64.so.1", Needed: []string{"libc.musl-aarch64.so.1"}}.File(),
		"usr/lib/x86_64-linux-gnu/xx": text("not searched"),
	}, closure.Options{})
	f, err := r.File("/usr/bin/p")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/lib", "/usr/local/lib", "/usr/lib", "/opt/musl/lib"}
	if got := r.SearchDirs(f); !slices.Equal(got, want) {
		t.Errorf("SearchDirs = %q (libc %q), want %q", got, f.Libc, want)
	}
}

func TestIsMultiarchDir(t *testing.T) {
	for dir, want := range map[string]bool{
		"/usr/lib/aarch64-linux-gnu":       true,
		"/lib/aarch64-linux-gnu":           true,
		"/usr/lib/x86_64-linux-gnu":        true,
		"/usr/lib/arm-linux-gnueabihf":     true,
		"/usr/lib/powerpc64le-linux-gnu":   true,
		"/usr/lib/aarch64-linux-gnu/nginx": false,
		"/usr/lib/python3-foo-bar":         false,
		"/usr/lib":                         false,
		"/var/lib/aarch64-linux-gnu":       false,
	} {
		if got := closure.IsMultiarchDir(dir); got != want {
			t.Errorf("IsMultiarchDir(%s) = %v, want %v", dir, got, want)
		}
	}
}
