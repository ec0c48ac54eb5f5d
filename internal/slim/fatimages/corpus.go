package fatimages

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/dietimg/diet/internal/testbases"
)

// The corpus (issue 9): everyday Debian servers, each a fat image made from
// its own fixture tree of .ci/fixtures.sh (corpus-NAME: the minbase tree
// with the server's packages installed), with the config a user would
// write in its Dockerfile. Each listens on its own 127.0.0.1 port, so that
// they run side by side and away from the port-80 tests.

// FlaskApp is /app/app.py of the flask and entrypoint images: a JSON route
// and a Jinja template route. Settings come from the file APP_SETTINGS
// names, when set (the entrypoint image's docker-entrypoint.sh edits it).
const FlaskApp = `import os
from flask import Flask, jsonify, render_template

app = Flask(__name__)
app.config["GREETING"] = "hello"
if os.environ.get("APP_SETTINGS"):
    app.config.from_pyfile(os.environ["APP_SETTINGS"])


@app.route("/api/items")
def items():
    return jsonify(greeting=app.config["GREETING"], items=[{"id": 1, "name": "apple"}, {"id": 2, "name": "pear"}], total=2)


@app.route("/hello/<name>")
def hello(name):
    return render_template("hello.html", greeting=app.config["GREETING"], name=name, items=["apple", "pear"])


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")))
`

// FlaskTemplate is the Jinja template of the flask app's /hello route.
const FlaskTemplate = `<!doctype html>
<title>{{ greeting }}, {{ name }}</title>
<h1>{{ greeting | capitalize }}, {{ name | e }}!</h1>
<ul>{% for item in items %}<li>{{ loop.index }}. {{ item | upper }}</li>{% endfor %}</ul>
`

// EntrypointScript is the entrypoint image's /usr/local/bin/docker-entrypoint.sh:
// it writes the environment's greeting into the app's settings with sed,
// then execs the command, as entrypoint scripts commonly do.
const EntrypointScript = `#!/bin/sh
set -e
sed -i "s/^GREETING = .*/GREETING = \"${GREETING:-hello}\"/" "$APP_SETTINGS"
exec "$@"
`

// NodeServer is /app/server.js of the node image, an express server
// (express is installed from the npm registry into /app/node_modules when
// the fixture tree is made).
const NodeServer = `const express = require('express');
const app = express();
const port = parseInt(process.env.PORT || '3000', 10);
app.get('/', (req, res) => res.json({ service: 'corpus-node', items: [1, 2, 3], node: process.version }));
app.get('/hello/:name', (req, res) => res.type('text/plain').send('hello ' + req.params.name + '\n'));
app.listen(port, '127.0.0.1', () => console.log('listening on ' + port));
`

// ApacheCGI is /usr/lib/cgi-bin/hello.pl of the apache image: a Perl CGI
// program that loads an XS module (POSIX), so that perl's own modules and
// shared objects must be in the slim image.
const ApacheCGI = `#!/usr/bin/perl
use strict;
use warnings;
use POSIX qw(floor);
print "Content-Type: text/plain\r\n\r\n";
print "hello from perl ", sprintf("%vd", $^V), "\n";
print "query: ", ($ENV{QUERY_STRING} // ""), "\n";
print "floor: ", floor(7 / 2), "\n";
`

// apachePorts and apacheSite move the apache image from port 80 to 18080.
const (
	apachePorts = "Listen 18080\n"
	apacheSite  = `<VirtualHost *:18080>
	ServerAdmin webmaster@localhost
	DocumentRoot /var/www/html
	ErrorLog ${APACHE_LOG_DIR}/error.log
	CustomLog ${APACHE_LOG_DIR}/access.log combined
</VirtualHost>
`
	apacheIndex = "<!doctype html>\n<title>corpus apache</title>\n<p>A static page of the corpus's Apache httpd.</p>\n"
)

