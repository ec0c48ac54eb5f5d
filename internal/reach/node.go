package reach

import (
	"fmt"
	"path"
	"strings"

	"github.com/dietimg/diet/internal/rootfs"
	"github.com/dietimg/diet/internal/why"
)

// Node.js: the require and import graph of every kept module, resolved
// by Node's algorithm inside the image tree, the native addons it loads,
// and the data files it names from its own directory. The JavaScript is
// tokenized (jstoken.go), not parsed: a parser such as esbuild would
// answer the same question and double the size of diet's binary.

// nodeLang reads JavaScript for one image.
type nodeLang struct{ res *nodeResolver }

func newNode(img *Image) Language { return &nodeLang{res: newNodeResolver(img)} }

// Claims takes JavaScript by its extension, and scripts run by node.
// JSON is required too, but names nothing.
func (n *nodeLang) Claims(p string, head []byte) bool {
	switch path.Ext(p) {
	case ".js", ".mjs", ".cjs":
		return true
	}
	sb := shebang(head)
	return sb == "node" || sb == "nodejs"
}

// Reach returns the modules, addons and data the file p names directly,
// with the package.json files their resolution reads; the caller scans
// what it keeps in turn.
func (n *nodeLang) Reach(p string, src []byte) ([]Found, error) {
	toks, err := tokenizeJS(src)
	if err != nil {
		return nil, fmt.Errorf("node: %w", err)
	}
	p = rootfs.Clean(p)
	// Node runs a module from its real path: its __dirname, and where its
	// node_modules search starts (a pnpm tree's links depend on it).
	file := p
	if real := n.res.real(p); real != "" {
		file = real
	}
	dir := path.Dir(file)
	out := newFinds(p)
	gyp, preGyp := false, false
	for _, ref := range nodeRefs(toks) {
		switch ref.kind {
		case refModule:
			for _, t := range n.res.resolve(dir, ref.spec) {
				if t.meta && t.name != "" {
					out.add(t.path, File, why.Require, "package.json of "+t.name)
				} else if t.meta {
					out.add(t.path, File, why.Require, "package.json")
				} else {
					out.add(t.path, nodeAs(t.path), why.Require, ref.spec)
				}
			}
			switch ref.spec {
			case "node-gyp-build", "node-gyp-build-optional-packages":
				gyp = true
			case "@mapbox/node-pre-gyp", "node-pre-gyp", "@discordjs/node-pre-gyp":
				preGyp = true
			}
		case refBindings:
			n.bindings(out, dir, ref.spec)
		case refData:
			n.data(out, file, ref)
		}
	}
	if gyp {
		n.gypBuild(out, dir)
	}
	if preGyp {
		n.preGyp(out, dir)
	}
	return out.found, nil
}

// nodeAs keeps a native addon with its ELF closure.
func nodeAs(p string) As {
	if strings.HasSuffix(p, ".node") {
		return Program
	}
	return File
}

// nodeBindingsDirs are where the bindings package looks for name.node under
// the module's root, in its order; * stands for the version, platform
// and architecture directories of its compiled and node-pre-gyp layouts.
var nodeBindingsDirs = []string{
	"build", "build/Debug", "build/Release", "out/Debug", "Debug", "out/Release", "Release",
	"build/default", "compiled/*/*/*", "addon-build/release/install-root",
	"addon-build/debug/install-root", "addon-build/default/install-root", "lib/binding/*",
}

// bindings keeps the addon require('bindings')('name') loads, in every
// place bindings tries that holds one: which one it takes depends on the
// Node version and the build.
func (n *nodeLang) bindings(out *finds, dir, name string) {
	if name == "" || strings.Contains(name, "/") {
		return
	}
	if !strings.HasSuffix(name, ".node") {
		name += ".node"
	}
	// bindings' module root: the nearest directory up that has a
	// package.json or a node_modules.
	root := ""
	for cur := dir; root == ""; cur = path.Dir(cur) {
		if n.res.file(path.Join(cur, "package.json")) || n.res.dir(path.Join(cur, "node_modules")) {
			root = cur
		}
		if cur == "/" {
			break
		}
	}
	if root == "" {
		return
	}
	for _, d := range nodeBindingsDirs {
		for _, p := range n.glob(path.Join(root, d)) {
			if f := path.Join(p, name); n.res.file(f) {
				out.add(f, Program, why.Require, "bindings('"+strings.TrimSuffix(name, ".node")+"')")
			}
		}
	}
}

