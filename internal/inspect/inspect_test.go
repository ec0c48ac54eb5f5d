package inspect_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/dietimg/diet/internal/artifact"
	"github.com/dietimg/diet/internal/closure"
	"github.com/dietimg/diet/internal/closure/closuretest"
	"github.com/dietimg/diet/internal/inspect"
	"github.com/dietimg/diet/internal/rootfs"
	"github.com/dietimg/diet/internal/why"
)

type obj = closuretest.Obj

func prog(needed ...string) *fstest.MapFile {
	return obj{Interp: closuretest.Ldso, Needed: append(needed, "libc.so.6")}.File()
}

// root is a small Debian-like tree: a dynamically linked program behind
// a symlink, scripts of every kind, and broken files.
func root() fstest.MapFS {
	return closuretest.GlibcRoot(map[string]*fstest.MapFile{
		"bin":                                closuretest.Link("usr/bin"),
		"usr/bin/app":                        closuretest.Link("../lib/app/app"),
		"usr/lib/app/app":                    prog("libz.so.1"),
		"usr/lib/x86_64-linux-gnu/libz.so.1": closuretest.Link("libz.so.1.2.13"),
		"usr/lib/x86_64-linux-gnu/libz.so.1.2.13": obj{Soname: "libz.so.1", Needed: []string{"libc.so.6"}}.File(),
		"usr/bin/dash":         prog(),
		"usr/bin/sh":           closuretest.Link("dash"),
		"usr/bin/env":          prog(),
		"usr/bin/python3":      closuretest.Link("python3.11"),
		"usr/bin/python3.11":   prog("libz.so.1"),
		"usr/bin/static":       obj{Type: 2}.File(),
		"usr/bin/script":       closuretest.Text("#!/bin/sh -e\necho hi\n"),
		"usr/bin/pyscript":     closuretest.Text("#!/usr/bin/env python3\nprint(1)\n"),
		"usr/bin/nopython":     closuretest.Text("#!/usr/bin/env -S nopython -u\n"),
		"usr/bin/noshell":      closuretest.Text("#!/bin/nosh\n"),
		"usr/bin/loop1":        closuretest.Text("#!/usr/bin/loop2\n"),
		"usr/bin/loop2":        closuretest.Text("#!/usr/bin/loop1\n"),
		"usr/bin/needsmissing": prog("libnope.so.3"),
		"etc/passwd":           closuretest.Text("root:x:0:0::/root:/bin/sh\n"),
		"usr/bin/linkloop":     closuretest.Link("linkloop"),
		"usr/bin/truncated":    {Data: prog().Data[:80], Mode: 0o755},
		"usr/bin/corrupt":      {Data: append([]byte("\x7fELF\x02\x01\x01"), make([]byte, 100)...), Mode: 0o755},
		"usr/bin/empty":        {Data: nil, Mode: 0o755},
	})
}

func newResolver() *closure.Resolver { return closure.New(root(), closure.Options{}) }

func TestInspectELF(t *testing.T) {
	rep, err := inspect.Inspect(newResolver(), "/usr/bin/app")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Kind != inspect.KindELF || rep.Realpath != "/usr/lib/app/app" || !slices.Equal(rep.Links, []string{"/usr/bin/app"}) {
		t.Errorf("report %+v", rep)
	}
	if rep.ELF == nil || rep.ELF.Linkage != "dynamic" || rep.Closure == nil || len(rep.Closure.Objects) != 2 {
		t.Fatalf("facts %+v closure %+v", rep.ELF, rep.Closure)
	}
	want := []artifact.File{
		{Path: "/lib", Link: "usr/lib", Reason: why.Reason{Kind: "link", By: "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"}},
		{Path: "/lib64", Link: "usr/lib64", Reason: why.Reason{Kind: "link", By: "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"}},
		{Path: "/usr/bin/app", Link: "../lib/app/app", Reason: why.Reason{Kind: "link", By: "/usr/lib/app/app"}},
		{Path: "/usr/lib/app/app", Reason: why.Reason{Kind: "program"}},
		{Path: "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", Reason: why.Reason{Kind: "loader", By: "/usr/lib/app/app"}},
		{Path: "/usr/lib/x86_64-linux-gnu/libc.so.6", Reason: why.Reason{Kind: "needed", By: "/usr/bin/app"}},
		{Path: "/usr/lib/x86_64-linux-gnu/libz.so.1", Link: "libz.so.1.2.13", Reason: why.Reason{Kind: "link", By: "/usr/lib/x86_64-linux-gnu/libz.so.1.2.13"}},
		{Path: "/usr/lib/x86_64-linux-gnu/libz.so.1.2.13", Reason: why.Reason{Kind: "needed", By: "/usr/bin/app"}},
		{Path: "/usr/lib64/ld-linux-x86-64.so.2", Link: "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", Reason: why.Reason{Kind: "link", By: "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"}},
	}
	got := rep.Files()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Files():\n%s", diffFiles(got, want))
	}
}