// lighttpdConf is Debian's /etc/lighttpd/lighttpd.conf of bookworm with
// the port moved from 80 to 18081: it still runs Perl scripts at start-up
// (include_shell of use-ipv6.pl and create-mime.conf.pl), which the
// kernel's exec of them, not a syscall the trace sees, brings in.
const lighttpdConf = `server.modules = (
	"mod_indexfile",
	"mod_access",
	"mod_alias",
 	"mod_redirect",
)

server.document-root        = "/var/www/html"
server.upload-dirs          = ( "/var/cache/lighttpd/uploads" )
server.errorlog             = "/var/log/lighttpd/error.log"
server.pid-file             = "/run/lighttpd.pid"
server.username             = "www-data"
server.groupname            = "www-data"
server.port                 = 18081

# features
#https://redmine.lighttpd.net/projects/lighttpd/wiki/Server_feature-flagsDetails
server.feature-flags       += ("server.h2proto" => "enable")
server.feature-flags       += ("server.h2c"     => "enable")
server.feature-flags       += ("server.graceful-shutdown-timeout" => 5)
#server.feature-flags       += ("server.graceful-restart-bg" => "enable")

# strict parsing and normalization of URL for consistency and security
# https://redmine.lighttpd.net/projects/lighttpd/wiki/Server_http-parseoptsDetails
# (might need to explicitly set "url-path-2f-decode" = "disable"
#  if a specific application is encoding URLs inside url-path)
server.http-parseopts = (
  "header-strict"           => "enable",# default
  "host-strict"             => "enable",# default
  "host-normalize"          => "enable",# default
  "url-normalize-unreserved"=> "enable",# recommended highly
  "url-normalize-required"  => "enable",# recommended
  "url-ctrls-reject"        => "enable",# recommended
  "url-path-2f-decode"      => "enable",# recommended highly (unless breaks app)
 #"url-path-2f-reject"      => "enable",
  "url-path-dotseg-remove"  => "enable",# recommended highly (unless breaks app)
 #"url-path-dotseg-reject"  => "enable",
 #"url-query-20-plus"       => "enable",# consistency in query string
)

index-file.names            = ( "index.php", "index.html" )
url.access-deny             = ( "~", ".inc" )
static-file.exclude-extensions = ( ".php", ".pl", ".fcgi" )

# default listening port for IPv6 falls back to the IPv4 port
include_shell "/usr/share/lighttpd/use-ipv6.pl " + server.port
include_shell "/usr/share/lighttpd/create-mime.conf.pl"
include "/etc/lighttpd/conf-enabled/*.conf"

#server.compat-module-load   = "disable"
server.modules += (
	"mod_dirlisting",
	"mod_staticfile",
)
`

// lighttpdIndex is the static page of the lighttpd image.
const lighttpdIndex = "<!doctype html>\n<title>corpus lighttpd</title>\n<p>A static page of the corpus's lighttpd.</p>\n"

// The ports of the corpus servers on 127.0.0.1 of their containers.
const (
	FlaskPort      = 15000
	EntrypointPort = 15001
	NodePort       = 13000
	RedisPort      = 16379
	PostgresPort   = 15432
	ApachePort     = 18080
	LighttpdPort   = 18081
	JavaPort       = 18090
)

// PostgresData is the data directory of the postgres image, initialised
// when its fixture tree is made, and a VOLUME of the image.
const PostgresData = "/var/lib/postgresql/data"

var flaskFiles = map[string]string{
	"app/": "", "app/app.py": FlaskApp, "app/templates/": "", "app/templates/hello.html": FlaskTemplate,
}

// Corpus are the images of the corpus layout, by tag; the reach corpus
// comes last.
var Corpus = append([]Image{
	{
		Tree: "flask", Tag: "flask", Cmd: []string{"python3", "app.py"}, WorkingDir: "/app", User: "nobody",
		Env: []string{fmt.Sprintf("PORT=%d", FlaskPort)}, ExposedPorts: []string{fmt.Sprintf("%d/tcp", FlaskPort)},
		Files: flaskFiles,
	},
	{
		Tree: "flask", Tag: "entrypoint", Entrypoint: []string{"docker-entrypoint.sh"}, Cmd: []string{"python3", "app.py"}, WorkingDir: "/app",
		Env:          []string{fmt.Sprintf("PORT=%d", EntrypointPort), "APP_SETTINGS=/app/settings.cfg", "GREETING=bonjour"},
		ExposedPorts: []string{fmt.Sprintf("%d/tcp", EntrypointPort)},
		Files:        merge(flaskFiles, map[string]string{"app/settings.cfg": "GREETING = \"hello\"\n"}),
		Scripts:      map[string]string{"usr/local/bin/docker-entrypoint.sh": EntrypointScript},
	},
	{
		Tree: "node", Tag: "node", Cmd: []string{"node", "server.js"}, WorkingDir: "/app", User: "nobody",
		Env: []string{fmt.Sprintf("PORT=%d", NodePort), "NODE_ENV=production"}, ExposedPorts: []string{fmt.Sprintf("%d/tcp", NodePort)},
		Files: map[string]string{"app/server.js": NodeServer},
	},
	{
		Tree: "redis", Tag: "redis", Cmd: []string{"redis-server", "--port", fmt.Sprint(RedisPort)}, WorkingDir: "/var/lib/redis", User: "redis",
		ExposedPorts: []string{fmt.Sprintf("%d/tcp", RedisPort)},
	},
	{
		Tree: "postgres", Tag: "postgres", Cmd: []string{"postgres", "-D", PostgresData, "-p", fmt.Sprint(PostgresPort), "-c", "listen_addresses=127.0.0.1"},
		User: "postgres", WorkingDir: "/var/lib/postgresql", StopSignal: "SIGINT",
		Env: []string{
			"PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			"PGDATA=" + PostgresData,
		},
		ExposedPorts: []string{fmt.Sprintf("%d/tcp", PostgresPort)}, Volumes: []string{PostgresData},
	},
	{
		Tree: "apache", Tag: "apache", Cmd: []string{"apache2ctl", "-D", "FOREGROUND"}, StopSignal: "SIGWINCH",
		ExposedPorts: []string{fmt.Sprintf("%d/tcp", ApachePort)},
		Files: map[string]string{
			"etc/apache2/ports.conf":                       apachePorts,
			"etc/apache2/sites-available/000-default.conf": apacheSite,
			"var/www/html/index.html":                      apacheIndex,
		},
		Scripts: map[string]string{"usr/lib/cgi-bin/hello.pl": ApacheCGI},
	},
	{
		// The server of testdata/java, compiled with the tree's javac by
		// .ci/fixtures.sh; the JDK stays, as in the images people run.
		Tree: "java", Tag: "java", Cmd: []string{"java", "-cp", "/app", "Server"}, WorkingDir: "/app", User: "nobody",
		Env: []string{fmt.Sprintf("PORT=%d", JavaPort)}, ExposedPorts: []string{fmt.Sprintf("%d/tcp", JavaPort)},
	},
	{
		Tree: "lighttpd", Tag: "lighttpd", Cmd: []string{"lighttpd", "-D", "-f", "/etc/lighttpd/lighttpd.conf"},
		ExposedPorts: []string{fmt.Sprintf("%d/tcp", LighttpdPort)},
		Files: map[string]string{
			"etc/lighttpd/lighttpd.conf": lighttpdConf,
			"var/www/html/index.html":    lighttpdIndex,
		},
	},
}, append(ReachCorpus, ProbeCorpus...)...)

