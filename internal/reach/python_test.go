package reach

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/dietimg/diet/internal/rootfs"
	"github.com/dietimg/diet/internal/testenv"
	"github.com/dietimg/diet/internal/why"
)

// pyTree is a small Debian image with Python 3.11, some distributions in
// dist-packages, an application in /app, and the data standard modules
// read.
func pyTree() fstest.MapFS {
	src := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	link := func(to string) *fstest.MapFile { return &fstest.MapFile{Mode: fs.ModeSymlink, Data: []byte(to)} }
	empty := &fstest.MapFile{}
	std := "usr/lib/python3.11/"
	dist := "usr/lib/python3/dist-packages/"
	return fstest.MapFS{
		"etc/debian_version":           src("12.11\n"),
		"etc/localtime":                link("/usr/share/zoneinfo/Etc/UTC"),
		"etc/mime.types":               src("text/plain txt\n"),
		"usr/share/zoneinfo/Etc/UTC":   src("TZif"),
		"usr/share/zoneinfo/right/UTC": src("TZif"),
		"usr/bin/python3.11":           &fstest.MapFile{Mode: 0o755},
		"usr/bin/python3":              link("python3.11"),
		"lib":                          link("usr/lib"),
		"bin":                          link("usr/bin"),

		std + "os.py":                                                empty,
		std + "csv.py":                                               src("import re\nfrom _csv import Error\n"),
		std + "__pycache__/csv.cpython-311.pyc":                      empty,
		std + "__pycache__/csv.cpython-311.opt-1.pyc":                empty,
		std + "__pycache__/csv.cpython-310.pyc":                      empty,
		std + "re/__init__.py":                                       empty,
		std + "json/__init__.py":                                     src("from .decoder import JSONDecoder\n"),
		std + "json/decoder.py":                                      empty,
		std + "json/__pycache__/decoder.cpython-311.opt-2.pyc":       empty,
		std + "zoneinfo/__init__.py":                                 empty,
		std + "mimetypes.py":                                         empty,
		std + "sysconfig.py":                                         src("import os\n"),
		std + "_sysconfigdata__x86_64-linux-gnu.py":                  empty,
		std + "encodings/__init__.py":                                src("import codecs\n"),
		std + "encodings/utf_8.py":                                   empty,
		std + "encodings/cp1252.py":                                  empty,
		std + "encodings/__pycache__/cp1252.cpython-311.pyc":         empty,
		std + "encodings/shift_jis.py":                               empty,
		std + "sqlite3/__init__.py":                                  src("from sqlite3.dbapi2 import *\n"),
		std + "sqlite3/dbapi2.py":                                    src("from _sqlite3 import *\n"),
		std + "lib-dynload/_sqlite3.cpython-311-x86_64-linux-gnu.so": empty,
		std + "lib-dynload/_json.cpython-310-x86_64-linux-gnu.so":    empty,
		std + "legacy.pyc":                                           empty,

		dist + "requests/__init__.py":                          empty,
		dist + "requests/api.py":                               empty,
		dist + "requests-2.28.1.dist-info/METADATA":            empty,
		dist + "requests_toolbelt-1.0.dist-info/RECORD":        src("requests_toolbelt/__init__.py,sha256=x,1\n"),
		dist + "yaml/__init__.py":                              empty,
		dist + "PyYAML-6.0.dist-info/top_level.txt":            src("_yaml\nyaml\n"),
		dist + "six.py":                                        empty,
		dist + "six-1.16.0.egg-info":                           src("Metadata-Version: 1.2\n"),
		dist + "attr/__init__.py":                              empty,
		dist + "attrs-23.1.0.dist-info/RECORD":                 src("attr/__init__.py,sha256=x,1\nattrs-23.1.0.dist-info/RECORD,,\n../../../bin/x,,\n"),
		dist + "_cffi_backend.cpython-311-x86_64-linux-gnu.so": empty,
		dist + "fastpkg/__init__.py":                           empty,
		dist + "fastpkg/speed.abi3.so":                         empty,
		dist + "zope/interface/__init__.py":                    empty,
		dist + "extra.pth":                                     src("# a comment\n/opt/extra\nimport os; os.environ\nmissing/dir\n"),
		"opt/extra/extramod.py":                                empty,

		"app/main.py":         src("import helpers\n"),
		"app/helpers.py":      empty,
		"app/pkg/__init__.py": empty,
		"app/pkg/__pycache__/util.cpython-311.pyc": empty,
		"app/pkg/sub.py":            empty,
		"app/pkg/util.py":           empty,
		"app/pkg/inner/__init__.py": empty,
		"app/pkg/inner/deep.py":     empty,
		"opt/pp/csv.py":             empty,
	}
}

