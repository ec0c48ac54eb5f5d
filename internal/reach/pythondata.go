package reach

import (
	"path"
	"slices"
	"strings"

	"github.com/dietimg/diet/internal/rootfs"
	"github.com/dietimg/diet/internal/why"
)

// pySystemData are the files that modules read from the system rather
// than import, keyed by module (a key also covers its submodules):
// importing the module keeps those the image has, whole when directories.
var pySystemData = map[string][]string{
	// zoneinfo searches its TZPATH (the compiled-in default list) and
	// reads the local zone.
	"zoneinfo": {"/usr/share/zoneinfo", "/usr/lib/zoneinfo", "/usr/share/lib/zoneinfo", "/etc/zoneinfo", "/etc/localtime"},
	// Debian's pytz reads the system's zones instead of its own copy.
	"pytz": {"/usr/share/zoneinfo", "/etc/localtime"},
	// dateutil.tz.gettz searches the same places as zoneinfo.
	"dateutil.tz": {"/usr/share/zoneinfo", "/usr/lib/zoneinfo", "/usr/share/lib/zoneinfo", "/etc/zoneinfo", "/etc/localtime"},
	// time.localtime goes through the C library, which reads the local
	// zone.
	"time": {"/etc/localtime"},
	// mimetypes reads its knownfiles on the first guess.
	"mimetypes": {"/etc/mime.types", "/etc/httpd/mime.types", "/etc/httpd/conf/mime.types", "/etc/apache/mime.types",
		"/etc/apache2/mime.types", "/usr/local/etc/httpd/conf/mime.types", "/usr/local/lib/netscape/mime.types", "/usr/local/etc/mime.types"},
	// ssl.create_default_context loads OpenSSL's configuration and its
	// default CA bundle (Debian's, Alpine's, and the symlinks to them).
	"ssl": {"/usr/lib/ssl/openssl.cnf", "/etc/ssl/openssl.cnf", "/usr/lib/ssl/cert.pem", "/etc/ssl/cert.pem", "/etc/ssl/certs/ca-certificates.crt"},
	// platform.freedesktop_os_release reads os-release.
	"platform": {"/etc/os-release", "/usr/lib/os-release"},
}

// pyDataSkip are the entries of a pySystemData directory that are not
// kept with it: the zones of right/ count leap seconds and are read only
// when a program asks for "right/Europe/Paris" by that name, and posix/
// repeats the others.
var pyDataSkip = map[string][]string{
	"/usr/share/zoneinfo": {"right", "posix"},
}

// pyComputed are standard modules that import others by names computed
// at run time, which no literal in their source shows: globs, relative
// to the standard library, of the modules each can import. They apply
// to the module's own file, which is the one that imports.
var pyComputed = map[string][]string{
	// sysconfig imports _sysconfigdata_<abiflags>_<platform>_<multiarch>.
	"sysconfig": {"_sysconfigdata_*.py"},
	// codecs.lookup imports encodings.<name> for any codec name a program
	// passes (bytes.decode("cp1252")): every codec but the East Asian
	// multibyte ones of pyCJKCodecs.
	"encodings": {"encodings/*.py"},
	// dbm.open tries dbm.gnu, dbm.ndbm and dbm.dumb from a list of names.
	"dbm": {"dbm/*.py"},
	// xml.sax.make_parser imports its default parser from a list of names.
	"xml.sax": {"xml/sax/expatreader.py"},
	// xml.dom.getDOMImplementation imports minidom from a table of names.
	"xml.dom.domreg": {"xml/dom/minidom.py"},
}

// pyCJKCodecs are the East Asian multibyte codecs of encodings: each
// imports an extension module of its own (_codecs_jp, _codecs_cn...), 0.9
// MB of them with their sources on Debian, more than every other codec
// together. They are kept when the code names them (a literal import,
// or a trace of a request in that charset), not for any name a program
// could pass; --keep DIR/encodings keeps them all.
var pyCJKCodecs = map[string]bool{
	"big5": true, "big5hkscs": true, "cp932": true, "cp949": true, "cp950": true, "euc_jis_2004": true,
	"euc_jisx0213": true, "euc_jp": true, "euc_kr": true, "gb18030": true, "gb2312": true, "gbk": true, "hz": true,
	"iso2022_jp": true, "iso2022_jp_1": true, "iso2022_jp_2": true, "iso2022_jp_2004": true, "iso2022_jp_3": true,
	"iso2022_jp_ext": true, "iso2022_kr": true, "johab": true, "shift_jis": true, "shift_jis_2004": true, "shift_jisx0213": true,
}