// glob expands the * components of pattern to the directories that exist.
func (n *nodeLang) glob(pattern string) []string {
	dirs := []string{"/"}
	for _, c := range strings.Split(strings.TrimPrefix(pattern, "/"), "/") {
		var next []string
		for _, d := range dirs {
			if c != "*" {
				if p := path.Join(d, c); n.res.dir(p) {
					next = append(next, p)
				}
				continue
			}
			for _, e := range n.res.names(d) {
				if p := path.Join(d, e); n.res.dir(p) {
					next = append(next, p)
				}
			}
		}
		dirs = next
	}
	return dirs
}

// gypBuild keeps what node-gyp-build may load for the package of dir:
// its prebuilds whole (the Linux ones' addons with their libraries too)
// and its own builds.
func (n *nodeLang) gypBuild(out *finds, dir string) {
	p := n.res.scope(dir)
	if p == nil {
		return
	}
	const detail = "node-gyp-build"
	if pre := path.Join(p.dir, "prebuilds"); n.res.dir(pre) {
		out.add(pre, Tree, why.Require, detail)
		for _, d := range n.glob(path.Join(pre, "*")) {
			if strings.HasPrefix(path.Base(d), "linux-") {
				n.addons(out, d, detail)
			}
		}
	}
	n.addons(out, path.Join(p.dir, "build/Release"), detail)
	n.addons(out, path.Join(p.dir, "build/Debug"), detail)
}

// preGyp keeps the directory node-pre-gyp installs the package's addon
// in: binary.module_path of its package.json, up to its first
// {placeholder}.
func (n *nodeLang) preGyp(out *finds, dir string) {
	p := n.res.scope(dir)
	if p == nil || p.modulePath == "" {
		return
	}
	mp := p.modulePath
	if i := strings.IndexByte(mp, '{'); i >= 0 {
		mp = path.Dir(mp[:i] + "x")
	}
	d := path.Join(p.dir, mp)
	if d == p.dir || !strings.HasPrefix(d, p.dir+"/") || !n.res.dir(d) {
		return
	}
	out.add(d, Tree, why.Require, "node-pre-gyp "+p.modulePath)
	n.addons(out, d, "node-pre-gyp")
	for _, sub := range n.glob(path.Join(d, "*")) {
		n.addons(out, sub, "node-pre-gyp")
	}
}

// addons keeps the .node files in dir as programs.
func (n *nodeLang) addons(out *finds, dir, detail string) {
	for _, e := range n.res.names(dir) {
		if f := path.Join(dir, e); strings.HasSuffix(e, ".node") && n.res.file(f) {
			out.add(f, Program, why.Require, detail)
		}
	}
}

// data keeps a path the module builds from its own location, when it
// exists: a directory whole (express.static(path.join(__dirname,
// 'public'))), a file as a file. Its own directory and those above are
// never kept whole: path.join(__dirname, '..') is not a data directory
// but the package, or the whole node_modules; nor is a node_modules.
func (n *nodeLang) data(out *finds, file string, ref nodeRef) {
	dir := path.Dir(file)
	var base string
	switch ref.base {
	case "__dirname", "url":
		base = dir
	case "__filename":
		base = file
	case "":
		if !strings.HasPrefix(ref.tail, "/") {
			return
		}
	default:
		return
	}
	p := path.Clean(base + ref.tail)
	if !strings.HasPrefix(p, "/") || p == file || strings.HasPrefix(dir+"/", p+"/") || isSystemDir(p) || path.Base(p) == "node_modules" {
		return
	}
	// The expression made readable: __dirname/../views.
	detail := path.Clean("." + ref.tail)
	switch ref.base {
	case "":
		detail = path.Clean(ref.tail)
	case "url":
		detail += " (import.meta.url)"
	default:
		if detail == "." {
			detail = ref.base
		} else if !strings.HasPrefix(ref.tail, "/") {
			detail = ref.base + " + " + strings.TrimSuffix(ref.tail, "/") // __filename + .map
		} else {
			detail = ref.base + "/" + detail
		}
	}
	switch n.res.stat(p) {
	case kindDir:
		out.add(p, Tree, why.Data, detail)
	case kindFile:
		if !ref.prefix {
			out.add(p, nodeAs(p), why.Data, detail)
		}
	}
}