// want is one expected finding: As and Detail checked, the kind Import
// unless the detail says data or metadata.
type want struct {
	path   string
	as     As
	detail string
}

func TestPythonReach(t *testing.T) {
	std := "/usr/lib/python3.11/"
	dist := "/usr/lib/python3/dist-packages/"
	tests := []struct {
		name, file, src string
		env             []string
		want            []want
		not             []string
	}{
		{name: "import forms", file: "/app/main.py",
			src: "import csv\nimport json.decoder as d, os\n",
			want: []want{{std + "csv.py", File, "csv"}, {std + "__pycache__/csv.cpython-311.pyc", File, "csv"},
				{std + "__pycache__/csv.cpython-311.opt-1.pyc", File, "csv"}, {std + "json/__init__.py", File, "json.decoder"},
				{std + "json/decoder.py", File, "json.decoder"}, {std + "json/__pycache__/decoder.cpython-311.opt-2.pyc", File, "json.decoder"},
				{std + "os.py", File, "os"}},
			not: []string{std + "__pycache__/csv.cpython-310.pyc"}},
		{name: "from-import of a submodule", file: "/app/main.py", src: "from json import decoder, dumps\n",
			want: []want{{std + "json/__init__.py", File, "json"}, {std + "json/decoder.py", File, "json.decoder"}}},
		{name: "relative imports", file: "/app/pkg/inner/deep.py",
			src: "from . import missing\nfrom .. import util\nfrom ..sub import name\nfrom .. inner import deep\n",
			want: []want{{"/app/pkg/inner/__init__.py", File, "."}, {"/app/pkg/__init__.py", File, ".."}, {"/app/pkg/util.py", File, "..util"},
				{"/app/pkg/__pycache__/util.cpython-311.pyc", File, "..util"}, {"/app/pkg/sub.py", File, "..sub"}},
			not: []string{"/app/pkg/inner/deep.py"}},
		{name: "imports in functions, conditionals and try blocks", file: "/app/main.py",
			src:  "def f():\n    import csv\ntry:\n    import ujson as json\nexcept ImportError:\n    import json\nif x: from os import path\n",
			want: []want{{std + "csv.py", File, "csv"}, {std + "json/__init__.py", File, "json"}, {std + "os.py", File, "os"}}},
		{name: "literal dynamic imports", file: "/app/pkg/sub.py",
			src: "importlib.import_module('csv')\n__import__(\"json.decoder\")\nimport_module('.util', __package__)\n" +
				"importlib.import_module('.inner', package='pkg')\nimport_module(name)\n",
			want: []want{{std + "csv.py", File, "csv"}, {std + "json/decoder.py", File, "json.decoder"},
				{"/app/pkg/util.py", File, ".util"}, {"/app/pkg/inner/__init__.py", File, ".inner"}}},
		{name: "extension modules are programs", file: "/app/main.py",
			src: "import _sqlite3, _cffi_backend, _json\nfrom fastpkg import speed\n",
			want: []want{{std + "lib-dynload/_sqlite3.cpython-311-x86_64-linux-gnu.so", Program, "_sqlite3"},
				{dist + "_cffi_backend.cpython-311-x86_64-linux-gnu.so", Program, "_cffi_backend"},
				{dist + "fastpkg/speed.abi3.so", Program, "fastpkg.speed"}},
			not: []string{std + "lib-dynload/_json.cpython-310-x86_64-linux-gnu.so"}},
		{name: "a module without source", file: "/app/main.py", src: "import legacy\n",
			want: []want{{std + "legacy.pyc", File, "legacy"}}},
		{name: "distribution metadata", file: "/app/main.py", src: "import requests.api, yaml, six, attr\n",
			want: []want{{dist + "requests-2.28.1.dist-info", Tree, "metadata of requests"},
				{dist + "PyYAML-6.0.dist-info", Tree, "metadata of yaml"}, {dist + "six-1.16.0.egg-info", File, "metadata of six"},
				{dist + "attrs-23.1.0.dist-info", Tree, "metadata of attr"}},
			not: []string{dist + "requests_toolbelt-1.0.dist-info"}},
		{name: "a module's own metadata", file: dist + "requests/api.py", src: "",
			want: []want{{dist + "requests-2.28.1.dist-info", Tree, "metadata of requests"}}},
		{name: "system data", file: "/app/main.py", src: "from zoneinfo import ZoneInfo\nimport mimetypes\n",
			want: []want{{"/usr/share/zoneinfo/Etc", Tree, "data of zoneinfo"}, {"/etc/localtime", File, "data of zoneinfo"},
				{"/etc/mime.types", File, "data of mimetypes"}},
			not: []string{"/usr/share/zoneinfo", "/usr/share/zoneinfo/right"}},
		{name: "computed imports of sysconfig", file: std + "sysconfig.py", src: "import os\n",
			want: []want{{std + "_sysconfigdata__x86_64-linux-gnu.py", File, "_sysconfigdata__x86_64-linux-gnu"}}},
		{name: "computed imports of encodings", file: std + "encodings/__init__.py", src: "import codecs\n",
			want: []want{{std + "encodings/utf_8.py", File, "encodings.utf_8"}, {std + "encodings/cp1252.py", File, "encodings.cp1252"}},
			not:  []string{std + "encodings/shift_jis.py", std + "encodings/__pycache__/cp1252.cpython-311.pyc"}},
		{name: "namespace package", file: "/app/main.py", src: "import zope.interface\n",
			want: []want{{dist + "zope/interface/__init__.py", File, "zope.interface"}}},
		{name: "directory of a .pth file", file: "/app/main.py", src: "import extramod\n",
			want: []want{{"/opt/extra/extramod.py", File, "extramod"}}},
		{name: "PYTHONPATH before the standard library", file: "/app/main.py", src: "import csv\n",
			env:  []string{"PYTHONPATH=/opt/pp"},
			want: []want{{"/opt/pp/csv.py", File, "csv"}}, not: []string{std + "csv.py"}},
		{name: "the script's directory first", file: "/app/main.py", src: "import helpers, pkg.inner.deep\n",
			want: []want{{"/app/helpers.py", File, "helpers"}, {"/app/pkg/__init__.py", File, "pkg.inner.deep"},
				{"/app/pkg/inner/__init__.py", File, "pkg.inner.deep"}, {"/app/pkg/inner/deep.py", File, "pkg.inner.deep"}}},
		{name: "missing modules are no error", file: "/app/main.py", src: "import nosuch\nfrom nosuch.sub import x\nimport json.nosuch\n",
			want: []want{{std + "json/__init__.py", File, "json.nosuch"}}},
		{name: "strings and comments are not imports", file: "/app/main.py",
			src: "# import csv\ns = 'import csv'\nt = \"\"\"\nimport json\n\"\"\"\nu = f\"{x!r} import os {'import re'}\"\nv = rb'import os'\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			py := newPython(&Image{FS: pyTree(), Env: tt.env})
			found, err := py.Reach(tt.file, []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]Found{}
			for _, f := range found {
				got[f.Path] = f
				if f.Reason.By != tt.file {
					t.Errorf("%s: By = %q, want %q", f.Path, f.Reason.By, tt.file)
				}
			}
			for _, w := range tt.want {
				f, ok := got[w.path]
				kind := why.Import
				if strings.HasPrefix(w.detail, "data of ") || strings.HasPrefix(w.detail, "metadata of ") {
					kind = why.Data
				}
				if !ok || f.As != w.as || f.Reason.Kind != kind || f.Reason.Detail != w.detail {
					t.Errorf("%s: got %+v, want As %d, %s %q", w.path, f, w.as, kind, w.detail)
				}
			}
			for _, p := range tt.not {
				if _, ok := got[p]; ok {
					t.Errorf("%s found, want not", p)
				}
			}
			if len(tt.want) == 0 && len(found) > 0 {
				t.Errorf("found %v, want nothing", found)
			}
		})
	}
}

