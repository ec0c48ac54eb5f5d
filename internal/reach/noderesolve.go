package reach

import (
	"bytes"
	"encoding/json"
	"path"
	"strings"
	"sync"
)

// nodeBuiltins are Node's own modules, never files: Node 20's
// require('module').builtinModules. Those only named with the scheme
// (node:test, node:sqlite) are skipped by their prefix.
var nodeBuiltins = map[string]bool{}

func init() {
	for _, m := range strings.Fields(`_http_agent _http_client _http_common _http_incoming _http_outgoing
		_http_server _stream_duplex _stream_passthrough _stream_readable _stream_transform _stream_wrap
		_stream_writable _tls_common _tls_wrap assert assert/strict async_hooks buffer child_process cluster
		console constants crypto dgram diagnostics_channel dns dns/promises domain events fs fs/promises http
		http2 https inspector inspector/promises module net os path path/posix path/win32 perf_hooks process
		punycode querystring readline readline/promises repl stream stream/consumers stream/promises
		stream/web string_decoder sys timers timers/promises tls trace_events tty url util util/types v8 vm
		wasi worker_threads zlib`) {
		nodeBuiltins[m] = true
	}
}

// nodeExts are the extensions tried after a path as written, in Node's
// order (.js .json .node), then the module ones a loader may take.
var nodeExts = []string{".js", ".json", ".node", ".mjs", ".cjs"}

// nodeTarget is one file a specifier resolves to, or a package.json read
// on the way (meta) of the package name.
type nodeTarget struct {
	path string
	meta bool
	name string
}

// nodePkg is what resolution reads of a package.json.
type nodePkg struct {
	dir, name, main  string
	exports, imports any
	modulePath       string // binary.module_path, for node-pre-gyp
}

// nodeResolver runs Node's resolution inside the image tree. Scans of
// a node_modules tree ask the same questions thousands of times, so
// the tree's listings (nodeFS), package.json files and resolutions are
// cached; the caches are locked, for scans may run in parallel.
type nodeResolver struct {
	*nodeFS
	env     []string
	once    sync.Once
	globals []string // NODE_PATH, then Node's global folders

	mu     sync.Mutex
	pkgs   map[string]*nodePkg
	scopes map[string]string // directory -> its package.json's directory
	done   map[[2]string][]nodeTarget
}

func newNodeResolver(img *Image) *nodeResolver {
	return &nodeResolver{nodeFS: newNodeFS(img.FS), env: img.Env, pkgs: map[string]*nodePkg{},
		scopes: map[string]string{}, done: map[[2]string][]nodeTarget{}}
}

// pkg reads dir/package.json; nil when there is none or it is not JSON.
func (r *nodeResolver) pkg(dir string) *nodePkg {
	r.mu.Lock()
	p, ok := r.pkgs[dir]
	r.mu.Unlock()
	if ok {
		return p
	}
	p = nil
	if jp := path.Join(dir, "package.json"); r.file(jp) {
		// Fields of any type, so that one odd field ("binary": "x") does
		// not lose the others.
		var raw struct{ Name, Main, Exports, Imports, Binary any }
		data, err := r.readFile(jp)
		if err == nil && json.Unmarshal(bytes.TrimPrefix(data, []byte("\ufeff")), &raw) == nil {
			p = &nodePkg{dir: dir, exports: raw.Exports, imports: raw.Imports}
			p.name, _ = raw.Name.(string)
			p.main, _ = raw.Main.(string)
			if b, ok := raw.Binary.(map[string]any); ok {
				p.modulePath, _ = b["module_path"].(string)
			}
		}
	}
	r.mu.Lock()
	r.pkgs[dir] = p
	r.mu.Unlock()
	return p
}

// scope is the package a file in dir belongs to: the nearest package.json
// up the tree, not above a node_modules directory, as Node looks for
// "type". nil when there is none.
func (r *nodeResolver) scope(dir string) *nodePkg {
	r.mu.Lock()
	d, ok := r.scopes[dir]
	r.mu.Unlock()
	if !ok {
		d = ""
		for cur := dir; path.Base(cur) != "node_modules"; cur = path.Dir(cur) {
			if r.file(path.Join(cur, "package.json")) {
				d = cur
				break
			}
			if cur == "/" {
				break
			}
		}
		r.mu.Lock()
		r.scopes[dir] = d
		r.mu.Unlock()
	}
	if d == "" {
		return nil
	}
	return r.pkg(d)
}

