package closure_test

import (
	"debug/elf"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/dietimg/diet/internal/closure"
	"github.com/dietimg/diet/internal/rootfs"
)

// describe turns a result into lines "soname path realpath" for the
// objects and "missing soname" for what is not found.
func describe(res *closure.Result) []string {
	var out []string
	for _, o := range res.Objects {
		out = append(out, o.Soname+" "+o.Path+" "+o.Realpath)
	}
	for _, m := range res.Missing {
		out = append(out, "missing "+m.Soname)
	}
	return out
}

const (
	libc   = "libc.so.6 /lib/x86_64-linux-gnu/libc.so.6 /usr/lib/x86_64-linux-gnu/libc.so.6"
	libdir = "/usr/lib/x86_64-linux-gnu/"
)

func prog(o obj) *fstest.MapFile {
	o.Interp = ldso
	o.Needed = append(o.Needed, "libc.so.6")
	return o.File()
}

func lib(soname string, o obj) *fstest.MapFile {
	o.Soname = soname
	o.Needed = append(o.Needed, "libc.so.6")
	return o.File()
}

func TestResolveGlibc(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]*fstest.MapFile
		prog  string
		opts  closure.Options
		want  []string
	}{{
		name:  "libc from the default directories",
		files: map[string]*fstest.MapFile{"/usr/bin/p": prog(obj{})},
		want:  []string{libc},
	}, {
		name: "RUNPATH with $ORIGIN of the real program",
		files: map[string]*fstest.MapFile{
			"/usr/bin/p":               link("../../opt/app/bin/p"),
			"/opt/app/bin/p":           prog(obj{Needed: []string{"libfoo.so.1"}, RunPath: "$ORIGIN/../lib"}),
			"/opt/app/lib/libfoo.so.1": lib("libfoo.so.1", obj{}),
			libdir + "libfoo.so.1":     lib("libfoo.so.1", obj{}),
		},
		want: []string{"libfoo.so.1 /opt/app/lib/libfoo.so.1 /opt/app/lib/libfoo.so.1", libc},
	}, {
		name: "${ORIGIN} of a library is the directory it was found in",
		files: map[string]*fstest.MapFile{
			"/usr/bin/p":            prog(obj{Needed: []string{"liba.so"}, RunPath: "/opt/link"}),
			"/opt/link":             link("real"),
			"/opt/real/liba.so":     lib("liba.so", obj{Needed: []string{"libb.so"}, RunPath: "${ORIGIN}/sub"}),
			"/opt/real/sub/libb.so": lib("libb.so", obj{}),
		},
		want: []string{"liba.so /opt/link/liba.so /opt/real/liba.so", libc, "libb.so /opt/link/sub/libb.so /opt/real/sub/libb.so"},
	}, {
		name: "RPATH is inherited by the libraries the program loads",
		files: map[string]*fstest.MapFile{
			"/usr/bin/p":     prog(obj{Needed: []string{"liba.so"}, RPath: "/opt/r"}),
			"/opt/r/liba.so": lib("liba.so", obj{Needed: []string{"libb.so"}}),
			"/opt/r/libb.so": lib("libb.so", obj{}),
		},
		want: []string{"liba.so /opt/r/liba.so /opt/r/liba.so", libc, "libb.so /opt/r/libb.so /opt/r/libb.so"},
	}, {
		name: "RUNPATH is not inherited",
		files: map[string]*fstest.MapFile{
			"/usr/bin/p":     prog(obj{Needed: []string{"liba.so"}, RunPath: "/opt/r"}),
			"/opt/r/liba.so": lib("liba.so", obj{Needed: []string{"libb.so"}}),
			"/opt/r/libb.so": lib("libb.so", obj{}),
		},
		want: []string{"liba.so /opt/r/liba.so /opt/r/liba.so", libc, "missing libb.so"},
	}, {
		name: "a RUNPATH on the loading library turns inherited RPATH off",
		files: map[string]*fstest.MapFile{
			"/usr/bin/p":     prog(obj{Needed: []string{"liba.so"}, RPath: "/opt/r"}),
			"/opt/r/liba.so": lib("liba.so", obj{Needed: []string{"libb.so"}, RunPath: "/nowhere"}),
			"/opt/r/libb.so": lib("libb.so", obj{}),
		},
		want: []string{"liba.so /opt/r/liba.so /opt/r/liba.so", libc, "missing libb.so"},
	}, {
		name: "an object with RPATH and RUNPATH ignores its RPATH",
		files: map[string]*fstest.MapFile{
			"/usr/bin/p":     prog(obj{Needed: []string{"liba.so"}, RPath: "/opt/r", RunPath: "/opt/run"}),
			"/opt/r/liba.so": lib("liba.so", obj{}),
		},
		want: []string{libc, "missing liba.so"},
	}, {
		name: "RPATH comes before LD_LIBRARY_PATH",
		files: map[string]*fstest.MapFile{
			"/usr/bin/p":       prog(obj{Needed: []string{"libfoo.so"}, RPath: "/opt/r"}),
			"/opt/r/libfoo.so": lib("libfoo.so", obj{}),
			"/opt/e/libfoo.so": lib("libfoo.so", obj{}),
		},
		opts: closure.Options{LDLibraryPath: []string{"/opt/e"}},
		want: []string{"libfoo.so /opt/r/libfoo.so /opt/r/libfoo.so", libc},
	}, {
		name: "LD_LIBRARY_PATH comes before RUNPATH and expands $ORIGIN",
		files: map[string]*fstest.MapFile{
			"/opt/bin/p":         prog(obj{Needed: []string{"libfoo.so"}, RunPath: "/opt/run"}),
			"/opt/run/libfoo.so": lib("libfoo.so", obj{}),
			"/opt/e/libfoo.so":   lib("libfoo.so", obj{}),
		},
		prog: "/opt/bin/p",
		opts: closure.Options{LDLibraryPath: []string{"/nonexistent", "$ORIGIN/../e"}},
		want: []string{"libfoo.so /opt/e/libfoo.so /opt/e/libfoo.so", libc},
	}, {
		name: "libraries of the wrong class, machine or format are skipped",
		files: map[string]*fstest.MapFile{
			"/usr/bin/p":   prog(obj{Needed: []string{"libfoo.so"}, RunPath: "/a:/b:/c:/d"}),
			"/a/libfoo.so": obj{Soname: "libfoo.so", Class: elf.ELFCLASS32, Machine: elf.EM_386}.File(),
			"/b/libfoo.so": obj{Soname: "libfoo.so", Machine: elf.EM_AARCH64}.File(),
			"/c/libfoo.so": text("/* GNU ld script */\nGROUP ( /d/libfoo.so )\n"),
			"/d/libfoo.so": lib("libfoo.so", obj{}),
		},
		want: []string{"libfoo.so /d/libfoo.so /d/libfoo.so", libc},
	}, {
		name: "ld.so.cache before the default directories",
		files: map[string]*fstest.MapFile{
			"/usr/bin/p":            prog(obj{Needed: []string{"libfoo.so.1", "libbar.so.2"}}),
			"/etc/ld.so.cache":      {Data: mkCache(cacheEntries, true)},
			"/opt/base/libfoo.so.1": lib("libfoo.so.1", obj{}),
			"/opt/v3/libfoo.so.1":   lib("libfoo.so.1", obj{}),
			"/opt/i386/libbar.so.2": lib("libbar.so.2", obj{}),
			libdir + "libfoo.so.1":  lib("libfoo.so.1", obj{}),
		},
		want: []string{"libfoo.so.1 /opt/base/libfoo.so.1 /opt/base/libfoo.so.1", libc, "missing libbar.so.2"},
	}, {
		name: "glibc-hwcaps entries of the cache and subdirectories",
		files: map[string]*fstest.MapFile{
			"/usr/bin/p":                                prog(obj{Needed: []string{"libfoo.so.1", "libz.so.1"}}),
			"/etc/ld.so.cache":                          {Data: mkCache(cacheEntries, false)},
			"/opt/base/libfoo.so.1":                     lib("libfoo.so.1", obj{}),
			"/opt/v3/libfoo.so.1":                       lib("libfoo.so.1", obj{}),
			libdir + "libz.so.1":                        lib("libz.so.1", obj{}),
			libdir + "glibc-hwcaps/x86-64-v3/libz.so.1": lib("libz.so.1", obj{}),
		},
		opts: closure.Options{HWCaps: []string{"x86-64-v3", "x86-64-v2"}},
		want: []string{
			"libfoo.so.1 /opt/v3/libfoo.so.1 /opt/v3/libfoo.so.1",
			"libz.so.1 /lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3/libz.so.1 /usr/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3/libz.so.1",
			libc,
		},
	}, {
		name: "a cache entry whose file is gone falls through to the directories",
		files: map[string]*fstest.MapFile{
			"/usr/bin/p":           prog(obj{Needed: []string{"libfoo.so.1"}}),
			"/etc/ld.so.cache":     {Data: mkCache(cacheEntries, false)},
			"/usr/lib/libfoo.so.1": lib("libfoo.so.1", obj{}),
		},
		want: []string{"libfoo.so.1 /lib/libfoo.so.1 /usr/lib/libfoo.so.1", libc},
	}, {
		name: "$LIB and $PLATFORM",
		files: map[string]*fstest.MapFile{
			"/usr/bin/p": prog(obj{Needed: []string{"libfoo.so"}, RunPath: "/opt/$LIB/${PLATFORM}:/opt/$NOTATOKEN"}),
			"/opt/lib/x86_64-linux-gnu/x86_64/libfoo.so": lib("libfoo.so", obj{}),
		},
		want: []string{"libfoo.so /opt/lib/x86_64-linux-gnu/x86_64/libfoo.so /opt/lib/x86_64-linux-gnu/x86_64/libfoo.so", libc},
	}, {
		name: "a soname already loaded is not searched again",
		files: map[string]*fstest.MapFile{
			"/usr/bin/p":         prog(obj{Needed: []string{"libother.so", "liba.so"}, RunPath: "/opt/l"}),
			"/opt/l/libother.so": lib("libx.so.1", obj{}),
			"/opt/l/liba.so":     lib("liba.so", obj{Needed: []string{"libx.so.1"}}),
			libdir + "libx.so.1": lib("libx.so.1", obj{}),
		},
		want: []string{"libother.so /opt/l/libother.so /opt/l/libother.so", "liba.so /opt/l/liba.so /opt/l/liba.so", libc},
	}, {
		name: "one file under two names is loaded once",
		files: map[string]*fstest.MapFile{
			"/usr/bin/p":           prog(obj{Needed: []string{"libfoo.so.1", "libfoo.so"}}),
			libdir + "libfoo.so.1": lib("", obj{}),
			libdir + "libfoo.so":   link("libfoo.so.1"),
		},
		want: []string{"libfoo.so.1 /lib/x86_64-linux-gnu/libfoo.so.1 /usr/lib/x86_64-linux-gnu/libfoo.so.1", libc},
	}, {
		name: "missing libraries and symlink loops are data",
		files: map[string]*fstest.MapFile{
			"/usr/bin/p":           prog(obj{Needed: []string{"libnope.so.1", "libloop.so"}}),
			libdir + "libloop.so":  link("libloop2.so"),
			libdir + "libloop2.so": link("/lib/x86_64-linux-gnu/libloop.so"),
		},
		want: []string{libc, "missing libnope.so.1", "missing libloop.so"},
	}, {
		name: "a DT_NEEDED path is opened as it is",
		files: map[string]*fstest.MapFile{
			"/usr/bin/p":          prog(obj{Needed: []string{"/opt/x/libabs.so", "$ORIGIN/libhere.so"}}),
			"/opt/x/libabs.so":    lib("libabs.so", obj{}),
			"/usr/bin/libhere.so": lib("libhere.so", obj{}),
		},
		want: []string{"/opt/x/libabs.so /opt/x/libabs.so /opt/x/libabs.so", "$ORIGIN/libhere.so /usr/bin/libhere.so /usr/bin/libhere.so", libc},
	}, {
		name: "/etc/ld.so.preload",
		files: map[string]*fstest.MapFile{
			"/usr/bin/p":          prog(obj{}),
			"/etc/ld.so.preload":  text("libpre.so /opt/pre/libpre2.so libgone.so\n"),
			libdir + "libpre.so":  lib("libpre.so", obj{}),
			"/opt/pre/libpre2.so": lib("libpre2.so", obj{}),
		},
		want: []string{"libpre.so /lib/x86_64-linux-gnu/libpre.so /usr/lib/x86_64-linux-gnu/libpre.so", "/opt/pre/libpre2.so /opt/pre/libpre2.so /opt/pre/libpre2.so", libc},
	}, {
		name:  "a shared library on its own",
		files: map[string]*fstest.MapFile{"/opt/l/liba.so": lib("liba.so", obj{Needed: []string{"libb.so"}, RunPath: "$ORIGIN"}), "/opt/l/libb.so": lib("libb.so", obj{})},
		prog:  "/opt/l/liba.so",
		want:  []string{"libb.so /opt/l/libb.so /opt/l/libb.so", libc, "ld-linux-x86-64.so.2 /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := closure.New(glibcRoot(tt.files), tt.opts)
			p := tt.prog
			if p == "" {
				p = "/usr/bin/p"
			}
			res, err := r.Resolve(p)
			if err != nil {
				t.Fatal(err)
			}
			if got := describe(res); !slices.Equal(got, tt.want) {
				t.Errorf("closure:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestResolveInterpreter(t *testing.T) {
	r := closure.New(glibcRoot(map[string]*fstest.MapFile{"/usr/bin/p": prog(obj{})}), closure.Options{})
	res, err := r.Resolve("/usr/bin/p")
	if err != nil {
		t.Fatal(err)
	}
	in := res.Interpreter
	if in == nil {
		t.Fatal("no interpreter")
	}
	want := closure.Object{
		Soname:   "ld-linux-x86-64.so.2",
		Path:     ldso,
		Realpath: "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
		Links:    []string{"/lib64", "/usr/lib64/ld-linux-x86-64.so.2", "/lib"},
		NeededBy: []string{"/usr/bin/p", "/lib/x86_64-linux-gnu/libc.so.6"},
	}
	got := *in
	got.File = nil
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("interpreter:\n got %+v\nwant %+v", got, want)
	}
	if res.Objects[0].NeededBy[0] != "/usr/bin/p" || !slices.Equal(res.Objects[0].Links, []string{"/lib"}) {
		t.Errorf("libc: %+v", res.Objects[0])
	}

	// A program whose loader is missing: reported, not an error.
	r = closure.New(fstest.MapFS{"p": prog(obj{})}, closure.Options{})
	res, err = r.Resolve("/p")
	if err != nil {
		t.Fatal(err)
	}
	if got := describe(res); !slices.Equal(got, []string{"missing " + ldso, "missing libc.so.6"}) {
		t.Errorf("without a loader: %q", got)
	}
}

func TestResolveBadInput(t *testing.T) {
	fsys := glibcRoot(map[string]*fstest.MapFile{
		"/loop":      link("/loop"),
		"/text":      text("hello"),
		"/truncated": {Data: prog(obj{}).Data[:100]},
	})
	r := closure.New(fsys, closure.Options{})
	for name, want := range map[string]error{
		"/loop":      rootfs.ErrLoop,
		"/missing":   fs.ErrNotExist,
		"/text":      nil,
		"/truncated": nil,
		"/usr":       closure.ErrNotRegular,
	} {
		_, err := r.Resolve(name)
		if err == nil || want != nil && !errors.Is(err, want) {
			t.Errorf("Resolve(%s) = %v, want %v", name, err, want)
		}
	}
}

func TestResolveMusl(t *testing.T) {
	const muslLdso = "/lib/ld-musl-x86_64.so.1"
	mprog := func(o obj) *fstest.MapFile {
		o.Interp = muslLdso
		o.Needed = append(o.Needed, "libc.musl-x86_64.so.1")
		return o.File()
	}
	base := func(extra map[string]*fstest.MapFile) fstest.MapFS {
		m := fstest.MapFS{"lib/ld-musl-x86_64.so.1": obj{}.File()}
		for k, v := range extra {
			m[strings.TrimPrefix(k, "/")] = v
		}
		return m
	}
	tests := []struct {
		name  string
		files map[string]*fstest.MapFile
		prog  string
		opts  closure.Options
		want  []string
	}{{
		name: "libc and its parts are the loader itself",
		files: map[string]*fstest.MapFile{
			"/usr/bin/p": mprog(obj{Needed: []string{"libpthread.so.0", "libm.so.6"}}),
		},
		want: nil,
	}, {
		name: "default path without a path file",
		files: map[string]*fstest.MapFile{
			"/usr/bin/p":               mprog(obj{Needed: []string{"libfoo.so", "libbar.so"}}),
			"/usr/local/lib/libfoo.so": obj{Soname: "libfoo.so"}.File(),
			"/usr/lib/libfoo.so":       obj{Soname: "libfoo.so"}.File(),
			"/usr/lib/libbar.so":       obj{Soname: "libbar.so"}.File(),
		},
		want: []string{"libfoo.so /usr/local/lib/libfoo.so /usr/local/lib/libfoo.so", "libbar.so /usr/lib/libbar.so /usr/lib/libbar.so"},
	}, {
		name: "the path file, lines and colons",
		files: map[string]*fstest.MapFile{
			"/usr/bin/p":               mprog(obj{Needed: []string{"libfoo.so", "libbar.so"}}),
			"/etc/ld-musl-x86_64.path": text("/opt/m1\n/opt/m2:/opt/m3\n"),
			"/opt/m3/libfoo.so":        obj{Soname: "libfoo.so"}.File(),
			"/opt/m2/libbar.so":        obj{Soname: "libbar.so"}.File(),
			"/usr/lib/libbar.so":       obj{Soname: "libbar.so"}.File(),
		},
		want: []string{"libfoo.so /opt/m3/libfoo.so /opt/m3/libfoo.so", "libbar.so /opt/m2/libbar.so /opt/m2/libbar.so"},
	}, {
		name: "LD_LIBRARY_PATH, then RUNPATH and RPATH inherited",
		files: map[string]*fstest.MapFile{
			"/usr/bin/p":     mprog(obj{Needed: []string{"liba.so", "libe.so"}, RunPath: "$ORIGIN/../r"}),
			"/usr/r/liba.so": obj{Soname: "liba.so", Needed: []string{"libb.so"}}.File(),
			"/usr/r/libb.so": obj{Soname: "libb.so"}.File(),
			"/usr/r/libe.so": obj{Soname: "libe.so"}.File(),
			"/opt/e/libe.so": obj{Soname: "libe.so"}.File(),
		},
		opts: closure.Options{LDLibraryPath: []string{"/opt/e"}},
		want: []string{"liba.so /usr/r/liba.so /usr/r/liba.so", "libe.so /opt/e/libe.so /opt/e/libe.so", "libb.so /usr/r/libb.so /usr/r/libb.so"},
	}, {
		name: "musl stops at the first file of the name, even a wrong one",
		files: map[string]*fstest.MapFile{
			"/usr/bin/p":         mprog(obj{Needed: []string{"libfoo.so"}}),
			"/lib/libfoo.so":     obj{Soname: "libfoo.so", Machine: elf.EM_AARCH64}.File(),
			"/usr/lib/libfoo.so": obj{Soname: "libfoo.so"}.File(),
		},
		want: []string{"missing libfoo.so"},
	}, {
		name: "the path file sits beside the loader's directory",
		files: map[string]*fstest.MapFile{
			"/opt/musl/lib/ld-musl-x86_64.so.1": obj{}.File(),
			"/opt/musl/etc/ld-musl-x86_64.path": text("/opt/musl/lib"),
			"/opt/musl/lib/libfoo.so":           obj{Soname: "libfoo.so"}.File(),
			"/usr/bin/p":                        obj{Interp: "/opt/musl/lib/ld-musl-x86_64.so.1", Needed: []string{"libfoo.so", "libc.so"}}.File(),
		},
		want: []string{"libfoo.so /opt/musl/lib/libfoo.so /opt/musl/lib/libfoo.so"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := closure.New(base(tt.files), tt.opts)
			res, err := r.Resolve("/usr/bin/p")
			if err != nil {
				t.Fatal(err)
			}
			if res.Interpreter == nil {
				t.Fatal("no interpreter")
			}
			if got := describe(res); !slices.Equal(got, tt.want) {
				t.Errorf("closure:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestResolverConcurrent resolves the same programs from many goroutines
// (run with -race): the results must agree, and each file is parsed once.
func TestResolverConcurrent(t *testing.T) {
	files := map[string]*fstest.MapFile{}
	for i := range 20 {
		files[fmt.Sprintf("/usr/bin/p%d", i)] = prog(obj{Needed: []string{"liba.so", fmt.Sprintf("lib%d.so", i%3)}})
	}
	files[libdir+"liba.so"] = lib("liba.so", obj{Needed: []string{"lib0.so"}})
	for i := range 3 {
		files[fmt.Sprintf("%slib%d.so", libdir, i)] = lib(fmt.Sprintf("lib%d.so", i), obj{})
	}
	r := closure.New(glibcRoot(files), closure.Options{})
	var wg sync.WaitGroup
	results := make([][]string, 80)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := r.Resolve(fmt.Sprintf("/usr/bin/p%d", i%20))
			if err != nil {
				t.Error(err)
				return
			}
			results[i] = describe(res)
		}()
	}
	wg.Wait()
	for i := range results {
		if !slices.Equal(results[i], results[i%20]) {
			t.Errorf("p%d: %q vs %q", i%20, results[i], results[i%20])
		}
	}
	a, _ := r.File("/usr/lib/x86_64-linux-gnu/liba.so")
	b, _ := r.File("/lib/x86_64-linux-gnu/liba.so")
	if a == nil || a != b {
		t.Errorf("liba.so parsed twice (%p, %p)", a, b)
	}
}

// FuzzResolve feeds arbitrary bytes as a program, and as a library it
// needs: the resolver must answer with a result or an error, never panic.
func FuzzResolve(f *testing.F) {
	f.Add(obj{Interp: ldso, Needed: []string{"libfoo.so", "libc.so.6"}, RunPath: "$ORIGIN/../lib"}.Bytes(), obj{Soname: "libfoo.so"}.Bytes())
	f.Add(obj{Interp: "/lib/ld-musl-x86_64.so.1", Needed: []string{"libc.so"}}.Bytes(), []byte("#!/bin/sh\n"))
	f.Add([]byte("\x7fELF\x02\x01\x01"), []byte{})
	f.Fuzz(func(t *testing.T, prog, lib []byte) {
		fsys := glibcRoot(map[string]*fstest.MapFile{
			"/usr/bin/p":         {Data: prog, Mode: 0o755},
			"/usr/lib/libfoo.so": {Data: lib, Mode: 0o755},
			"/etc/ld.so.cache":   {Data: lib},
			"/etc/ld.so.preload": {Data: lib},
		})
		r := closure.New(fsys, closure.Options{LDLibraryPath: []string{"$ORIGIN", "/usr/lib"}})
		res, err := r.Resolve("/usr/bin/p")
		if err == nil && res == nil {
			t.Fatal("no result and no error")
		}
	})
}

// TestResolveDlopenNote checks that the libraries a .note.dlopen names are
// resolved with the loader's rules after the DT_NEEDED closure, each with
// its own DT_NEEDED, the first alternative found winning, and that a
// missing one is optional unless its priority is "required".
func TestResolveDlopenNote(t *testing.T) {
	note := `[{"feature":"zstd","priority":"suggested","soname":["libzstd.so.1"]},` +
		`{"feature":"idn","soname":["libidn2.so.0","libidn.so.12"]},` +
		`{"feature":"pcre","priority":"required","soname":["libpcre2-8.so.0"]},` +
		`{"feature":"c","soname":["libc.so.6"]}]`
	files := map[string]*fstest.MapFile{
		"/usr/bin/p":                     prog(obj{Needed: []string{"liba.so"}, RunPath: "/opt/app"}),
		"/opt/app/liba.so":               lib("liba.so", obj{Dlopen: note}),
		"/opt/app/libidn.so.12":          lib("libidn.so.12", obj{Needed: []string{"libunistring.so.2"}}),
		libdir + "libidn.so.12":          lib("libidn.so.12", obj{}),
		libdir + "libunistring.so.2":     lib("libunistring.so.2", obj{}),
		"/opt/elsewhere/libzstd.so.1":    lib("libzstd.so.1", obj{}),
		"/opt/elsewhere/libpcre2-8.so.0": lib("libpcre2-8.so.0", obj{}),
	}
	res, err := closure.New(glibcRoot(files), closure.Options{}).Resolve("/usr/bin/p")
	if err != nil {
		t.Fatal(err)
	}
	// liba.so has no RUNPATH of its own, so the program's does not apply
	// to what it dlopens: libidn.so.12 comes from the default directory.
	want := []string{
		"liba.so /opt/app/liba.so /opt/app/liba.so", libc,
		"libidn.so.12 /lib/x86_64-linux-gnu/libidn.so.12 " + libdir + "libidn.so.12",
		"missing libzstd.so.1", "missing libpcre2-8.so.0",
	}
	if got := describe(res); !slices.Equal(got, want) {
		t.Fatalf("closure:\n got %q\nwant %q", got, want)
	}
	for _, o := range res.Objects {
		if o.Dlopen != (o.Soname == "libidn.so.12") {
			t.Errorf("%s: Dlopen = %v", o.Soname, o.Dlopen)
		}
	}
	for _, m := range res.Missing {
		if !m.Dlopen || m.Optional != (m.Soname == "libzstd.so.1") || !strings.Contains(m.Reason, "dlopen for") {
			t.Errorf("missing %+v: want a dlopen entry, optional only for the suggested one", m)
		}
	}

	// The dlopen'ed library's own DT_NEEDED come with it, marked as
	// loaded by dlopen too.
	files[libdir+"libidn.so.12"] = lib("libidn.so.12", obj{Needed: []string{"libunistring.so.2"}})
	res, err = closure.New(glibcRoot(files), closure.Options{}).Resolve("/usr/bin/p")
	if err != nil {
		t.Fatal(err)
	}
	var dl []string
	for _, o := range res.Objects {
		if o.Dlopen {
			dl = append(dl, o.Soname)
		}
	}
	if !slices.Equal(dl, []string{"libidn.so.12", "libunistring.so.2"}) {
		t.Errorf("loaded by dlopen: %q, want libidn.so.12 and its libunistring.so.2", dl)
	}
}
