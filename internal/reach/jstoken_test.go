package reach

import (
	"os"
	"path"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
)

func TestNodeErrors(t *testing.T) {
	n := newNode(&Image{FS: fstest.MapFS{}})
	for src, line := range map[string]string{
		"var a = 1\nvar s = 'abc\n":       "line 2",
		"x()\n/* never closed":            "line 2",
		"a\nb\nc = `open ${x} still open": "line 3",
		"f(`${ `inner ${ 'x }`)":          "line 1",
		"ok()\nx = `a ${ b":               "line 2",
	} {
		_, err := n.Reach("/app/bad.js", []byte(src))
		if err == nil || !strings.Contains(err.Error(), line) {
			t.Errorf("Reach(%q) error %v, want one naming %s", src, err, line)
		}
	}
}

// TestNodeMinified reads real minified files: their regex literals hold
// quotes and slashes, and a tokenizer that took one for division would
// lose its place.
func TestNodeMinified(t *testing.T) {
	for file, want := range map[string][]string{
		"isexe.min.js": {"node:fs", "node:fs/promises", "node:path"},
		"diff.min.js":  nil,
	} {
		src, err := os.ReadFile(filepath.Join("testdata/node", file))
		if err != nil {
			t.Fatal(err)
		}
		toks, err := tokenizeJS(src)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		var specs []string
		for _, r := range nodeRefs(toks) {
			if r.kind == refModule {
				specs = append(specs, r.spec)
			}
		}
		sort.Strings(specs)
		specs = slicesCompact(specs)
		if !reflect.DeepEqual(specs, want) {
			t.Errorf("%s: requires %q, want %q", file, specs, want)
		}
		regexes := 0
		for _, tk := range toks {
			if tk.kind == jsRegex {
				regexes++
			}
		}
		if file == "diff.min.js" && regexes < 10 {
			t.Errorf("%s: %d regex literals, want many", file, regexes)
		}
	}
}

func slicesCompact(s []string) []string {
	var out []string
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// FuzzNodeRequires checks that the tokenizer and the scan never panic,
// and give the same answer twice, on any input: image files are anyone's.
func FuzzNodeRequires(f *testing.F) {
	ents, err := os.ReadDir("testdata/node")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range ents {
		if data, err := os.ReadFile(filepath.Join("testdata/node", e.Name())); err == nil && !e.IsDir() {
			f.Add(data)
		}
	}
	for _, s := range []string{
		"#!/usr/bin/env node\nrequire('x')", "a = b / c / d; e = /f/g", "`${`${`${require('deep')}`}`}`",
		"x = {} / 1; {} /re/", "if (a) /'/.test(b)", "import {a as b, c} from 'y'; export * as z from 'w'",
		"require('bindings')({bindings: 'n'})", "path.join(__dirname, '..', `x`, y)", "'\\u{1F600}\\ud83d\\ude00\\x41\\101'",
		"}}}))) /", "`${", "a?.5:.5e-3", "x = 1..toString() + 0x1F.a", "#private in obj", "<!-- html\n--> comment\nrequire('a')",
	} {
		f.Add([]byte(s))
	}
	fsys := nodeTree(map[string]string{
		"/app/package.json":                  `{"name": "app", "imports": {"#x": "./x.js", "#*": {"node": "dep/*"}}}`,
		"/app/x.js":                          "",
		"/app/node_modules/dep/package.json": `{"name": "dep", "exports": {".": "./i.js", "./*": ["./*.js", {"default": null}]}}`,
		"/app/node_modules/dep/i.js":         "",
		"/app/node_modules/dep/y.js":         "",
		"/app/public/":                       "",
	})
	n := newNode(&Image{FS: fsys})
	f.Fuzz(func(t *testing.T, src []byte) {
		t1, err1 := tokenizeJS(src)
		t2, err2 := tokenizeJS(src)
		if !reflect.DeepEqual(t1, t2) || (err1 == nil) != (err2 == nil) {
			t.Fatalf("tokenizing twice differs")
		}
		if err1 != nil {
			if !strings.Contains(err1.Error(), "line ") {
				t.Fatalf("error without a line: %v", err1)
			}
			return
		}
		if r1, r2 := nodeRefs(t1), nodeRefs(t2); !reflect.DeepEqual(r1, r2) {
			t.Fatalf("refs differ: %v %v", r1, r2)
		}
		f1, e1 := n.Reach("/app/src/f.js", src)
		f2, e2 := n.Reach("/app/src/f.js", src)
		if !reflect.DeepEqual(f1, f2) || (e1 == nil) != (e2 == nil) {
			t.Fatalf("Reach differs: %v %v", f1, f2)
		}
		for _, fd := range f1 {
			if !strings.HasPrefix(fd.Path, "/") || fd.Path != path.Clean(fd.Path) {
				t.Fatalf("path %q is not absolute and clean", fd.Path)
			}
		}
	})
}
