package fatimages

import (
	"fmt"
	"strings"
)

// The reach corpus (issue 21): everyday applications whose probe asks
// only the front page or runs the default command, while their other
// requests and commands need code and data the probe never touches: a
// module imported inside a handler, a C extension behind it, time zone
// data, another template, static files, the commands of an entrypoint's
// other branches, a Perl module required for an option, the pages of a
// site.

// The ports of the reach corpus's servers.
const (
	ReachPythonPort     = 15002
	ReachEntrypointPort = 15003
	ReachNodePort       = 13001
	ReachSitePort       = 18082
)

// ReachPythonApp is /app/app.py of the reach-python image: every route
// but / imports what it needs when it is asked.
const ReachPythonApp = `import os
from flask import Flask, jsonify, render_template

app = Flask(__name__)


@app.route("/")
def index():
    return render_template("index.html", title="reach")


@app.route("/about")
def about():
    return render_template("about.html")


@app.route("/report.csv")
def report():
    import csv
    import io
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["id", "name"])
    w.writerow([1, "apple"])
    return buf.getvalue(), 200, {"Content-Type": "text/csv"}


@app.route("/db")
def db():
    import sqlite3
    con = sqlite3.connect(":memory:")
    con.execute("create table t (x)")
    con.executemany("insert into t values (?)", [(1,), (2,), (3,)])
    return jsonify(total=con.execute("select sum(x) from t").fetchone()[0])


@app.route("/time")
def paris():
    import datetime
    from zoneinfo import ZoneInfo
    d = datetime.datetime(2026, 7, 1, 12, 0, tzinfo=ZoneInfo("Europe/Paris"))
    return d.isoformat() + " " + d.tzname()


@app.route("/xml")
def xml():
    from xml.dom import minidom
    return minidom.parseString("<a><b>reach</b></a>").documentElement.firstChild.firstChild.data


@app.route("/latin")
def latin():
    return "caf\u00e9 na\u00efve".encode("cp1252").hex() + " " + bytes([0xe9]).decode("iso8859_15")


@app.route("/stats")
def stats():
    from lib import helpers
    return jsonify(helpers.summary([3, 1, 2]))


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")))
`

// reachPythonHelpers is /app/lib/helpers.py: it loads its module by name.
const reachPythonHelpers = `import importlib


def summary(xs):
    statistics = importlib.import_module("statistics")
    return {"mean": statistics.mean(xs), "median": statistics.median(xs)}
`

var reachPythonFiles = map[string]string{
	"app/":                     "",
	"app/app.py":               ReachPythonApp,
	"app/lib/__init__.py":      "",
	"app/lib/helpers.py":       reachPythonHelpers,
	"app/templates/index.html": "<!doctype html>\n<title>{{ title }}</title>\n<link rel=stylesheet href=/static/style.css>\n<h1>{{ title | upper }}</h1>\n",
	"app/templates/about.html": "<!doctype html>\n<title>about</title>\n<p>{% for i in range(3) %}{{ i }}{% endfor %}</p>\n",
	"app/static/style.css":     "body { font-family: sans-serif; }\n",
	"app/data/a.txt":           "one\ntwo\n",
	"app/data/b.txt":           "three\n",
}

// ReachEntrypointScript is the reach-entrypoint image's entrypoint: the
// server by default, and maintenance commands in its other branches.
const ReachEntrypointScript = `#!/bin/sh
set -e
case "${1:-serve}" in
serve)
	exec python3 /app/app.py
	;;
backup)
	tar -cf - -C /app data | tar -tf - | sort
	gzip -nc </app/data/a.txt | gzip -dc | wc -c
	;;
count)
	wc -l /app/data/a.txt /app/data/b.txt
	;;
*)
	exec "$@"
	;;
esac
`

// ReachNodeServer is /app/server.js of the reach-node image.
const ReachNodeServer = `const express = require('express');
const path = require('path');
const app = express();
const port = parseInt(process.env.PORT || '3000', 10);
app.use('/static', express.static(path.join(__dirname, 'public')));
app.get('/', (req, res) => res.json({ service: 'reach-node' }));
app.get('/report', (req, res) => {
  const report = require('./lib/report');
  res.json(report.build());
});
app.listen(port, '127.0.0.1', () => console.log('listening on ' + port));
`

const reachNodeReport = `const fs = require('fs');
const path = require('path');

exports.build = function () {
  const data = JSON.parse(fs.readFileSync(path.join(__dirname, 'data.json'), 'utf8'));
  return { count: data.items.length, first: data.items[0] };
};
`