func TestPythonVenv(t *testing.T) {
	tree := pyTree()
	tree["opt/venv/pyvenv.cfg"] = &fstest.MapFile{Data: []byte("home = /usr/bin\ninclude-system-site-packages = false\n")}
	tree["opt/venv/bin/python"] = &fstest.MapFile{Mode: fs.ModeSymlink, Data: []byte("/usr/bin/python3")}
	tree["opt/venv/lib/python3.11/site-packages/webapp/__init__.py"] = &fstest.MapFile{}
	src := []byte("import webapp, yaml, csv\n")
	for _, tt := range []struct {
		env               []string
		webapp, yaml, csv bool
	}{
		{env: []string{"PATH=/opt/venv/bin:/usr/bin"}, webapp: true, csv: true},
		{env: []string{"PATH=/usr/bin", "VIRTUAL_ENV=/opt/venv"}, yaml: true, csv: true},
		{env: []string{"PATH=/usr/bin"}, yaml: true, csv: true},
	} {
		found, err := newPython(&Image{FS: tree, Env: tt.env}).Reach("/app/main.py", src)
		if err != nil {
			t.Fatal(err)
		}
		has := func(p string) bool { return slices.ContainsFunc(found, func(f Found) bool { return f.Path == p }) }
		if has("/opt/venv/lib/python3.11/site-packages/webapp/__init__.py") != tt.webapp ||
			has("/usr/lib/python3/dist-packages/yaml/__init__.py") != tt.yaml || has("/usr/lib/python3.11/csv.py") != tt.csv {
			t.Errorf("%v: found %v", tt.env, found)
		}
	}
}