func diffFiles(got, want []artifact.File) string {
	var b strings.Builder
	for _, f := range got {
		fmt.Fprintf(&b, " got  %+v\n", f)
	}
	for _, f := range want {
		fmt.Fprintf(&b, " want %+v\n", f)
	}
	return b.String()
}

func TestInspectScripts(t *testing.T) {
	r := newResolver()
	t.Run("sh", func(t *testing.T) {
		rep, err := inspect.Inspect(r, "/usr/bin/script")
		if err != nil {
			t.Fatal(err)
		}
		if rep.Kind != inspect.KindScript || *rep.Script != (inspect.Script{Interpreter: "/bin/sh", Arg: "-e"}) {
			t.Fatalf("report %+v", rep)
		}
		if in := rep.Interpreter; in == nil || in.Realpath != "/usr/bin/dash" || in.Kind != inspect.KindELF {
			t.Fatalf("interpreter %+v", in)
		}
		paths := map[string]string{}
		for _, f := range rep.Files() {
			paths[f.Path] = string(f.Reason.Kind)
		}
		for p, kind := range map[string]string{
			"/usr/bin/script": "program", "/bin": "link", "/usr/bin/sh": "link", "/usr/bin/dash": "interpreter",
			"/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2": "loader", "/usr/lib/x86_64-linux-gnu/libc.so.6": "needed",
		} {
			if paths[p] != kind {
				t.Errorf("Files()[%s] = %q, want %q (all: %v)", p, paths[p], kind, paths)
			}
		}
	})
	t.Run("env", func(t *testing.T) {
		rep, err := inspect.Inspect(r, "/usr/bin/pyscript")
		if err != nil {
			t.Fatal(err)
		}
		if rep.EnvProgram == nil || rep.EnvProgram.Realpath != "/usr/bin/python3.11" {
			t.Fatalf("env program %+v", rep.EnvProgram)
		}
		var paths []string
		for _, f := range rep.Files() {
			paths = append(paths, f.Path)
		}
		for _, p := range []string{"/usr/bin/env", "/usr/bin/python3", "/usr/bin/python3.11", "/usr/lib/x86_64-linux-gnu/libz.so.1.2.13"} {
			if !slices.Contains(paths, p) {
				t.Errorf("Files() lacks %s: %v", p, paths)
			}
		}
	})
	for name, want := range map[string]string{"/usr/bin/nopython": "nopython", "/usr/bin/noshell": "/bin/nosh"} {
		t.Run(name, func(t *testing.T) {
			rep, err := inspect.Inspect(r, name)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Closure == nil || len(rep.Closure.Missing) != 1 || rep.Closure.Missing[0].Soname != want {
				t.Fatalf("closure %+v, want %s missing", rep.Closure, want)
			}
		})
	}
	t.Run("loop", func(t *testing.T) {
		_, err := inspect.Inspect(r, "/usr/bin/loop1")
		if !errors.Is(err, inspect.ErrTooManyInterpreters) {
			t.Errorf("err = %v", err)
		}
	})
}

