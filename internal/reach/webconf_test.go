package reach

import (
	"io/fs"
	"path"
	"reflect"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/dietimg/diet/internal/rootfs"
	"github.com/dietimg/diet/internal/testenv"
	"github.com/dietimg/diet/internal/why"
)

// webTestFS is an image with the sites of testdata/webconf's files.
func webTestFS(t testing.TB) fstest.MapFS {
	dir := &fstest.MapFile{Mode: fs.ModeDir | 0o755}
	page := &fstest.MapFile{Data: []byte("<!doctype html>\n")}
	return fstest.MapFS{
		"var/www/html/index.html":                 page,
		"var/www/my site/index.html":              page,
		"var/log/apache2":                         dir,
		"usr/share/nginx/html/index.html":         page,
		"usr/local/openresty/nginx/html/a.html":   page,
		"usr/lib/cgi-bin/hello.pl":                {Data: []byte("#!/usr/bin/perl\n"), Mode: 0o755},
		"usr/share/apache2/icons/a.png":           page,
		"etc/apache2/envvars":                     {Data: testdata(t, "webconf", "apache/envvars")},
		"etc/apache2/htdocs":                      dir,
		"etc/nginx/htdocs":                        dir,
		"srv/site/index.html":                     page,
		"srv/site/favicon.ico":                    page,
		"srv/static/app.css":                      page,
		"srv/my site/index.html":                  page,
		"srv/docs/index.html":                     page,
		"srv/www/index.html":                      page,
		"srv/html/index.html":                     page,
		"srv/root":                                {Mode: fs.ModeSymlink, Data: []byte("../..")},
		"srv/linked":                              {Mode: fs.ModeSymlink, Data: []byte("/srv/site")},
		"usr/local/apache2/htdocs/index.html":     page,
		"usr/local/nginx/html/index.html":         page,
		"etc/lighttpd/conf-available/10-cgi.conf": {Data: testdata(t, "webconf", "lighttpd/10-cgi.conf")},
	}
}

// webFound is a Found in a test table.
type webFound struct {
	path   string
	as     As
	detail string
}

func TestWebConfClaims(t *testing.T) {
	for p, want := range map[string]bool{
		"/etc/nginx/nginx.conf":                         true,
		"/etc/nginx/sites-enabled/default":              true,
		"/etc/nginx/sites-available/default":            true,
		"/etc/nginx/conf.d/default.conf":                true,
		"/etc/nginx/mime.types":                         true,
		"/etc/nginx/ssl/site.pem":                       false,
		"/etc/nginx/njs/hello.js":                       false,
		"/etc/nginx/.nginx.conf.swp":                    false,
		"/etc/nginx":                                    false,
		"/usr/local/nginx/conf/nginx.conf":              true,
		"/usr/local/openresty/nginx/conf/nginx.conf":    true,
		"/usr/share/nginx/html/index.html":              false,
		"/etc/apache2/apache2.conf":                     true,
		"/etc/apache2/ports.conf":                       true,
		"/etc/apache2/envvars":                          false,
		"/etc/apache2/magic":                            false,
		"/etc/apache2/sites-enabled/000-default.conf":   true,
		"/etc/apache2/sites-enabled/legacy-site":        true,
		"/etc/apache2/sites-available/000-default.conf": false,
		"/etc/apache2/conf-enabled/security.conf":       true,
		"/etc/apache2/conf-available/security.conf":     false,
		"/etc/apache2/mods-enabled/alias.conf":          true,
		"/etc/apache2/mods-enabled/alias.load":          false,
		"/etc/httpd/conf/httpd.conf":                    true,
		"/etc/httpd/conf.d/ssl.conf":                    true,
		"/usr/local/apache2/conf/httpd.conf":            true,
		"/usr/local/apache2/conf/extra/httpd-ssl.conf":  true,
		"/etc/lighttpd/lighttpd.conf":                   true,
		"/etc/lighttpd/conf-enabled/10-cgi.conf":        true,
		"/etc/lighttpd/conf-available/10-cgi.conf":      false,
		"/etc/lighttpd/conf-available/README":           false,
		"/etc/nginx-other/nginx.conf":                   false,
		"/app/nginx.conf":                               false,
	} {
		if got := newWebConf(&Image{}).Claims(p, []byte("server {}\n")); got != want {
			t.Errorf("Claims(%s) = %v, want %v", p, got, want)
		}
	}
	w := newWebConf(&Image{})
	if w.Claims("/etc/nginx/ssl/site", []byte("-----BEGIN CERTIFICATE-----\nMII")) {
		t.Error("a certificate is claimed")
	}
	if w.Claims("/etc/nginx/modules/x", []byte("\x7fELF\x02\x01\x01\x00")) {
		t.Error("a binary is claimed")
	}
}