// ReachPerlTool is /usr/local/bin/inventory of the reach-perl image: a
// table by default; --json, --digest and --words load modules then.
const ReachPerlTool = `#!/usr/bin/perl
use strict;
use warnings;
use Getopt::Long;

my ($json, $digest, $words);
GetOptions("json" => \$json, "digest" => \$digest, "words" => \$words) or die "usage: inventory [--json|--digest|--words]\n";
my @items = (["apple", 3], ["pear", 5]);
if ($json) {
	require JSON::PP;
	print JSON::PP->new->canonical->encode({ items => [map { { name => $_->[0], count => $_->[1] } } @items] }), "\n";
} elsif ($digest) {
	require Digest::SHA;
	print Digest::SHA::sha256_hex(join ",", map { $_->[0] } @items), "\n";
} elsif ($words) {
	require Text::ParseWords;
	print join("|", Text::ParseWords::shellwords(q{apple "big pear" 'plum'})), "\n";
} else {
	printf "%-8s %3d\n", @$_ for @items;
}
`

// reachSiteConf is the lighttpd.conf of the reach-site image: Debian's,
// on its own port, with an alias.
var reachSiteConf = strings.Replace(lighttpdConf, "server.port                 = 18081", fmt.Sprintf("server.port                 = %d", ReachSitePort), 1) +
	"alias.url += ( \"/docs/\" => \"/srv/docs/\" )\n"

// ReachCorpus are the images of the reach corpus, part of Corpus.
var ReachCorpus = []Image{
	{
		Tree: "flask", Tag: "reach-python", Cmd: []string{"python3", "app.py"}, WorkingDir: "/app", User: "nobody",
		Env: []string{fmt.Sprintf("PORT=%d", ReachPythonPort)}, ExposedPorts: []string{fmt.Sprintf("%d/tcp", ReachPythonPort)},
		Files: reachPythonFiles,
	},
	{
		Tree: "flask", Tag: "reach-entrypoint", Entrypoint: []string{"app-entrypoint.sh"}, Cmd: []string{"serve"}, WorkingDir: "/app",
		Env: []string{fmt.Sprintf("PORT=%d", ReachEntrypointPort)}, ExposedPorts: []string{fmt.Sprintf("%d/tcp", ReachEntrypointPort)},
		Files:   reachPythonFiles,
		Scripts: map[string]string{"usr/local/bin/app-entrypoint.sh": ReachEntrypointScript},
	},
	{
		Tree: "node", Tag: "reach-node", Cmd: []string{"node", "server.js"}, WorkingDir: "/app", User: "nobody",
		Env: []string{fmt.Sprintf("PORT=%d", ReachNodePort), "NODE_ENV=production"}, ExposedPorts: []string{fmt.Sprintf("%d/tcp", ReachNodePort)},
		Files: map[string]string{
			"app/server.js":         ReachNodeServer,
			"app/lib/report.js":     reachNodeReport,
			"app/lib/data.json":     `{"items": ["apple", "pear", "plum"]}` + "\n",
			"app/public/site.css":   "h1 { color: green; }\n",
			"app/public/robots.txt": "User-agent: *\nDisallow:\n",
		},
	},
	{
		Tree: "perl", Tag: "reach-perl", Entrypoint: []string{"inventory"},
		Scripts: map[string]string{"usr/local/bin/inventory": ReachPerlTool},
	},
	{
		// glibc's iconv program converting to ISO-8859-1 by default: a C
		// program whose iconv_open loads a gconv module per charset
		// (issue 27).
		Tree: "perl", Tag: "reach-iconv", Entrypoint: []string{"iconv", "-f", "UTF-8"},
		Cmd:   []string{"-t", "ISO-8859-1", "/srv/greeting.txt"},
		Files: map[string]string{"srv/greeting.txt": "caf\u00e9 na\u00efve \u00fcber\n"},
	},
	{
		Tree: "lighttpd", Tag: "reach-site", Cmd: []string{"lighttpd", "-D", "-f", "/etc/lighttpd/lighttpd.conf"},
		ExposedPorts: []string{fmt.Sprintf("%d/tcp", ReachSitePort)},
		Files: map[string]string{
			"etc/lighttpd/lighttpd.conf": reachSiteConf,
			"var/www/html/index.html":    "<!doctype html>\n<title>reach site</title>\n<a href=about.html>about</a>\n",
			"var/www/html/about.html":    "<!doctype html>\n<title>about</title>\n<p>The pages nobody probed.</p>\n",
			"var/www/html/css/site.css":  "body { margin: 0 }\n",
			"var/www/html/img/dot.gif":   "GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;",
			"srv/docs/guide.html":        "<!doctype html>\n<title>guide</title>\n<p>Served through an alias.</p>\n",
		},
	},
}