// TestPythonConcurrent scans from many goroutines: one image's caches
// are shared, so Reach must be safe to call at once (go test -race).
func TestPythonConcurrent(t *testing.T) {
	py := newPython(&Image{FS: pyTree()})
	srcs := []string{"import csv, json.decoder\n", "from . import util\n", "import requests.api, zoneinfo\n", "import _sqlite3\n"}
	want := make([][]Found, len(srcs))
	for i, s := range srcs {
		want[i], _ = newPython(&Image{FS: pyTree()}).Reach("/app/pkg/sub.py", []byte(s))
	}
	done := make(chan error)
	for g := 0; g < 8; g++ {
		go func() {
			for i, s := range srcs {
				if got, _ := py.Reach("/app/pkg/sub.py", []byte(s)); !reflect.DeepEqual(got, want[i]) {
					done <- fmt.Errorf("%q: got %v, want %v", s, got, want[i])
					return
				}
			}
			done <- nil
		}()
	}
	for g := 0; g < 8; g++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// importsOf lists imports as the source writes them: "a.b", "from .x
// import y,z", "call .x pkg".
func importsOf(imps []pyImport) []string {
	var out []string
	for _, m := range imps {
		switch {
		case m.call:
			out = append(out, strings.TrimSpace("call "+m.written()+" "+m.pkg))
		case m.froms != nil:
			out = append(out, "from "+m.written()+" import "+strings.Join(m.froms, ","))
		default:
			out = append(out, m.written())
		}
	}
	return out
}

func TestPythonImports(t *testing.T) {
	src, err := os.ReadFile("testdata/python/tricky.py")
	if err != nil {
		t.Fatal(err)
	}
	imps, err := pyImports(src)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"os", "sys", "xml.dom.minidom", "from . import sibling", "from .. import uncle",
		"from ...far.away import thing", "from .pkg.mod import name_a,name_b", "from json import ",
		"from __future__ import annotations", "after_bracket", "after_continuation", "in_function", "in_try",
		"in_except", "in_if", "after_semicolon", "in_class", "call dunder_lit", "call lit.mod", "call .rel pkg.base",
		"call ..up __package__", "call joined"}
	if got := importsOf(imps); !reflect.DeepEqual(got, want) {
		t.Errorf("tricky.py:\n got %q\nwant %q", got, want)
	}
	src, _ = os.ReadFile("testdata/python/crlf.py")
	imps, err = pyImports(src)
	if got, want := importsOf(imps), []string{"a", "from b import c,d", "e", "f"}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("crlf.py: got %q, %v, want %q", got, err, want)
	}
}