func TestWebConfReach(t *testing.T) {
	for _, tc := range []struct {
		name, path, file string
		env              []string
		wd               string
		want             []webFound
	}{
		{
			name: "Debian's default nginx site", path: "/etc/nginx/sites-enabled/default", file: "nginx/default",
			want: []webFound{{"/var/www/html", Tree, "root /var/www/html"}},
		},
		{name: "Debian's nginx.conf", path: "/etc/nginx/nginx.conf", file: "nginx/nginx.conf"},
		{name: "nginx's mime.types", path: "/etc/nginx/mime.types", file: "nginx/mime.types"},
		{name: "nginx's koi-utf", path: "/etc/nginx/koi-utf", file: "nginx/koi-utf"},
		{name: "nginx's fastcgi.conf", path: "/etc/nginx/fastcgi.conf", file: "nginx/fastcgi.conf"},
		{name: "nginx's fastcgi-php.conf", path: "/etc/nginx/snippets/fastcgi-php.conf", file: "nginx/fastcgi-php.conf"},
		{name: "nginx's proxy_params", path: "/etc/nginx/proxy_params", file: "nginx/proxy_params"},
		{
			name: "an nginx site", path: "/etc/nginx/conf.d/site.conf", file: "nginx/site.conf",
			want: []webFound{
				{"/srv/site", Tree, "root /srv/site"},
				{"/srv/static", Tree, "alias /srv/static/"},
				{"/srv/site/favicon.ico", File, "alias /srv/site/favicon.ico"},
				{"/srv/my site", Tree, "root /srv/my site"},
				{"/usr/share/nginx/html", Tree, "root html"},
			},
		},
		{
			name: "OpenResty, a Lua block skipped", path: "/usr/local/openresty/nginx/conf/nginx.conf", file: "nginx/openresty.conf",
			want: []webFound{{"/usr/local/openresty/nginx/html", Tree, "root html"}},
		},
		{
			name: "Debian's default Apache site", path: "/etc/apache2/sites-enabled/000-default.conf", file: "apache/000-default.conf",
			want: []webFound{{"/var/www/html", Tree, "DocumentRoot /var/www/html"}},
		},
		{
			name: "Debian's default-ssl site", path: "/etc/apache2/sites-enabled/default-ssl.conf", file: "apache/default-ssl.conf",
			want: []webFound{{"/var/www/html", Tree, "DocumentRoot /var/www/html"}},
		},
		{
			name: "Debian's serve-cgi-bin", path: "/etc/apache2/conf-enabled/serve-cgi-bin.conf", file: "apache/serve-cgi-bin.conf",
			want: []webFound{{"/usr/lib/cgi-bin", Tree, "ScriptAlias /cgi-bin/ /usr/lib/cgi-bin/"}},
		},
		{
			name: "Debian's mod_alias", path: "/etc/apache2/mods-enabled/alias.conf", file: "apache/alias.conf",
			want: []webFound{{"/usr/share/apache2/icons", Tree, "Alias /icons/ /usr/share/apache2/icons/"}},
		},
		{name: "Debian's apache2.conf", path: "/etc/apache2/apache2.conf", file: "apache/apache2.conf"},
		{name: "Debian's mime.conf", path: "/etc/apache2/mods-enabled/mime.conf", file: "apache/mime.conf"},
		{name: "Debian's autoindex.conf", path: "/etc/apache2/mods-enabled/autoindex.conf", file: "apache/autoindex.conf"},
		{name: "Debian's security.conf", path: "/etc/apache2/conf-enabled/security.conf", file: "apache/security.conf"},
		{name: "Debian's localized-error-pages", path: "/etc/apache2/conf-enabled/localized-error-pages.conf", file: "apache/localized-error-pages.conf"},
		{
			name: "an Apache site", path: "/etc/apache2/sites-enabled/site.conf", file: "apache/site.conf",
			want: []webFound{
				{"/srv/site", Tree, "DocumentRoot /srv/site"},
				{"/srv/static", Tree, "Alias /static /srv/static/"},
				{"/srv/site/favicon.ico", File, `AliasMatch ^/favicon\.ico$ /srv/site/favicon.ico`},
				{"/var/log/apache2", Tree, "Alias /logs /var/log/apache2"},
				{"/usr/lib/cgi-bin", Tree, "ScriptAlias /cgi-bin/ /usr/lib/cgi-bin/"},
				{"/srv/docs", Tree, "Alias /srv/docs"},
				{"/etc/apache2/htdocs", Tree, "documentroot htdocs"},
			},
		},
		{
			name: "httpd's variables from the image's Env", path: "/usr/local/apache2/conf/httpd.conf",
			file: "", env: []string{"WEBROOT=/srv/www"},
			want: []webFound{{"/srv/www", Tree, "DocumentRoot /srv/www"}, {"/usr/local/apache2/htdocs", Tree, "DocumentRoot htdocs"}},
		},
		{
			name: "Debian's lighttpd.conf", path: "/etc/lighttpd/lighttpd.conf", file: "lighttpd/lighttpd.conf",
			want: []webFound{{"/var/www/html", Tree, "server.document-root /var/www/html"}},
		},
		{
			name: "lighttpd's 10-cgi", path: "/etc/lighttpd/conf-enabled/10-cgi.conf", file: "lighttpd/10-cgi.conf",
			want: []webFound{{"/usr/lib/cgi-bin", Tree, "alias.url /cgi-bin/ => /usr/lib/cgi-bin/"}},
		},
		{
			name: "lighttpd's 90-debian-doc", path: "/etc/lighttpd/conf-enabled/90-debian-doc.conf", file: "lighttpd/90-debian-doc.conf",
			want: []webFound{{"/usr/lib/cgi-bin", Tree, "alias.url /cgi-bin/ => /usr/lib/cgi-bin/"}},
		},
		{name: "lighttpd's 15-fastcgi-php", path: "/etc/lighttpd/conf-enabled/15-fastcgi-php.conf", file: "lighttpd/15-fastcgi-php.conf"},
		{name: "lighttpd's 10-no-www", path: "/etc/lighttpd/conf-enabled/10-no-www.conf", file: "lighttpd/10-no-www.conf"},
		{name: "lighttpd's 99-unconfigured", path: "/etc/lighttpd/conf-enabled/99-unconfigured.conf", file: "lighttpd/99-unconfigured.conf"},
		{name: "lighttpd's 05-auth", path: "/etc/lighttpd/conf-enabled/05-auth.conf", file: "lighttpd/05-auth.conf"},
		{
			name: "a lighttpd site", path: "/etc/lighttpd/conf-enabled/site.conf", file: "lighttpd/site.conf",
			env: []string{"WEBROOT=/srv/www"}, wd: "/srv",
			want: []webFound{
				{"/srv/site", Tree, "server.document-root /srv/site"},
				{"/srv/static", Tree, "alias.url /static/ => /srv/static/"},
				{"/srv/site/favicon.ico", File, "alias.url /favicon.ico => /srv/site/favicon.ico"},
				{"/srv/docs", Tree, "server.document-root /srv/docs"},
				{"/srv/www", Tree, "server.document-root /srv/www"},
				{"/srv/html", Tree, "server.document-root html"},
			},
		},
		{
			name: "system directories, by name or through a link, and missing ones", path: "/etc/nginx/conf.d/bad.conf",
			want: []webFound{{"/srv/linked", Tree, "root /srv/linked"}},
		},
		{
			name: "a relative nginx root under the official image's prefix", path: "/etc/nginx/conf.d/default.conf",
			want: []webFound{{"/etc/nginx/htdocs", Tree, "root htdocs"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var src []byte
			switch tc.path {
			case "/usr/local/apache2/conf/httpd.conf":
				src = []byte("DocumentRoot \"${WEBROOT}\"\nDocumentRoot \"${UNKNOWN}\"\nDocumentRoot htdocs\n")
			case "/etc/nginx/conf.d/bad.conf":
				src = []byte("root /; root /usr/share; root /srv/root; root /srv/root/usr/lib; root /srv/nothing; root /srv/linked;\n")
			case "/etc/nginx/conf.d/default.conf":
				src = []byte("server { root htdocs; }\n")
			default:
				src = testdata(t, "webconf", tc.file)
			}
			w := newWebConf(&Image{FS: webTestFS(t), Env: tc.env, WorkingDir: tc.wd})
			if !w.Claims(tc.path, src) {
				t.Fatalf("%s is not claimed", tc.path)
			}
			found, err := w.Reach(tc.path, src)
			if err != nil {
				t.Fatal(err)
			}
			var got []webFound
			for _, f := range found {
				if f.Reason.Kind != why.DocRoot || f.Reason.By != tc.path {
					t.Errorf("%s: reason %+v", f.Path, f.Reason)
				}
				got = append(got, webFound{f.Path, f.As, f.Reason.Detail})
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Reach:\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestWebConfErrors(t *testing.T) {
	for _, tc := range []struct{ path, src, want string }{
		{"/etc/nginx/nginx.conf", "server {\n\troot \"/var/www;\n}\n", "/etc/nginx/nginx.conf:2: unterminated"},
		{"/etc/nginx/nginx.conf", "server {\n\troot /var/www;\n", "/etc/nginx/nginx.conf:3: unexpected end of file"},
		{"/etc/nginx/nginx.conf", "root /var/www", "/etc/nginx/nginx.conf:1: unexpected end of file"},
		{"/etc/nginx/nginx.conf", "events {}\n}\n", "/etc/nginx/nginx.conf:2: unexpected \"}\""},
		{"/etc/nginx/nginx.conf", "root \"/x\"y;", "/etc/nginx/nginx.conf:1: unexpected 'y'"},
		{"/etc/nginx/nginx.conf", "\n;", "/etc/nginx/nginx.conf:2: unexpected ';'"},
		{"/etc/nginx/nginx.conf", "root /a }", "/etc/nginx/nginx.conf:1: unexpected \"}\""},
		{"/etc/nginx/nginx.conf", "location / {\n content_by_lua_block {\n ngx.say(\"x\")\n", "/etc/nginx/nginx.conf:2: unterminated Lua block"},
		{"/etc/apache2/sites-enabled/x.conf", "<VirtualHost *:80>\n\tDocumentRoot \"/var/www\n</VirtualHost>\n", "/etc/apache2/sites-enabled/x.conf:2: unterminated"},
		{"/etc/apache2/sites-enabled/x.conf", "# a\nAlias /x \\\n  '/srv/x\n", "/etc/apache2/sites-enabled/x.conf:2: unterminated"},
		{"/etc/lighttpd/lighttpd.conf", "\nserver.document-root = \"/var/www\n", "/etc/lighttpd/lighttpd.conf:2: missing closing quote"},
		{"/etc/lighttpd/lighttpd.conf", "alias.url = ( \"/a\" = \"/b\" )", "/etc/lighttpd/lighttpd.conf:1: use =>"},
		{"/etc/lighttpd/lighttpd.conf", "$HTTP[\"host\"] == \"x\" {\n  server.document-root = \"/x\"\n", "/etc/lighttpd/lighttpd.conf:2: unexpected end of file"},
		{"/etc/lighttpd/lighttpd.conf", "server.document-root \"/x\"", "/etc/lighttpd/lighttpd.conf:1: expected ="},
		{"/etc/lighttpd/lighttpd.conf", "a = 1\n)", "/etc/lighttpd/lighttpd.conf:2: close-parens"},
		{"/etc/lighttpd/lighttpd.conf", "a = \"x\" \"y\"", "/etc/lighttpd/lighttpd.conf:1: unexpected string"},
		{"/etc/lighttpd/lighttpd.conf", "$HTTP[\"host\"] = \"x\" {}", "/etc/lighttpd/lighttpd.conf:1: unknown operator"},
		{"/etc/lighttpd/lighttpd.conf", "a = (" + strings.Repeat("(", 100), "/etc/lighttpd/lighttpd.conf:1: arrays nested too deep"},
		{"/etc/lighttpd/lighttpd.conf", "a = ( \"x\" \"y\" )", "/etc/lighttpd/lighttpd.conf:1: expected , or )"},
		{"/etc/lighttpd/lighttpd.conf", "}", "/etc/lighttpd/lighttpd.conf:1: unexpected \"}\""},
		{"/etc/lighttpd/lighttpd.conf", "a = @", "/etc/lighttpd/lighttpd.conf:1: unexpected '@'"},
	} {
		w := newWebConf(&Image{FS: webTestFS(t)})
		_, err := w.Reach(tc.path, []byte(tc.src))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("Reach(%s, %q) = %v, want %s...", tc.path, tc.src, err, tc.want)
		}
	}
}

// TestWebConfCorpus reads the configuration of Debian's packages as
// installed in the fixture trees, as the slim stage would: every file
// claimed under the server's directory, through the *-enabled links.
func TestWebConfCorpus(t *testing.T) {
	for _, tc := range []struct {
		tree func(testing.TB) string
		dir  string
		want []string
	}{
		{testenv.DebianFatRoot, "/etc/nginx", []string{"/var/www/html"}},
		{func(t testing.TB) string { return testenv.CorpusTree(t, "apache") }, "/etc/apache2", []string{"/usr/lib/cgi-bin", "/usr/share/apache2/icons", "/var/www/html"}},
		{func(t testing.TB) string { return testenv.CorpusTree(t, "lighttpd") }, "/etc/lighttpd", []string{"/var/www/html"}},
	} {
		t.Run(path.Base(tc.dir), func(t *testing.T) {
			fsys, err := rootfs.Dir(tc.tree(t))
			if err != nil {
				t.Fatal(err)
			}
			w := newWebConf(&Image{FS: fsys})
			got := map[string]bool{}
			err = fs.WalkDir(fsys, rootfs.Rel(tc.dir), func(name string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				p := "/" + name
				src, err := rootfs.ReadFile(fsys, p)
				if err != nil || !w.Claims(p, src[:min(len(src), headSize)]) {
					return nil
				}
				found, err := w.Reach(p, src)
				if err != nil {
					t.Errorf("%v", err)
				}
				for _, f := range found {
					got[f.Path] = true
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			var paths []string
			for p := range got {
				paths = append(paths, p)
			}
			sort.Strings(paths)
			if !reflect.DeepEqual(paths, tc.want) {
				t.Errorf("roots %q, want %q", paths, tc.want)
			}
		})
	}
}

// webFuzz checks that a reader never panics, is deterministic, and
// returns only existing, absolute, non-system paths or an error naming
// the file.
func webFuzz(f *testing.F, p string, seeds []string) {
	for _, s := range seeds {
		f.Add(testdata(f, "webconf", s))
	}
	img := &Image{FS: webTestFS(f), Env: []string{"WEBROOT=/srv/www"}, WorkingDir: "/srv"}
	f.Fuzz(func(t *testing.T, src []byte) {
		w := newWebConf(img)
		a, errA := w.Reach(p, src)
		b, errB := w.Reach(p, src)
		if !reflect.DeepEqual(a, b) || (errA == nil) != (errB == nil) || (errA != nil && errA.Error() != errB.Error()) {
			t.Fatalf("not deterministic: %v %v / %v %v", a, errA, b, errB)
		}
		if errA != nil && !strings.HasPrefix(errA.Error(), p+":") {
			t.Fatalf("error does not name the file: %v", errA)
		}
		for _, f := range a {
			if !path.IsAbs(f.Path) || isSystemDir(f.Path) {
				t.Fatalf("Reach returned %s", f.Path)
			}
		}
	})
}

func FuzzNginxConf(f *testing.F) {
	webFuzz(f, "/etc/nginx/nginx.conf", []string{"nginx/default", "nginx/nginx.conf", "nginx/site.conf", "nginx/openresty.conf", "nginx/mime.types", "nginx/fastcgi-php.conf"})
}

func FuzzApacheConf(f *testing.F) {
	webFuzz(f, "/etc/apache2/apache2.conf", []string{"apache/000-default.conf", "apache/site.conf", "apache/serve-cgi-bin.conf", "apache/apache2.conf", "apache/alias.conf"})
}

func FuzzLighttpdConf(f *testing.F) {
	webFuzz(f, "/etc/lighttpd/lighttpd.conf", []string{"lighttpd/lighttpd.conf", "lighttpd/site.conf", "lighttpd/90-debian-doc.conf", "lighttpd/15-fastcgi-php.conf", "lighttpd/05-auth.conf"})
}