func TestInspectOtherAndErrors(t *testing.T) {
	r := newResolver()
	for name, want := range map[string]error{
		"/etc/passwd":        nil,
		"/usr/bin/empty":     nil,
		"/usr/bin/missing":   fs.ErrNotExist,
		"/usr/bin/linkloop":  rootfs.ErrLoop,
		"/usr/bin":           nil, // a directory: an error, checked below
		"/usr/bin/truncated": nil,
		"/usr/bin/corrupt":   nil,
	} {
		rep, err := inspect.Inspect(r, name)
		if rep == nil {
			t.Fatalf("%s: nil report", name)
		}
		switch name {
		case "/etc/passwd", "/usr/bin/empty":
			if err != nil || rep.Kind != inspect.KindOther {
				t.Errorf("%s: kind %q, err %v", name, rep.Kind, err)
			}
			continue
		}
		if err == nil || rep.Error == "" {
			t.Errorf("%s: no error (report %+v)", name, rep)
			continue
		}
		if !strings.Contains(err.Error(), name) {
			t.Errorf("%s: error %q does not name the file", name, err)
		}
		if want != nil && !errors.Is(err, want) {
			t.Errorf("%s: err = %v, want %v", name, err, want)
		}
	}
}

func TestReportJSON(t *testing.T) {
	r := newResolver()
	rep, err := inspect.Inspect(r, "/usr/bin/needsmissing")
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"path", "kind", "linkage", "interpreter", "libc", "needed", "closure", "missing", "glibc_min", "dlopen", "go", "needs", "class", "machine", "stripped", "loader"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, b)
		}
	}
	if m["interpreter"] != closuretest.Ldso || m["linkage"] != "dynamic" {
		t.Errorf("interpreter %v, linkage %v", m["interpreter"], m["linkage"])
	}
	cl := m["closure"].([]any)
	if len(cl) != 1 || cl[0].(map[string]any)["realpath"] != "/usr/lib/x86_64-linux-gnu/libc.so.6" {
		t.Errorf("closure %v", cl)
	}
	if miss := m["missing"].([]any); len(miss) != 1 || miss[0].(map[string]any)["soname"] != "libnope.so.3" {
		t.Errorf("missing %v", miss)
	}

	// A static file has empty lists, not nulls; a script nests its
	// interpreter; other files have no ELF keys.
	for name, check := range map[string]func(map[string]any) error{
		"/usr/bin/static": func(m map[string]any) error {
			if m["linkage"] != "static" || fmt.Sprint(m["closure"]) != "[]" || fmt.Sprint(m["needed"]) != "[]" {
				return fmt.Errorf("static: %v", m)
			}
			return nil
		},
		"/usr/bin/script": func(m map[string]any) error {
			in, ok := m["script_interpreter"].(map[string]any)
			if m["kind"] != "script" || !ok || in["realpath"] != "/usr/bin/dash" || in["linkage"] != "dynamic" {
				return fmt.Errorf("script: %v", m)
			}
			return nil
		},
		"/etc/passwd": func(m map[string]any) error {
			if _, ok := m["linkage"]; ok || m["kind"] != "other" {
				return fmt.Errorf("other: %v", m)
			}
			return nil
		},
	} {
		rep, err := inspect.Inspect(r, name)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(rep)
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		if err := check(m); err != nil {
			t.Error(err)
		}
	}
}

func TestManyAndWalk(t *testing.T) {
	r := newResolver()
	names, err := inspect.Walk(r.FS(), "/bin")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(names, "/usr/bin/app") || !slices.Contains(names, "/usr/bin/linkloop") || !slices.IsSorted(names) {
		t.Fatalf("Walk: %v", names)
	}
	reps, errs := inspect.Many(r, names)
	if len(reps) != len(names) {
		t.Fatalf("%d reports for %d names", len(reps), len(names))
	}
	failed := 0
	for i, rep := range reps {
		if rep.Path != names[i] {
			t.Errorf("report %d is %s, want %s", i, rep.Path, names[i])
		}
		if errs[i] != nil {
			failed++
		}
	}
	// linkloop, loop1, loop2, truncated, corrupt.
	if failed != 5 {
		t.Errorf("%d files failed, want 5: %v", failed, errs)
	}
}