// globalDirs are NODE_PATH's directories and Node's global folders:
// $HOME/.node_modules, $HOME/.node_libraries, then PREFIX/lib/node
// (PREFIX is the node binary's) or, for Debian's Node, built with
// another node_relative_path, PREFIX/lib/TRIPLET/nodejs and
// PREFIX/share/nodejs.
func (r *nodeResolver) globalDirs() []string {
	r.once.Do(func() {
		if np, ok := Getenv(r.env, "NODE_PATH"); ok {
			for _, d := range strings.Split(np, ":") {
				if strings.HasPrefix(d, "/") {
					r.globals = append(r.globals, path.Clean(d))
				}
			}
		}
		home, ok := Getenv(r.env, "HOME")
		if !ok || !strings.HasPrefix(home, "/") {
			home = "/root"
		}
		r.globals = append(r.globals, path.Join(home, ".node_modules"), path.Join(home, ".node_libraries"))
		prefix := "/usr"
		pathList, _ := Getenv(r.env, "PATH")
		for _, name := range []string{"node", "nodejs"} {
			if bin := LookPath(r.fsys, name, pathList); bin != "" {
				prefix = path.Dir(path.Dir(bin))
				break
			}
		}
		r.globals = append(r.globals, path.Join(prefix, "lib/node"))
		for _, d := range r.names(path.Join(prefix, "lib")) {
			if strings.Contains(d, "-linux-") {
				r.globals = append(r.globals, path.Join(prefix, "lib", d, "nodejs"))
			}
		}
		r.globals = append(r.globals, path.Join(prefix, "lib/nodejs"), path.Join(prefix, "share/nodejs"))
	})
	return r.globals
}

// resolve finds what the specifier spec, required from a file in dir,
// loads: nothing for a builtin or what does not resolve, else the file
// (all of them when export conditions differ) and the package.json files
// read on the way. The result is shared: callers do not change it.
func (r *nodeResolver) resolve(dir, spec string) []nodeTarget {
	if spec == "" || strings.HasPrefix(spec, "node:") || nodeBuiltins[spec] {
		return nil
	}
	key := [2]string{dir, spec}
	r.mu.Lock()
	out, ok := r.done[key]
	r.mu.Unlock()
	if ok {
		return out
	}
	out = r.resolveNew(dir, spec, 0)
	r.mu.Lock()
	r.done[key] = out
	r.mu.Unlock()
	return out
}

func (r *nodeResolver) resolveNew(dir, spec string, depth int) []nodeTarget {
	var out []nodeTarget
	switch {
	case spec == "." || spec == ".." || strings.HasPrefix(spec, "./") || strings.HasPrefix(spec, "../") || strings.HasPrefix(spec, "/"):
		x := path.Join(dir, spec)
		if strings.HasPrefix(spec, "/") {
			x = path.Clean(spec)
		}
		if !strings.HasSuffix(spec, "/") {
			out = r.loadFile(x)
		}
		if out == nil {
			out = r.loadDir(x)
		}
	case strings.HasPrefix(spec, "#"):
		if p := r.scope(dir); p != nil && depth < 4 {
			for _, t := range nodeMatchExports(p.imports, spec, "#") {
				if strings.HasPrefix(t, "./") {
					out = r.exportTarget(out, p, t)
				} else if !strings.HasPrefix(t, "#") && !strings.HasPrefix(t, "/") && !strings.HasPrefix(t, "../") {
					out = append(out, r.resolveNew(p.dir, t, depth+1)...)
				}
			}
			if out != nil {
				out = append(out, nodeTarget{path: path.Join(p.dir, "package.json"), meta: true, name: p.name})
			}
		}
	default:
		out = r.bare(dir, spec)
	}
	// Node reads the nearest package.json of every module it loads, for
	// its "type".
	var scopes []nodeTarget
	for _, t := range out {
		if !t.meta && isJSExt(t.path) {
			if p := r.scope(path.Dir(t.path)); p != nil {
				scopes = append(scopes, nodeTarget{path: path.Join(p.dir, "package.json"), meta: true, name: p.name})
			}
		}
	}
	return append(out, scopes...)
}

