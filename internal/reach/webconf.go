package reach

import (
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/dietimg/diet/internal/rootfs"
	"github.com/dietimg/diet/internal/why"
)

// A web server serves files no probe asked for: the trace sees the pages
// it fetched, not the rest of the site. The document roots and aliases a
// configuration names are kept whole, since any file under them is one
// request away. Each server's grammar has its own file (nginx.go,
// apache.go, lighttpd.go); this one decides which files are whose and
// turns the paths they name into Founds.

// newWebConf reads the configuration files of nginx, Apache httpd and
// lighttpd.
func newWebConf(img *Image) Language { return &webConf{img: img} }

type webConf struct{ img *Image }

// webServer is the grammar a configuration file is written in.
type webServer int

const (
	noServer webServer = iota
	nginxServer
	apacheServer
	lighttpdServer
)

// webTree is where one server's configuration lives, and the directory
// relative paths in it are taken from (nginx's prefix, Apache's
// ServerRoot).
type webTree struct {
	dir    string
	server webServer
	prefix []string
}

// webTrees are the configuration directories of the builds images carry:
// Debian's and Alpine's packages, the official images (nginx's prefix is
// /etc/nginx there, /usr/share/nginx on Debian: both are tried), source
// builds under /usr/local, and Red Hat's httpd.
var webTrees = []webTree{
	{"/etc/nginx/", nginxServer, []string{"/usr/share/nginx", "/etc/nginx"}},
	{"/usr/local/nginx/conf/", nginxServer, []string{"/usr/local/nginx"}},
	{"/usr/local/openresty/nginx/conf/", nginxServer, []string{"/usr/local/openresty/nginx"}},
	{"/etc/apache2/", apacheServer, []string{"/etc/apache2"}},
	{"/etc/httpd/", apacheServer, []string{"/etc/httpd"}},
	{"/usr/local/apache2/conf/", apacheServer, []string{"/usr/local/apache2"}},
	{"/etc/lighttpd/", lighttpdServer, nil},
}

// nginxNotConf are the extensions of files that sit in nginx's directory
// without being its configuration: keys, certificates, scripts, pages.
var nginxNotConf = map[string]bool{
	".pem": true, ".crt": true, ".key": true, ".csr": true, ".der": true, ".p12": true, ".pfx": true,
	".so": true, ".js": true, ".lua": true, ".html": true, ".json": true, ".gz": true,
	".dpkg-dist": true, ".dpkg-old": true, ".bak": true, ".orig": true, ".swp": true,
}

// webTreeOf returns the tree whose configuration p is, and whether p is
// one. Apache's and lighttpd's *-available directories hold what is not
// enabled: their files count only through the *-enabled links, so a
// disabled site's document root is not kept.
func webTreeOf(p string) (webTree, bool) {
	p = path.Clean(p)
	for _, t := range webTrees {
		rel, ok := strings.CutPrefix(p, t.dir)
		if !ok || rel == "" {
			continue
		}
		dir, base := path.Split(rel)
		if strings.HasPrefix(base, ".") {
			return t, false
		}
		switch t.server {
		case nginxServer:
			return t, !nginxNotConf[path.Ext(base)]
		case apacheServer:
			if strings.Contains(dir, "-available/") {
				return t, false
			}
			return t, strings.HasSuffix(base, ".conf") || dir == "sites-enabled/" || dir == "conf-enabled/"
		case lighttpdServer:
			return t, strings.HasSuffix(base, ".conf") && !strings.Contains(dir, "-available/")
		}
	}
	return webTree{}, false
}

// Claims reports the configuration files of the servers, by path: their
// names do not tell (nginx's sites are plain names), their directories
// do. Binary files and PEM blocks in those directories are not
// configuration.
func (w *webConf) Claims(p string, head []byte) bool {
	if _, ok := webTreeOf(p); !ok {
		return false
	}
	return bytes.IndexByte(head, 0) < 0 && !bytes.HasPrefix(bytes.TrimSpace(head), []byte("-----BEGIN"))
}

// webRoot is a path a configuration serves files from, as the
// configuration names it (absolute), before it is checked in the image.
type webRoot struct {
	path   string
	detail string
}

// Reach returns the document roots and aliases the file p names that
// exist in the image.
func (w *webConf) Reach(p string, src []byte) ([]Found, error) {
	t, ok := webTreeOf(p)
	if !ok {
		return nil, nil
	}
	var roots []webRoot
	var err error
	switch t.server {
	case nginxServer:
		roots, err = nginxRoots(p, src)
	case apacheServer:
		roots, err = apacheRoots(p, src, t.prefix[0], w.apacheEnv(t))
	case lighttpdServer:
		roots, err = lighttpdRoots(p, src, w.img)
	}
	if err != nil {
		return nil, err
	}
	return w.found(p, t, roots), nil
}

// found turns the roots into Founds: only what exists, and never a
// system directory (a root of "/" would keep the image); a relative root
// is taken from the first of the tree's prefixes where it exists.
func (w *webConf) found(p string, t webTree, roots []webRoot) []Found {
	var out []Found
	seen := map[string]bool{}
	for _, r := range roots {
		cands := []string{r.path}
		if !path.IsAbs(r.path) {
			cands = nil
			for _, pre := range t.prefix {
				cands = append(cands, path.Join(pre, r.path))
			}
		}
		for _, c := range cands {
			f, ok := w.docRoot(path.Clean(c))
			if !ok {
				continue
			}
			if !seen[f.Path] {
				seen[f.Path] = true
				f.Reason = why.Reason{Kind: why.DocRoot, By: p, Detail: r.detail}
				out = append(out, f)
			}
			break
		}
	}
	return out
}

// docRoot checks one absolute path in the image.
func (w *webConf) docRoot(p string) (Found, bool) {
	as, ok := wholeOrFile(w.img.FS, p)
	return Found{Path: p, As: as}, ok
}

// wholeOrFile says how to keep the absolute path p that a configuration
// or a class path names: a directory whole, a file alone; false when p
// does not exist or is a system directory (a root of "/" would keep the
// image), by its name or where its symlinks lead.
func wholeOrFile(fsys rootfs.FS, p string) (As, bool) {
	if !path.IsAbs(p) || isSystemDir(p) {
		return 0, false
	}
	res, err := rootfs.Resolve(fsys, p)
	if err != nil || isSystemDir(res.Path) {
		return 0, false
	}
	fi, err := fs.Stat(fsys, rootfs.Rel(res.Path))
	switch {
	case err != nil:
		return 0, false
	case fi.IsDir():
		return Tree, true
	case fi.Mode().IsRegular():
		return File, true
	}
	return 0, false
}

// webConfError is a configuration that does not parse, at file:line as
// the servers themselves report it.
func webConfError(p string, line int, format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", p, line, fmt.Sprintf(format, args...))
}
