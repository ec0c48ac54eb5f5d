package fatimages

import (
	"fmt"
	"strings"
)

// The probes corpus (issue 22): applications a user drives as their
// clients do. A JSON API whose answers carry the time and ids it draws
// at random, asked through a probe file of POST, GET, PUT and DELETE
// requests (its answers differ from run to run by themselves: the
// verify must mask that noise and nothing else); and a site whose front
// page links to pages that only the crawler asks for.

// The ports of the probes corpus's servers.
const (
	APIPort       = 15004
	CrawlSitePort = 18083
)

// APIApp is /app/app.py of the api image: a store of items in memory.
// Every answer about an item carries its random id and the times it was
// made and changed; the list carries the time of the request and a
// request id. The PUT route imports /app/names.py when it is asked.
const APIApp = `import datetime
import os
import uuid

from flask import Flask, jsonify, request

app = Flask(__name__)
items = {}


def now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat()


@app.get("/items")
def index():
    listed = sorted(items.values(), key=lambda i: i["name"])
    return jsonify(time=now(), request=uuid.uuid4().hex, count=len(listed), items=listed)


@app.post("/items")
def create():
    item = {"id": uuid.uuid4().hex, "name": request.get_json()["name"], "created": now()}
    items[item["id"]] = item
    return jsonify(item), 201


@app.get("/items/<item_id>")
def show(item_id):
    if item_id not in items:
        return jsonify(error="no such item"), 404
    return jsonify(items[item_id])


@app.put("/items/<item_id>")
def update(item_id):
    from names import tidy
    item = items[item_id]
    item["name"] = tidy(request.get_json()["name"])
    item["updated"] = now()
    return jsonify(item)


@app.delete("/items/<item_id>")
def delete(item_id):
    items.pop(item_id)
    return "", 204


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "15004")))
`

// APINames is /app/names.py of the api image.
const APINames = `import textwrap


def tidy(name):
    return textwrap.shorten(" ".join(name.split()), width=16, placeholder="...")
`

// CrawlPages are the pages of the crawl-site image, under /var/www/html:
// the front page links to the others, and they to more.
var CrawlPages = map[string]string{
	"index.html": `<!doctype html>
<html><head><title>crawl site</title><link rel="stylesheet" href="css/site.css"></head>
<body><h1>crawl site</h1>
<a href="about.html">about</a> <a href="team/">team</a> <a href="https://example.com/">elsewhere</a>
<form action="search.html"><input name="q"></form>
<img src="img/logo.gif" alt="logo">
</body></html>
`,
	"about.html":       "<!doctype html>\n<title>about</title>\n<p>Only the crawler asks for this page.</p>\n<a href=\"/\">home</a>\n",
	"team/index.html":  "<!doctype html>\n<title>team</title>\n<a href=\"alice.html\">Alice</a> <a href=\"../about.html\">about</a>\n",
	"team/alice.html":  "<!doctype html>\n<title>alice</title>\n<p>Two links from the front page.</p>\n",
	"search.html":      "<!doctype html>\n<title>search</title>\n<p>No results.</p>\n",
	"css/site.css":     "body { font-family: serif }\n",
	"img/logo.gif":     "GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;",
	"unlinked.html":    "<!doctype html>\n<title>unlinked</title>\n<p>No page links here.</p>\n",
	"team/bob-old.txt": "not linked either\n",
}

// ProbeCorpus are the images of the probes corpus, part of Corpus.
var ProbeCorpus = []Image{
	{
		Tree: "flask", Tag: "api", Cmd: []string{"python3", "app.py"}, WorkingDir: "/app", User: "nobody",
		Env: []string{fmt.Sprintf("PORT=%d", APIPort)}, ExposedPorts: []string{fmt.Sprintf("%d/tcp", APIPort)},
		Files: map[string]string{"app/app.py": APIApp, "app/names.py": APINames},
	},
	{
		Tree: "lighttpd", Tag: "crawl-site", Cmd: []string{"lighttpd", "-D", "-f", "/etc/lighttpd/lighttpd.conf"},
		ExposedPorts: []string{fmt.Sprintf("%d/tcp", CrawlSitePort)},
		Files:        crawlSiteFiles(),
	},
}

func crawlSiteFiles() map[string]string {
	files := map[string]string{
		"etc/lighttpd/lighttpd.conf": strings.Replace(lighttpdConf, "server.port                 = 18081", fmt.Sprintf("server.port                 = %d", CrawlSitePort), 1),
	}
	for p, body := range CrawlPages {
		files["var/www/html/"+p] = body
	}
	return files
}