func TestPythonTokens(t *testing.T) {
	for _, tt := range []struct{ src, want string }{
		{"from .import x", "from . import x"},
		{"from.a import(b)", "from .a import b"},
		{"x = f'{a[\"k\"]}' ; import a", "a"},
		{"x = f\"{d[\"k\"]:{w}.{p}}\"\nimport b", "b"}, // 3.12 reuses quotes
		{"x = f'''{\n'}'\n}'''\nimport c", "c"},        // newline and a brace string in a field
		{"x = rf'{a}\\'{b}'\nimport d", "d"},           // a raw f-string still escapes its quote
		{"x = f'{a!=b}' f'{c=}' f'{{' f'}}'\nimport e", "e"},
		{"x = 1if y else 2\nimport g", "g"},
		{"\xef\xbb\xbfimport h", "h"},
		{"\\\nimport i", "i"},
		{"raise X from e\nyield from y\nfrom\nimport", ""},
		{"__import__(b'x'); __import__(f'x'); __import__('a b'); import_module('.x')", ""},
	} {
		imps, err := pyImports([]byte(tt.src))
		if got := strings.Join(importsOf(imps), ";"); err != nil || got != tt.want {
			t.Errorf("%q: got %q, %v, want %q", tt.src, got, err, tt.want)
		}
	}
}

// pyASTImports prints, for each file named on stdin, the imports that
// CPython's own parser finds, or ERR when it does not parse the file.
const pyASTImports = `
import ast, sys, warnings
warnings.simplefilter("ignore")
for p in sys.stdin.read().split("\n"):
    try:
        tree = ast.parse(open(p, "rb").read())
    except Exception:
        print(p + "\tERR")
        continue
    for n in ast.walk(tree):
        if isinstance(n, ast.Import):
            for a in n.names:
                print(p + "\t" + a.name)
        elif isinstance(n, ast.ImportFrom):
            names = ",".join(a.name for a in n.names)
            print(p + "\tfrom " + "." * n.level + (n.module or "") + " import " + names)
`

// TestPythonImportsMatchCPython compares the import statements read with
// those CPython's parser finds in the test data and, unless -short, in
// the host's standard library, when the host has a python3.
func TestPythonImportsMatchCPython(t *testing.T) {
	py3, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3 to compare with")
	}
	files, _ := filepath.Glob("testdata/python/*.py")
	if !testing.Short() {
		out, err := exec.Command(py3, "-c", "import sysconfig; print(sysconfig.get_paths()['stdlib'])").Output()
		if err != nil {
			t.Fatal(err)
		}
		filepath.WalkDir(strings.TrimSpace(string(out)), func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() && slices.Contains([]string{"test", "tests", "site-packages", "dist-packages", "idlelib", "lib2to3"}, d.Name()) {
				return filepath.SkipDir // slow to parse, and no different
			}
			if err == nil && d.Type().IsRegular() && strings.HasSuffix(p, ".py") {
				files = append(files, p)
			}
			return nil
		})
	}
	cmd := exec.Command(py3, "-c", pyASTImports)
	cmd.Stdin = strings.NewReader(strings.Join(files, "\n"))
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		p, imp, _ := strings.Cut(line, "\t")
		want[p] = append(want[p], imp)
	}
	compared := 0
	for _, p := range files {
		if slices.Contains(want[p], "ERR") {
			continue
		}
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		imps, err := pyImports(src)
		if err != nil {
			t.Errorf("%s: %v, but CPython parses it", p, err)
			continue
		}
		var got []string
		for _, s := range importsOf(imps) {
			if strings.HasSuffix(s, " import ") {
				s += "*" // a star import keeps no names
			}
			if !strings.HasPrefix(s, "call ") {
				got = append(got, s)
			}
		}
		slices.Sort(got)
		slices.Sort(want[p])
		if !slices.Equal(got, want[p]) {
			t.Errorf("%s:\n got %q\nwant %q", p, got, want[p])
		}
		compared++
	}
	t.Logf("%d files compared with CPython", compared)
}

func TestPythonSyntaxErrors(t *testing.T) {
	for _, tt := range []struct{ src, want string }{
		{"import os\nx = '''never closed\nimport re\n", "line 2: unterminated triple-quoted string literal"},
		{"x = 'open\n", "line 1: unterminated string literal"},
		{"x = f'{a'\n", "line 1: unterminated string literal"},
		{"x = f'{a\n", "line 1: f-string: expecting '}'"},
		{"def f(:\n  pass\n\n", "line 1: '(' was never closed"},
		{"x = (]", "line 1: closing parenthesis ']' does not match opening parenthesis '(' on line 1"},
		{"\n\n)", "line 3: unmatched ')'"},
		{strings.Repeat("f'{", 300), "f-string nested too deeply"},
	} {
		py := newPython(&Image{FS: pyTree()})
		_, err := py.Reach("/app/main.py", []byte(tt.src))
		var se *pySyntaxError
		if err == nil || !errors.As(err, &se) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want %q", tt.src, err, tt.want)
		}
	}
}

