package reach

import (
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/dietimg/diet/internal/rootfs"
)

// pyInterp is one Python of the image: an interpreter's standard library
// with its site directories, or a virtual environment over one. Its path
// is sys.path as that interpreter starts with it, less the directory of
// the running script, which each file adds for itself.
type pyInterp struct {
	version string // "3.11"
	tag     string // "311", as cache files name it: x.cpython-311.pyc
	stdlib  string // the directory of os.py
	venv    string // the environment's root; "" for an installed interpreter
	sites   []string
	path    []string
	inPath  map[string]bool
}

// setup finds the image's interpreters from its tree: every
// lib/pythonX.Y with an os.py under /usr, /usr/local and the prefix of
// each bin directory on PATH, and every virtual environment PATH or
// VIRTUAL_ENV names. The interpreter that python3 runs through PATH
// comes first; it serves the files that no interpreter's path holds.
func (py *python) setup() {
	fsys, env := py.img.FS, py.img.Env
	pathEnv, ok := Getenv(env, "PATH")
	if !ok {
		pathEnv = defaultPath
	}
	wd := path.Clean("/" + py.img.WorkingDir)
	// PYTHONPATH comes before the standard library; an empty entry is
	// the working directory.
	var pyPath []string
	if v, _ := Getenv(env, "PYTHONPATH"); v != "" {
		for _, e := range strings.Split(v, ":") {
			pyPath = append(pyPath, pyAbs(wd, e))
		}
	}
	home, ok := Getenv(env, "HOME")
	if !ok || !strings.HasPrefix(home, "/") {
		home = "/root"
	}
	debian := isFile(fsys, "/etc/debian_version")

	prefixes := []string{"/usr", "/usr/local"}
	var venvs []string
	if v, ok := Getenv(env, "VIRTUAL_ENV"); ok && strings.HasPrefix(v, "/") {
		venvs = append(venvs, path.Clean(v))
	}
	for _, d := range strings.Split(pathEnv, ":") {
		if strings.HasPrefix(d, "/") && path.Base(d) == "bin" {
			prefixes = append(prefixes, path.Dir(path.Clean(d)))
			if isFile(fsys, path.Join(path.Dir(d), "pyvenv.cfg")) {
				venvs = append(venvs, path.Dir(path.Clean(d)))
			}
		}
	}
	seen := map[string]bool{}
	for _, p := range prefixes {
		for _, lib := range []string{"lib", "lib64"} {
			// /lib is /usr/lib in a merged tree: one interpreter, once.
			dir := path.Join(p, lib)
			res, err := rootfs.Resolve(fsys, dir)
			if err != nil || seen[res.Path] {
				continue
			}
			seen[res.Path] = true
			for _, name := range readDir(fsys, dir) {
				v, tag, ok := pyVersion(name)
				std := path.Join(dir, name)
				if !ok || !isFile(fsys, path.Join(std, "os.py")) {
					continue
				}
				in := &pyInterp{version: v, tag: tag, stdlib: std}
				// Debian's interpreter searches dist-packages instead of
				// site-packages; user installs (pip --user) come first.
				in.sites = append(in.sites, path.Join(home, ".local/lib", name, "site-packages"))
				if p == "/usr" && debian && strings.HasPrefix(v, "3.") {
					in.sites = append(in.sites, "/usr/local/lib/"+name+"/dist-packages",
						"/usr/lib/python3/dist-packages", "/usr/lib/"+name+"/dist-packages")
				}
				in.sites = append(in.sites, path.Join(p, "lib", name, "site-packages"), path.Join(p, "lib64", name, "site-packages"))
				py.makePath(in, pyPath, in.sites)
				py.interps = append(py.interps, in)
			}
		}
	}
	for i, v := range venvs {
		if !isFile(fsys, path.Join(v, "pyvenv.cfg")) || slices.Contains(venvs[:i], v) {
			continue
		}
		py.addVenv(v, pyPath)
	}
	// The default is the first python3 or python on PATH: a virtual
	// environment's bin is put first to activate it.
search:
	for _, d := range strings.Split(pathEnv, ":") {
		for _, name := range []string{"python3", "python"} {
			if exe := path.Join(d, name); strings.HasPrefix(d, "/") && isExec(fsys, exe) {
				py.promote(py.interpOf(exe))
				break search
			}
		}
	}
	py.fallback = &pyInterp{}
	py.makePath(py.fallback, pyPath, nil)
	for _, in := range py.interps {
		if !slices.Contains(py.tags, in.tag) {
			py.tags = append(py.tags, in.tag)
		}
	}
}

