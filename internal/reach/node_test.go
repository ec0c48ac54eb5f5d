package reach

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/dietimg/diet/internal/rootfs"
)

// nodeTree makes a tree from absolute paths; a value "-> target" is a
// symlink, one ending in "/" a directory.
func nodeTree(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for p, v := range files {
		switch {
		case strings.HasPrefix(v, "-> "):
			fsys[rootfs.Rel(p)] = &fstest.MapFile{Mode: fs.ModeSymlink, Data: []byte(v[3:])}
		case strings.HasSuffix(p, "/"):
			fsys[rootfs.Rel(p)] = &fstest.MapFile{Mode: fs.ModeDir | 0o755}
		default:
			fsys[rootfs.Rel(p)] = &fstest.MapFile{Data: []byte(v), Mode: 0o644}
		}
	}
	return fsys
}

// nodeFound scans file of fsys and returns what it reaches as "PATH AS".
func nodeFound(t *testing.T, fsys fstest.MapFS, env []string, file string) map[string]Found {
	t.Helper()
	src, err := rootfs.ReadFile(fsys, file)
	if err != nil {
		t.Fatal(err)
	}
	found, err := newNode(&Image{FS: fsys, Env: env}).Reach(file, src)
	if err != nil {
		t.Fatalf("Reach(%s): %v", file, err)
	}
	out := map[string]Found{}
	for _, f := range found {
		if _, dup := out[f.Path]; dup {
			t.Errorf("%s found twice", f.Path)
		}
		if f.Reason.By != file {
			t.Errorf("%s: By = %q, want %q", f.Path, f.Reason.By, file)
		}
		out[f.Path] = f
	}
	return out
}

var asNames = map[As]string{File: "file", Program: "program", Tree: "tree"}