// TestPythonCorpus reads Debian's python3-flask: the closure of
// flask/app.py reaches werkzeug, jinja2 and their distributions, and
// sqlite3 reaches its extension module.
func TestPythonCorpus(t *testing.T) {
	dir := testenv.CorpusTree(t, "flask")
	fsys, err := rootfs.Dir(dir)
	if err != nil {
		t.Fatal(err)
	}
	py := newPython(&Image{FS: fsys, Env: []string{"PATH=" + defaultPath}})
	found, err := py.Reach("/app/app.py", []byte("import sqlite3\nfrom flask import Flask\n"))
	if err != nil {
		t.Fatal(err)
	}
	app := "/usr/lib/python3/dist-packages/flask/app.py"
	seen := map[string]Found{}
	todo := []string{app}
	for _, f := range found {
		seen[f.Path] = f
		todo = append(todo, f.Path)
	}
	scanned := 0
	for len(todo) > 0 {
		p := todo[0]
		todo = todo[1:]
		src, err := rootfs.ReadFile(fsys, p)
		if err != nil || !py.Claims(p, src) {
			continue
		}
		scanned++
		more, err := py.Reach(p, src)
		if err != nil {
			t.Errorf("%s: %v", p, err)
		}
		for _, f := range more {
			if _, ok := seen[f.Path]; !ok {
				seen[f.Path] = f
				todo = append(todo, f.Path)
			}
		}
	}
	t.Logf("scanned %d files, found %d", scanned, len(seen))
	dist := "/usr/lib/python3/dist-packages/"
	for p, as := range map[string]As{
		dist + "werkzeug/routing/map.py":                   File,
		dist + "werkzeug/__pycache__/urls.cpython-311.pyc": File,
		dist + "jinja2/environment.py":                     File,
		dist + "markupsafe/__init__.py":                    File,
		dist + "Jinja2-3.1.2.egg-info":                     Tree,
		dist + "colorama-0.4.6.dist-info":                  Tree,
		"/usr/lib/python3.11/sqlite3/dbapi2.py":            File,
		"/usr/lib/python3.11/encodings/utf_8.py":           File,
	} {
		if f, ok := seen[p]; !ok || f.As != as {
			t.Errorf("%s: got %+v, want As %d", p, f, as)
		}
	}
	var so []string
	for p, f := range seen {
		if strings.HasPrefix(p, "/usr/lib/python3.11/lib-dynload/_sqlite3.") && f.As == Program {
			so = append(so, p)
		}
		if strings.HasPrefix(p, dist+"markupsafe/_speedups.") && f.As != Program {
			t.Errorf("%s: As %d, want Program", p, f.As)
		}
	}
	if len(so) != 1 {
		t.Errorf("_sqlite3 extension: got %v", so)
	}
}