// addVenv adds the virtual environment at root for each version its lib
// holds: the base interpreter's standard library, the environment's
// site-packages, and the system's sites only when pyvenv.cfg says so.
func (py *python) addVenv(root string, pyPath []string) {
	cfg, _ := rootfs.ReadFile(py.img.FS, path.Join(root, "pyvenv.cfg"))
	system := false
	for _, line := range strings.Split(string(cfg), "\n") {
		k, v, _ := strings.Cut(line, "=")
		if strings.TrimSpace(k) == "include-system-site-packages" {
			system = strings.EqualFold(strings.TrimSpace(v), "true")
		}
	}
	for _, name := range readDir(py.img.FS, path.Join(root, "lib")) {
		v, tag, ok := pyVersion(name)
		site := path.Join(root, "lib", name, "site-packages")
		if !ok || !isDir(py.img.FS, site) {
			continue
		}
		in := &pyInterp{version: v, tag: tag, venv: root, sites: []string{site}}
		for _, b := range py.interps {
			if b.venv == "" && b.version == v {
				in.stdlib = b.stdlib
				if system {
					in.sites = append(in.sites, b.sites...)
				}
				break
			}
		}
		py.makePath(in, pyPath, in.sites)
		py.interps = append(py.interps, in)
	}
}

// makePath lays out sys.path: PYTHONPATH, the standard library and its
// extension modules, then each site directory followed by the directories
// its .pth files name, as site.addsitedir appends them.
func (py *python) makePath(in *pyInterp, pyPath, sites []string) {
	in.inPath = map[string]bool{}
	add := func(d string) {
		if !in.inPath[d] && isDir(py.img.FS, d) {
			in.inPath[d] = true
			in.path = append(in.path, d)
		}
	}
	for _, d := range pyPath {
		add(d)
	}
	if in.stdlib != "" {
		add(in.stdlib)
		add(path.Join(in.stdlib, "lib-dynload"))
	}
	for _, s := range sites {
		if !isDir(py.img.FS, s) {
			continue
		}
		add(s)
		for _, name := range readDir(py.img.FS, s) {
			if !strings.HasSuffix(name, ".pth") || strings.HasPrefix(name, ".") {
				continue
			}
			data, _ := rootfs.ReadFile(py.img.FS, path.Join(s, name))
			for _, line := range strings.Split(string(data), "\n") {
				line = strings.TrimRight(line, " \t\r")
				// Lines that import are code site runs, not directories.
				if line == "" || line[0] == '#' || strings.HasPrefix(line, "import ") || strings.HasPrefix(line, "import\t") {
					continue
				}
				add(pyAbs(s, line))
			}
		}
	}
}

// interpOf finds the interpreter that the executable exe runs: a virtual
// environment's own, or the installed one of its prefix and version.
func (py *python) interpOf(exe string) *pyInterp {
	root := path.Dir(path.Dir(exe))
	v, _, ok := pyVersion(path.Base(exe))
	if res, err := rootfs.Resolve(py.img.FS, exe); err == nil && !ok {
		v, _, ok = pyVersion(path.Base(res.Path))
		if res.Path != exe && !isFile(py.img.FS, path.Join(root, "pyvenv.cfg")) {
			root = path.Dir(path.Dir(res.Path))
		}
	}
	for _, in := range py.interps {
		if in.venv == root && (!ok || in.version == v) {
			return in
		}
	}
	for _, in := range py.interps {
		if in.venv == "" && strings.HasPrefix(in.stdlib, root+"/") && (!ok || in.version == v) {
			return in
		}
	}
	for _, in := range py.interps {
		if ok && in.version == v {
			return in
		}
	}
	return nil
}

// promote moves in to the front of the interpreters.
func (py *python) promote(in *pyInterp) {
	for i, x := range py.interps {
		if x == in {
			copy(py.interps[1:i+1], py.interps[:i])
			py.interps[0] = in
			return
		}
	}
}

// interpFor picks the interpreter that runs or imports the file p: the
// one whose path holds it, else the one its #! line names, else the
// default.
func (py *python) interpFor(p string, src []byte) *pyInterp {
	for _, in := range py.interps {
		for _, d := range in.path {
			if strings.HasPrefix(p, d+"/") {
				return in
			}
		}
	}
	if len(src) > 2 && src[0] == '#' && src[1] == '!' {
		line, _, _ := strings.Cut(string(src[2:min(len(src), headSize)]), "\n")
		if f := strings.Fields(line); len(f) > 0 && path.Base(f[0]) != "env" {
			if in := py.interpOf(path.Clean(f[0])); in != nil {
				return in
			}
		}
		if v, _, ok := pyVersion(shebang(src)); ok {
			for _, in := range py.interps {
				if in.version == v {
					return in
				}
			}
		}
	}
	if len(py.interps) > 0 {
		return py.interps[0]
	}
	return py.fallback
}

// pyVersion reads "python3.11" as version "3.11" and tag "311".
func pyVersion(name string) (version, tag string, ok bool) {
	v, found := strings.CutPrefix(name, "python")
	major, minor, dot := strings.Cut(v, ".")
	if !found || !dot {
		return "", "", false
	}
	if _, err := strconv.ParseUint(major, 10, 16); err != nil {
		return "", "", false
	}
	if _, err := strconv.ParseUint(minor, 10, 16); err != nil {
		return "", "", false
	}
	return v, major + minor, true
}

// pyAbs is p relative to the directory base, unless absolute.
func pyAbs(base, p string) string {
	if strings.HasPrefix(p, "/") {
		return path.Clean(p)
	}
	return path.Join(base, p)
}