func TestNodeReach(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		env   []string
		scan  string
		want  []string // "PATH AS"; "PATH AS KIND DETAIL" checks the reason too
		not   []string // paths that must not be found
	}{{
		name: "forms",
		files: map[string]string{
			"/app/main.js": `const a = require('./a')
				const b = require.resolve("./b.json")
				import c from './c.mjs'
				import './d'
				import {e1, e2 as e3} from "./e"
				import * as f, {g} from './fg'
				export * from './h'
				export {i} from './i'
				export * as j from './j'
				const k = await import('./k')
				const l = require(` + "`./l`" + `)
				app.get('/', (req, res) => { const m = require('./m'); res.send(m) })
				const n = cond ? require('./n1') : require('./n2')
				module.require('./o')
			`,
			"/app/a.js": "", "/app/b.json": "{}", "/app/c.mjs": "", "/app/d.js": "", "/app/e.js": "", "/app/fg.js": "",
			"/app/h.js": "", "/app/i.js": "", "/app/j.js": "", "/app/k.mjs": "", "/app/l.cjs": "", "/app/m.js": "",
			"/app/n1.js": "", "/app/n2.js": "", "/app/o.js": "",
		},
		scan: "/app/main.js",
		want: []string{"/app/a.js file require ./a", "/app/b.json file require ./b.json", "/app/c.mjs file", "/app/d.js file",
			"/app/e.js file", "/app/fg.js file", "/app/h.js file", "/app/i.js file", "/app/j.js file", "/app/k.mjs file",
			"/app/l.cjs file require ./l", "/app/m.js file", "/app/n1.js file", "/app/n2.js file", "/app/o.js file"},
	}, {
		name: "not code",
		files: map[string]string{
			"/app/main.js": `// require('./c1')
				/* require('./c2')
				   import x from './c3' */
				const s = "require('./c4')", t = 'import("./c5")'
				const u = ` + "`require('./c6') ${x} require('./c7')`" + `
				const v = require(` + "`./c8${x}`" + `)
				const re = /require\('.\/c9'\)/g
				obj.require('./c10'); x.import('./c11')
				require(name); require('./c12' + x)
				require('./kept')
			`,
			"/app/c1.js": "", "/app/c2.js": "", "/app/c3.js": "", "/app/c4.js": "", "/app/c5.js": "", "/app/c6.js": "",
			"/app/c7.js": "", "/app/c8.js": "", "/app/c9.js": "", "/app/c10.js": "", "/app/c11.js": "", "/app/c12.js": "",
			"/app/kept.js": "",
		},
		scan: "/app/main.js",
		want: []string{"/app/kept.js file"},
		not: []string{"/app/c1.js", "/app/c2.js", "/app/c3.js", "/app/c4.js", "/app/c5.js", "/app/c6.js", "/app/c7.js",
			"/app/c8.js", "/app/c9.js", "/app/c10.js", "/app/c11.js", "/app/c12.js"},
	}, {
		name: "regex and division",
		files: map[string]string{
			"/app/main.js": `var q = /['"]/g, w = a / b / c, d = x.replace(/\/\*"/, '')
				if (/'/.test(s)) f(/[/'"]/)
				var t = (n) / 2 / (m); const o = {a: 1} / 2
				var r = typeof /"/; x = y++ / 2 + ` + "`${/`/.source}`" + `
				require('./after')
			`,
			"/app/after.js": "",
		},
		scan: "/app/main.js",
		want: []string{"/app/after.js file"},
	}, {
		name: "resolution",
		files: map[string]string{
			"/app/main.js": `require('./lib'); require('./idx'); require('./pkgdir'); require('../opt/abs.js'); require('/opt/abs2')
				require('./data.json'); require('./x/')`,
			"/app/lib/package.json": `{"main": "./src/entry"}`, "/app/lib/src/entry.js": "",
			"/app/idx/index.js": "", "/app/pkgdir/package.json": `{"main": "missing.js"}`, "/app/pkgdir/index.json": "{}",
			"/opt/abs.js": "", "/opt/abs2.js": "", "/app/data.json": "{}", "/app/x.js": "", "/app/x/index.js": "",
		},
		scan: "/app/main.js",
		want: []string{"/app/lib/src/entry.js file", "/app/lib/package.json file", "/app/idx/index.js file",
			"/app/pkgdir/index.json file", "/app/pkgdir/package.json file", "/opt/abs.js file", "/opt/abs2.js file",
			"/app/data.json file", "/app/x/index.js file"},
		not: []string{"/app/x.js"},
	}, {
		name: "packages",
		files: map[string]string{
			"/app/src/deep/main.js": `require('up'); require('@scope/pkg'); require('@scope/pkg/extra'); require('sub/file')
				require('nested'); require('flat')`,
			"/app/node_modules/up/package.json":         `{"name": "up", "main": "lib/up.js"}`,
			"/app/node_modules/up/lib/up.js":            "",
			"/app/node_modules/@scope/pkg/package.json": `{"name": "@scope/pkg"}`,
			"/app/node_modules/@scope/pkg/index.js":     "",
			"/app/node_modules/@scope/pkg/extra.js":     "",
			"/app/node_modules/sub/package.json":        `{"name": "sub"}`,
			"/app/node_modules/sub/file.js":             "",
			"/app/src/node_modules/nested/index.js":     "",
			"/app/node_modules/nested/index.js":         "",
			"/app/node_modules/flat.js":                 "",
			"/app/src/deep/node_modules/unrelated/x.js": "",
		},
		scan: "/app/src/deep/main.js",
		want: []string{"/app/node_modules/up/lib/up.js file require up", "/app/node_modules/up/package.json file require package.json of up",
			"/app/node_modules/@scope/pkg/index.js file", "/app/node_modules/@scope/pkg/package.json file",
			"/app/node_modules/@scope/pkg/extra.js file require @scope/pkg/extra", "/app/node_modules/sub/file.js file",
			"/app/node_modules/sub/package.json file", "/app/src/node_modules/nested/index.js file", "/app/node_modules/flat.js file"},
		not: []string{"/app/node_modules/nested/index.js"},
	}, {
		name: "exports",
		files: map[string]string{
			"/app/main.mjs": `import c from 'cond'; import s from 'cond/sub'; import f from 'cond/feat/x'; import n from 'cond/nested'
				import 'plain'; import '#internal'; import 'cond/hidden'`,
			"/app/package.json":    `{"name": "app", "imports": {"#internal": {"node": "./src/internal.js", "default": "./src/browser.js"}}}`,
			"/app/src/internal.js": "", "/app/src/browser.js": "",
			"/app/node_modules/cond/package.json": `{"name": "cond", "main": "main.js", "exports": {
				".": {"import": "./esm/index.mjs", "require": "./cjs/index.js", "browser": "./browser.js", "types": "./index.d.ts"},
				"./sub": "./lib/sub.js",
				"./feat/*": "./lib/feat/*.js",
				"./nested": {"node": {"import": "./n.mjs", "require": "./n.cjs"}, "default": "./n.js"},
				"./package.json": "./package.json"}}`,
			"/app/node_modules/cond/main.js": "", "/app/node_modules/cond/esm/index.mjs": "", "/app/node_modules/cond/cjs/index.js": "",
			"/app/node_modules/cond/browser.js": "", "/app/node_modules/cond/index.d.ts": "", "/app/node_modules/cond/lib/sub.js": "",
			"/app/node_modules/cond/lib/feat/x.js": "", "/app/node_modules/cond/n.mjs": "", "/app/node_modules/cond/n.cjs": "",
			"/app/node_modules/cond/n.js": "", "/app/node_modules/cond/hidden.js": "",
			"/app/node_modules/plain/package.json": `{"exports": "./plain.js"}`, "/app/node_modules/plain/plain.js": "",
		},
		scan: "/app/main.mjs",
		want: []string{"/app/node_modules/cond/esm/index.mjs file", "/app/node_modules/cond/cjs/index.js file",
			"/app/node_modules/cond/package.json file", "/app/node_modules/cond/lib/sub.js file", "/app/node_modules/cond/lib/feat/x.js file",
			"/app/node_modules/cond/n.mjs file", "/app/node_modules/cond/n.cjs file", "/app/node_modules/cond/n.js file",
			"/app/node_modules/plain/plain.js file", "/app/src/internal.js file", "/app/src/browser.js file", "/app/package.json file"},
		not: []string{"/app/node_modules/cond/browser.js", "/app/node_modules/cond/index.d.ts", "/app/node_modules/cond/main.js"},
	}, {
		name: "self reference",
		files: map[string]string{
			"/app/lib/main.js":  `require('app/util'); require('app')`,
			"/app/package.json": `{"name": "app", "exports": {".": "./lib/main.js", "./util": "./lib/util.js"}}`,
			"/app/lib/util.js":  "",
			"/app/lib/other.js": "",
		},
		scan: "/app/lib/main.js",
		want: []string{"/app/lib/util.js file require app/util", "/app/package.json file require package.json of app"},
	}, {
		name: "builtins",
		files: map[string]string{
			"/app/main.js": `require('fs'); require('node:fs'); require('fs/promises'); import 'node:test'; require('path')
				require('events/')`,
			"/app/node_modules/fs/index.js": "", "/app/node_modules/path/index.js": "", "/app/node_modules/events/index.js": "",
		},
		scan: "/app/main.js",
		want: []string{"/app/node_modules/events/index.js file"},
		not:  []string{"/app/node_modules/fs/index.js", "/app/node_modules/path/index.js"},
	}, {
		name: "global paths",
		files: map[string]string{
			"/app/main.js":                        `require('np'); require('deb'); require('home')`,
			"/opt/lib/np/index.js":                "",
			"/usr/bin/node":                       "",
			"/usr/share/nodejs/deb/index.js":      "",
			"/home/u/.node_modules/home/index.js": "",
		},
		env:  []string{"NODE_PATH=/opt/lib:relative", "HOME=/home/u"},
		scan: "/app/main.js",
		want: []string{"/opt/lib/np/index.js file", "/usr/share/nodejs/deb/index.js file", "/home/u/.node_modules/home/index.js file"},
	}, {
		name: "symlinked package",
		files: map[string]string{
			"/app/main.js":             `require('linked')`,
			"/app/node_modules/linked": "-> .pnpm/linked/node_modules/linked",
			"/app/node_modules/.pnpm/linked/node_modules/linked/index.js": `require('dep')`,
			"/app/node_modules/.pnpm/linked/node_modules/dep/index.js":    "",
		},
		scan: "/app/main.js",
		want: []string{"/app/node_modules/linked/index.js file"},
	}, {
		name: "symlinked scanner",
		files: map[string]string{
			"/app/node_modules/linked":                                    "-> .pnpm/linked/node_modules/linked",
			"/app/node_modules/.pnpm/linked/node_modules/linked/index.js": `require('dep'); require('./own')`,
			"/app/node_modules/.pnpm/linked/node_modules/linked/own.js":   "",
			"/app/node_modules/.pnpm/linked/node_modules/dep/index.js":    "",
		},
		scan: "/app/node_modules/linked/index.js",
		want: []string{"/app/node_modules/.pnpm/linked/node_modules/dep/index.js file",
			"/app/node_modules/.pnpm/linked/node_modules/linked/own.js file"},
	}, {
		name: "dirname data",
		files: map[string]string{
			"/app/src/server.js": `const path = require('path')
				app.use(express.static(path.join(__dirname, 'public')))
				const cfg = JSON.parse(fs.readFileSync(path.resolve(__dirname, 'conf', 'app.json')))
				app.set('views', __dirname + '/views')
				const tpl = fs.readFileSync(` + "`${__dirname}/tpl/page.html`" + `)
				const assets = require('path').join(__dirname, '..', 'assets')
				const up = path.join(__dirname, '..'), self = path.resolve(__dirname)
				const msgs = path.join(__dirname, 'locales', lang + '.json')
				const img = __dirname + '/img/' + name
				const me = path.join(path.dirname(__filename), 'own.txt')
				const sib = path.join(__filename, '..', 'sib.txt')
				const url = new URL('./static/', import.meta.url)
				const missing = path.join(__dirname, 'missing')
				const etc = path.resolve(__dirname, '/etc')
			`,
			"/app/src/public/index.html": "", "/app/src/conf/app.json": "{}", "/app/src/views/a.ejs": "", "/app/src/tpl/page.html": "",
			"/app/assets/x.css": "", "/app/src/locales/en.json": "{}", "/app/src/img/a.png": "", "/app/src/own.txt": "",
			"/app/src/sib.txt": "", "/app/src/static/s.js": "",
		},
		scan: "/app/src/server.js",
		want: []string{"/app/src/public tree data __dirname/public", "/app/src/conf/app.json file data __dirname/conf/app.json",
			"/app/src/views tree data __dirname/views", "/app/src/tpl/page.html file data __dirname/tpl/page.html",
			"/app/assets tree data __dirname/../assets", "/app/src/locales tree data __dirname/locales",
			"/app/src/img tree data __dirname/img", "/app/src/own.txt file", "/app/src/sib.txt file", "/app/src/static tree"},
		not: []string{"/app", "/app/src", "/app/src/missing", "/etc"},
	}, {
		name: "addons",
		files: map[string]string{
			"/app/main.js":                                                   `require('./build/Release/direct.node'); require('native'); require('gyp'); require('pregyp')`,
			"/app/build/Release/direct.node":                                 "",
			"/app/node_modules/native/package.json":                          `{"name": "native", "main": "lib/index.js"}`,
			"/app/node_modules/native/lib/index.js":                          `module.exports = require('bindings')('native')`,
			"/app/node_modules/native/build/Release/native.node":             "",
			"/app/node_modules/native/compiled/20.0.0/linux/x64/native.node": "",
			"/app/node_modules/gyp/package.json":                             `{"name": "gyp"}`,
			"/app/node_modules/gyp/index.js":                                 `module.exports = require('node-gyp-build')(__dirname)`,
			"/app/node_modules/gyp/prebuilds/linux-x64/gyp.node":             "",
			"/app/node_modules/gyp/prebuilds/darwin-arm64/gyp.node":          "",
			"/app/node_modules/gyp/build/Release/gyp.node":                   "",
			"/app/node_modules/pregyp/package.json":                          `{"name": "pregyp", "binary": {"module_path": "./lib/binding/napi-v{napi_build_version}-{platform}"}}`,
			"/app/node_modules/pregyp/index.js":                              `const binary = require('@mapbox/node-pre-gyp')`,
			"/app/node_modules/pregyp/lib/binding/napi-v6-linux/pregyp.node": "",
		},
		scan: "/app/main.js",
		want: []string{"/app/build/Release/direct.node program require ./build/Release/direct.node"},
	}, {
		name: "bindings",
		files: map[string]string{
			"/app/node_modules/native/package.json":                          `{"name": "native", "main": "lib/index.js"}`,
			"/app/node_modules/native/lib/index.js":                          `var bindings = require('bindings'); module.exports = bindings({bindings: 'native', module_root: x}); bindings('other.node')`,
			"/app/node_modules/native/build/Release/native.node":             "",
			"/app/node_modules/native/compiled/20.0.0/linux/x64/native.node": "",
			"/app/node_modules/native/build/Debug/other.node":                "",
		},
		scan: "/app/node_modules/native/lib/index.js",
		want: []string{"/app/node_modules/native/build/Release/native.node program require bindings('native')",
			"/app/node_modules/native/compiled/20.0.0/linux/x64/native.node program",
			"/app/node_modules/native/build/Debug/other.node program"},
	}, {
		name: "node-gyp-build",
		files: map[string]string{
			"/app/node_modules/gyp/package.json":                    `{"name": "gyp"}`,
			"/app/node_modules/gyp/lib/index.js":                    `module.exports = require('node-gyp-build')(__dirname + '/..')`,
			"/app/node_modules/gyp/prebuilds/linux-x64/gyp.node":    "",
			"/app/node_modules/gyp/prebuilds/darwin-arm64/gyp.node": "",
			"/app/node_modules/gyp/build/Release/gyp.node":          "",
		},
		scan: "/app/node_modules/gyp/lib/index.js",
		want: []string{"/app/node_modules/gyp/prebuilds tree require node-gyp-build", "/app/node_modules/gyp/prebuilds/linux-x64/gyp.node program",
			"/app/node_modules/gyp/build/Release/gyp.node program"},
		not: []string{"/app/node_modules/gyp/prebuilds/darwin-arm64/gyp.node"},
	}, {
		name: "node-pre-gyp",
		files: map[string]string{
			"/app/node_modules/pregyp/package.json":                          `{"name": "pregyp", "binary": {"module_path": "./lib/binding/napi-v{napi_build_version}-{platform}"}}`,
			"/app/node_modules/pregyp/index.js":                              `const binary = require('@mapbox/node-pre-gyp')`,
			"/app/node_modules/pregyp/lib/binding/napi-v6-linux/pregyp.node": "",
		},
		scan: "/app/node_modules/pregyp/index.js",
		want: []string{"/app/node_modules/pregyp/lib/binding tree", "/app/node_modules/pregyp/lib/binding/napi-v6-linux/pregyp.node program"},
	}, {
		name: "hashbang script",
		files: map[string]string{
			"/usr/local/bin/tool":    "#!/usr/bin/env node\n'use strict'\nrequire('../lib/tool')\n",
			"/usr/local/lib/tool.js": "",
		},
		scan: "/usr/local/bin/tool",
		want: []string{"/usr/local/lib/tool.js file"},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := nodeFound(t, nodeTree(tc.files), tc.env, tc.scan)
			for _, w := range tc.want {
				f := strings.SplitN(w, " ", 4)
				g, ok := got[f[0]]
				switch {
				case !ok:
					t.Errorf("%s not found", f[0])
				case asNames[g.As] != f[1]:
					t.Errorf("%s: As %s, want %s", f[0], asNames[g.As], f[1])
				case len(f) > 2 && string(g.Reason.Kind) != f[2]:
					t.Errorf("%s: Kind %s, want %s", f[0], g.Reason.Kind, f[2])
				case len(f) > 3 && g.Reason.Detail != f[3]:
					t.Errorf("%s: Detail %q, want %q", f[0], g.Reason.Detail, f[3])
				}
			}
			for _, n := range tc.not {
				if _, ok := got[n]; ok {
					t.Errorf("%s found: %v", n, got[n].Reason)
				}
			}
			if t.Failed() {
				for p, f := range got {
					t.Logf("got %s %s %s", p, asNames[f.As], f.Reason)
				}
			}
		})
	}
}
