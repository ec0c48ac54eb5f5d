package reach

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// TestClaims tells each language's files by name and #! line.
func TestClaims(t *testing.T) {
	img := &Image{FS: fstest.MapFS{}}
	langs := map[string]Language{"node": newNode(img), "perl": newPerl(img), "python": newPython(img), "shell": newShell(img)}
	for _, tt := range []struct {
		lang, path, head string
		want             bool
	}{
		{"node", "/app/a.js", "", true}, {"node", "/app/a.mjs", "", true}, {"node", "/app/a.cjs", "", true},
		{"node", "/usr/bin/tool", "#!/usr/bin/node\n", true}, {"node", "/usr/bin/tool", "#!/usr/bin/env nodejs --max-old-space-size=1\n", true},
		{"node", "/usr/bin/tool", "#!/bin/sh\n", false}, {"node", "/app/package.json", "{}", false}, {"node", "/app/a.py", "", false},

		{"perl", "/x.pl", "use strict;\n", true}, {"perl", "/x.pm", "package X;\n", true}, {"perl", "/t/basic.t", "use Test::More;\n", true},
		{"perl", "/usr/bin/tool", "#!/usr/bin/perl -w\n", true}, {"perl", "/usr/bin/tool", "#!/usr/bin/env perl\n", true},
		{"perl", "/usr/bin/tool", "#!/usr/bin/perl5.36.0\n", true}, {"perl", "/x.pl", "#!/bin/sh\n", false},
		{"perl", "/x", "#!/usr/bin/perlbug\n", false}, {"perl", "/x", "use strict;\n", false},

		{"python", "/app/x.py", "", true}, {"python", "/usr/bin/tool", "#!/usr/bin/python3\nimport x\n", true},
		{"python", "/usr/bin/tool", "#!/usr/bin/env python3.11\n", true}, {"python", "/usr/bin/tool", "#!/bin/sh\n", false},
		{"python", "/app/x.pyc", "", false}, {"python", "/app/python", "", false},

		{"shell", "/x", "#!/bin/sh\n", true}, {"shell", "/x", "#!/usr/bin/env bash\n", true}, {"shell", "/x", "#! /bin/dash -e\n", true},
		{"shell", "/x", "#!/bin/busybox sh\n", true}, {"shell", "/x", "#!/bin/busybox wget\n", false}, {"shell", "/x.sh", "echo\n", true},
		{"shell", "/x.sh", "#!/usr/bin/python3\n", false}, {"shell", "/x", "#!/bin/zsh\n", false}, {"shell", "/x", "echo\n", false},
	} {
		if got := langs[tt.lang].Claims(tt.path, []byte(tt.head)); got != tt.want {
			t.Errorf("%s Claims(%q, %q) = %v, want %v", tt.lang, tt.path, tt.head, got, tt.want)
		}
	}
}

// testdata reads testdata/DIR/NAME.
func testdata(t testing.TB, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// testdataNames lists the files of testdata/DIR.
func testdataNames(t testing.TB, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join("testdata", dir))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// addSeeds seeds a fuzz target with every file of testdata/DIR.
func addSeeds(f *testing.F, dir string) {
	for _, n := range testdataNames(f, dir) {
		f.Add(testdata(f, dir, n))
	}
}

// readsAll checks that l reads every file of testdata/DIR without an
// error, each as the file prefix+NAME.
func readsAll(t *testing.T, l Language, dir, prefix string) {
	for _, n := range testdataNames(t, dir) {
		if _, err := l.Reach(prefix+n, testdata(t, dir, n)); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
}

// reachTwice reads src as the file p twice, for a fuzz target: the two
// reads must agree, and every find be an absolute path.
func reachTwice(t *testing.T, l Language, p string, src []byte) ([]Found, error) {
	a, errA := l.Reach(p, src)
	b, errB := l.Reach(p, src)
	if (errA == nil) != (errB == nil) || !reflect.DeepEqual(a, b) {
		t.Fatalf("two reads differ: %v %v / %v %v", a, errA, b, errB)
	}
	for _, fd := range a {
		if !strings.HasPrefix(fd.Path, "/") {
			t.Fatalf("relative path %q", fd.Path)
		}
	}
	return a, errA
}

// foundList writes finds as "file /x", "program /y", "tree /z", sorted.
func foundList(found []Found) []string {
	var out []string
	for _, f := range found {
		as := map[As]string{File: "file", Program: "program", Tree: "tree"}[f.As]
		out = append(out, as+" "+f.Path)
	}
	slices.Sort(out)
	return out
}

// checkFinds wants found to be want ("file /x"...), in any order.
func checkFinds(t *testing.T, found []Found, want []string) {
	t.Helper()
	want = slices.Sorted(slices.Values(want))
	if got := foundList(found); !slices.Equal(got, want) {
		t.Errorf("found\n%q\nwant\n%q", got, want)
	}
}