// systemData adds the system data of the module name and of the packages
// that hold it.
func (py *python) systemData(name string, out *pyOut) {
	for n := name; ; {
		for _, p := range pySystemData[n] {
			if fi, err := rootfs.Stat(py.img.FS, p); err == nil {
				switch {
				case !fi.IsDir():
					out.add(p, File, why.Data, "data of "+n)
				case pyDataSkip[p] != nil:
					for _, e := range readDir(py.img.FS, p) {
						if !slices.Contains(pyDataSkip[p], e) {
							q := path.Join(p, e)
							as := File
							if isDir(py.img.FS, q) {
								as = Tree
							}
							out.add(q, as, why.Data, "data of "+n)
						}
					}
				default:
					out.add(p, Tree, why.Data, "data of "+n)
				}
			}
		}
		i := strings.LastIndexByte(n, '.')
		if i < 0 {
			return
		}
		n = n[:i]
	}
}

// computed adds the modules a standard module imports by computed names.
func (py *python) computed(sc pyScope, out *pyOut) {
	if !sc.stdlib {
		return
	}
	for _, pat := range pyComputed[sc.module] {
		dir := path.Join(sc.root, path.Dir(pat))
		l := py.list(dir)
		if l == nil {
			continue
		}
		prefix := strings.ReplaceAll(strings.TrimPrefix(path.Dir(pat), "."), "/", ".")
		for _, n := range l.names {
			stem, ok := strings.CutSuffix(n, ".py")
			if m, _ := path.Match(path.Base(pat), n); !m || !ok || stem == "__init__" || (sc.module == "encodings" && pyCJKCodecs[stem]) {
				continue
			}
			// The source alone: Python compiles a module whose cache is
			// missing when it is first imported, and most of these never are.
			var src []pyHit
			for _, h := range py.module(dir, stem) {
				if !strings.HasSuffix(h.path, ".pyc") {
					src = append(src, h)
				}
			}
			out.hits(src, why.Import, joinDotted(prefix, stem))
		}
	}
}

// metadata returns the metadata directories (or egg-info files) in the
// site directory dir of the distributions that install the top-level
// name top, read once per directory.
func (py *python) metadata(dir, top string) []pyHit {
	m, ok := py.meta[dir]
	if !ok {
		m = py.readMetadata(dir)
		py.meta[dir] = m
	}
	return m[top]
}

// readMetadata indexes the distributions of dir by the top-level names
// they install: their top_level.txt, the first parts of the paths their
// RECORD lists, and their own normalized name (Flask-2.2.2.egg-info
// installs flask).
func (py *python) readMetadata(dir string) map[string][]pyHit {
	m := map[string][]pyHit{}
	l := py.list(dir)
	if l == nil {
		return m
	}
	for _, n := range l.names {
		base, ok := strings.CutSuffix(n, ".dist-info")
		if !ok {
			if base, ok = strings.CutSuffix(n, ".egg-info"); !ok {
				continue
			}
		}
		dist, _, _ := strings.Cut(base, "-")
		tops := map[string]bool{normalizeDist(dist): true}
		full := path.Join(dir, n)
		as := File // an egg-info may be a bare PKG-INFO file
		if l.dirs[n] {
			as = Tree
			data, _ := rootfs.ReadFile(py.img.FS, path.Join(full, "top_level.txt"))
			for _, line := range strings.Split(string(data), "\n") {
				if t, _, _ := strings.Cut(strings.TrimSpace(line), "/"); t != "" {
					tops[t] = true
				}
			}
			data, _ = rootfs.ReadFile(py.img.FS, path.Join(full, "RECORD"))
			for _, line := range strings.Split(string(data), "\n") {
				f, _, _ := strings.Cut(line, ",")
				first, _, sub := strings.Cut(strings.Trim(f, `"`), "/")
				switch {
				case sub && first != ".." && first != "__pycache__" && !strings.HasSuffix(first, ".dist-info") && !strings.HasSuffix(first, ".data"):
					tops[first] = true
				case !sub && strings.HasSuffix(first, ".py"):
					tops[strings.TrimSuffix(first, ".py")] = true
				case !sub && strings.HasSuffix(first, ".so"):
					t, _, _ := strings.Cut(first, ".")
					tops[t] = true
				}
			}
		}
		for t := range tops {
			m[t] = append(m[t], pyHit{full, as})
		}
	}
	return m
}

// normalizeDist turns a distribution's name into the module name it most
// likely installs: lower case, - and . as _.
func normalizeDist(s string) string {
	return strings.NewReplacer("-", "_", ".", "_").Replace(strings.ToLower(s))
}