// FuzzPythonImports checks that reading any source neither panics nor
// depends on anything but the source, and that errors name a line of it.
func FuzzPythonImports(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/python/*.py")
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{"f'{x:{y}}'", "f\"{'{'}\"", "'''", "\\", "from . import (a,", "x = (\n", "rb'\\'", "f'{", "\r\r\n"} {
		f.Add([]byte(s))
	}
	// One image for all inputs: a fresh one per input would make each
	// run, and the minimizing of each new input, many times slower.
	py := newPython(&Image{FS: pyTree()})
	f.Fuzz(func(t *testing.T, src []byte) {
		a, errA := pyImports(src)
		b, errB := pyImports(src)
		if !reflect.DeepEqual(a, b) || fmt.Sprint(errA) != fmt.Sprint(errB) {
			t.Fatalf("two reads differ: %v %v / %v %v", a, errA, b, errB)
		}
		var se *pySyntaxError
		if errA != nil && (!errors.As(errA, &se) || se.line < 1 || se.line > strings.Count(string(src), "\n")+strings.Count(string(src), "\r")+1) {
			t.Fatalf("error %v names no line of the source", errA)
		}
		fa, errA := py.Reach("/app/pkg/sub.py", src)
		fb, errB := py.Reach("/app/pkg/sub.py", src)
		if !reflect.DeepEqual(fa, fb) || fmt.Sprint(errA) != fmt.Sprint(errB) {
			t.Fatalf("two reaches differ: %v %v / %v %v", fa, errA, fb, errB)
		}
	})
}

// TestPythonDelayed tells the imports inside function bodies from those
// made when the module is imported, and a standard module's delayed
// imports are not followed while an application's are.
func TestPythonDelayed(t *testing.T) {
	src := `import a
def f():
    import b
    if x:
        from c import d
class K:
    import e
    def m(self):
        import g
    import h
async def co(): import i
try:
    import j
except ImportError:
    def fallback(): return __import__("k")
import l
if __name__ == "__main__":
    import m
import n
`
	imps, err := pyImports([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, m := range imps {
		got[m.name] = m.delayed
	}
	want := map[string]bool{"a": false, "b": true, "c": true, "e": false, "g": true, "h": false, "i": true, "j": false, "k": true, "l": false, "m": true, "n": false}
	for name, d := range want {
		if g, ok := got[name]; !ok || g != d {
			t.Errorf("import %s: delayed %v (found %v), want %v", name, g, ok, d)
		}
	}

	fsys := fstest.MapFS{
		"usr/bin/python3.11":               {Data: []byte("\x7fELF"), Mode: 0o755},
		"usr/bin/python3":                  {Data: []byte("python3.11"), Mode: fs.ModeSymlink},
		"usr/lib/python3.11/os.py":         {Data: []byte("")},
		"usr/lib/python3.11/shutil.py":     {Data: []byte("import os\ndef make_archive():\n    import tarfile\n")},
		"usr/lib/python3.11/tarfile.py":    {Data: []byte("")},
		"app/app.py":                       {Data: []byte("def handler():\n    import tarfile\n")},
		"app/uses.py":                      {Data: []byte("import shutil\nimport decimal\n")},
		"usr/lib/python3.11/decimal.py":    {Data: []byte("try:\n    from _decimal import *\nexcept ImportError:\n    from _pydecimal import *\n")},
		"usr/lib/python3.11/_pydecimal.py": {Data: []byte("")},
		"usr/lib/python3.11/lib-dynload/_decimal.cpython-311-x86_64-linux-gnu.so": {Data: []byte("\x7fELF")},
		"usr/lib/python3.11/opt.py": {Data: []byte("try:\n    import _missing\nexcept (ImportError, OSError):\n    import _pydecimal\n")},
	}
	r := New(&Image{FS: fsys, Env: []string{"PATH=/usr/bin"}})
	paths := func(p string) []string {
		found, sk := r.Scan(p)
		if sk != nil {
			t.Fatalf("%s: %v", p, sk.Err)
		}
		var out []string
		for _, f := range found {
			out = append(out, f.Path)
		}
		return out
	}
	if got := paths("/usr/lib/python3.11/shutil.py"); slices.Contains(got, "/usr/lib/python3.11/tarfile.py") || !slices.Contains(got, "/usr/lib/python3.11/os.py") {
		t.Errorf("shutil reaches %v: want os, not its delayed tarfile", got)
	}
	if got := paths("/app/app.py"); !slices.Contains(got, "/usr/lib/python3.11/tarfile.py") {
		t.Errorf("the application's handler reaches %v: want its delayed tarfile", got)
	}
	// shutil is the application's own import: its functions' imports
	// come too; decimal's fallback does not, as _decimal is there.
	if got := paths("/app/uses.py"); !slices.Contains(got, "/usr/lib/python3.11/tarfile.py") {
		t.Errorf("an application importing shutil reaches %v: want shutil's delayed tarfile", got)
	}
	if got := paths("/usr/lib/python3.11/decimal.py"); slices.Contains(got, "/usr/lib/python3.11/_pydecimal.py") ||
		!slices.Contains(got, "/usr/lib/python3.11/lib-dynload/_decimal.cpython-311-x86_64-linux-gnu.so") {
		t.Errorf("decimal reaches %v: want _decimal, not the fallback _pydecimal", got)
	}
	if got := paths("/usr/lib/python3.11/opt.py"); !slices.Contains(got, "/usr/lib/python3.11/_pydecimal.py") {
		t.Errorf("a fallback of a missing module: %v, want _pydecimal", got)
	}
}