func merge(a, b map[string]string) map[string]string {
	m := map[string]string{}
	for _, x := range []map[string]string{a, b} {
		for k, v := range x {
			m[k] = v
		}
	}
	return m
}

// CorpusTrees are the fixture trees the corpus needs, without repeats.
func CorpusTrees() []string {
	var trees []string
	seen := map[string]bool{}
	for _, im := range Corpus {
		if !seen[im.Tree] {
			seen[im.Tree] = true
			trees = append(trees, im.Tree)
		}
	}
	return trees
}

// EnsureCorpus returns the directory of the OCI layout holding the corpus
// images, made on first use from the trees cache/corpus-TREE; refer to an
// image as "oci:DIR:TAG". Each tree becomes a one-layer base image (under
// cache/bases, made side by side), and each image adds its files as a
// second layer and its config.
func EnsureCorpus(ctx context.Context, cache string) (string, error) {
	base := filepath.Join(cache, "slim-fat")
	// Named by the content of Corpus, as Ensure's layout is by Images'.
	final := filepath.Join(base, "corpus-"+stamp(Corpus)[:16])
	if _, err := os.Stat(filepath.Join(final, "index.json")); err == nil {
		return final, nil
	}
	for _, tree := range CorpusTrees() {
		if _, err := os.Stat(filepath.Join(cache, "corpus-"+tree, ".complete")); err != nil {
			return "", fmt.Errorf("fixture tree %s is missing (run: sudo .ci/fixtures.sh)", filepath.Join(cache, "corpus-"+tree))
		}
	}
	if err := os.MkdirAll(base, 0o755); err != nil {
		return "", err
	}
	lock, err := os.OpenFile(filepath.Join(base, ".corpus.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("locking %s: %w", lock.Name(), err)
	}
	if _, err := os.Stat(filepath.Join(final, "index.json")); err == nil {
		return final, nil // made while we waited
	}
	refs, err := corpusBases(ctx, cache)
	if err != nil {
		return "", err
	}
	baseOf := func(im Image) (string, error) { return refs[im.Tree], nil }
	if err := writeLayout(ctx, base, final, "", Corpus, baseOf); err != nil {
		return "", err
	}
	return final, nil
}

// corpusBases makes the base image of each corpus tree, in parallel (the
// work is compressing a few hundred MB per tree), and returns their
// references by tree.
func corpusBases(ctx context.Context, cache string) (map[string]string, error) {
	trees := CorpusTrees()
	refs := make([]string, len(trees))
	errs := make([]error, len(trees))
	done := make(chan struct{})
	for i, tree := range trees {
		go func() {
			defer func() { done <- struct{}{} }()
			refs[i], errs[i] = testbases.EnsureTree(ctx, filepath.Join(cache, "corpus-"+tree), cache, "corpus-"+tree)
		}()
	}
	for range trees {
		<-done
	}
	m := map[string]string{}
	for i, tree := range trees {
		if errs[i] != nil {
			return nil, fmt.Errorf("making the base of corpus tree %s: %w", tree, errs[i])
		}
		m[tree] = refs[i]
	}
	return m, nil
}