func isJSExt(p string) bool {
	switch path.Ext(p) {
	case ".js", ".mjs", ".cjs":
		return true
	}
	return false
}

// bare resolves a package name, maybe scoped, maybe with a subpath: the
// package itself by its exports, then node_modules up the tree, then
// the global directories.
func (r *nodeResolver) bare(dir, spec string) []nodeTarget {
	name, sub := spec, ""
	if i := strings.IndexByte(spec, '/'); i >= 0 {
		if strings.HasPrefix(spec, "@") {
			if j := strings.IndexByte(spec[i+1:], '/'); j >= 0 {
				name, sub = spec[:i+1+j], spec[i+2+j:]
			}
		} else {
			name, sub = spec[:i], spec[i+1:]
		}
	}
	if name == "" || name == "." || name == ".." || strings.HasPrefix(name, "@") && !strings.Contains(name, "/") {
		return nil
	}
	if p := r.scope(dir); p != nil && p.name == name && p.exports != nil {
		if out := r.viaExports(p, sub); out != nil {
			return out
		}
	}
	for cur := dir; ; cur = path.Dir(cur) {
		if path.Base(cur) != "node_modules" {
			if out := r.inModules(path.Join(cur, "node_modules"), name, sub); out != nil {
				return out
			}
		}
		if cur == "/" || cur == "." {
			break
		}
	}
	for _, g := range r.globalDirs() {
		if out := r.inModules(g, name, sub); out != nil {
			return out
		}
	}
	return nil
}

// inModules looks for the package name in the node_modules directory nm.
func (r *nodeResolver) inModules(nm, name, sub string) []nodeTarget {
	if !r.dir(nm) {
		return nil
	}
	pd := path.Join(nm, name)
	if !r.dir(pd) {
		if sub == "" {
			return r.loadFile(pd) // node_modules/name.js
		}
		return nil
	}
	p := r.pkg(pd)
	if p != nil && p.exports != nil {
		if out := r.viaExports(p, sub); out != nil {
			return out
		}
	}
	x := path.Join(pd, sub)
	var out []nodeTarget
	if sub != "" && !strings.HasSuffix(sub, "/") {
		out = r.loadFile(x)
	}
	if out == nil {
		out = r.loadDir(x)
	}
	if out != nil && p != nil && sub != "" {
		out = append(out, nodeTarget{path: path.Join(pd, "package.json"), meta: true, name: p.name})
	}
	return out
}

// loadFile is Node's LOAD_AS_FILE: x as written, then with an extension.
func (r *nodeResolver) loadFile(x string) []nodeTarget {
	if r.file(x) {
		return []nodeTarget{{path: x}}
	}
	for _, e := range nodeExts {
		if r.file(x + e) {
			return []nodeTarget{{path: x + e}}
		}
	}
	return nil
}

// loadDir is Node's LOAD_AS_DIRECTORY: package.json's main, then index.
func (r *nodeResolver) loadDir(x string) []nodeTarget {
	if !r.dir(x) {
		return nil
	}
	var out []nodeTarget
	p := r.pkg(x)
	if p != nil && p.main != "" {
		m := path.Join(x, p.main)
		if out = r.loadFile(m); out == nil {
			out = r.loadIndex(m)
		}
	}
	if out == nil {
		out = r.loadIndex(x)
	}
	if out != nil && p != nil {
		out = append(out, nodeTarget{path: path.Join(x, "package.json"), meta: true, name: p.name})
	}
	return out
}

func (r *nodeResolver) loadIndex(x string) []nodeTarget {
	for _, e := range nodeExts {
		if f := path.Join(x, "index"+e); r.file(f) {
			return []nodeTarget{{path: f}}
		}
	}
	return nil
}
