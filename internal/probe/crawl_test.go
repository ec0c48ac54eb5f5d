package probe

import (
	"net/url"
	"strings"
	"testing"
)

func TestLinks(t *testing.T) {
	base, _ := url.Parse("http://127.0.0.1:8080/docs/index.html")
	page := `<!doctype html><html><head>
<link rel="stylesheet" href="site.css"><link rel="preconnect" href="/cdn">
<script src="/js/app.js?v=3"></script></head><body>
<a href="about.html#team">About</a> <a href="../contact">Contact</a> <a href="about.html">again</a>
<a href="https://example.com/x">elsewhere</a> <a href="http://localhost:8080/local">local</a>
<a href="http://127.0.0.1:9090/other-port">other port</a> <a href="mailto:a@b">mail</a> <a href="#top">top</a>
<img src="img/logo.png"> <form action="/search"><input name=q></form>
<form method="post" action="/login"></form> <a href=" /spaced ">spaced</a>
</body></html>`
	got := Links([]byte(page), base)
	want := []string{"/docs/site.css", "/js/app.js?v=3", "/docs/about.html", "/contact", "/local", "/docs/img/logo.png", "/search", "/spaced"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("links:\n%v\nwant\n%v", got, want)
	}
	// <base href> moves what relative links resolve against.
	got = Links([]byte(`<base href="/app/"><a href="page">x</a>`), base)
	if strings.Join(got, " ") != "/app/page" {
		t.Errorf("with <base>: %v", got)
	}
}

func TestFollowLinks(t *testing.T) {
	page := Outcome{Probe: Probe{Kind: KindHTTP, Port: 80, Path: "/"}, Status: 200, ContentType: "text/html; charset=utf-8", Body: []byte(`<a href="/a">a</a>`)}
	if got := followLinks(page); len(got) != 1 || got[0] != "/a" {
		t.Errorf("html page: %v", got)
	}
	page.ContentType = "application/json"
	if got := followLinks(page); len(got) != 0 {
		t.Errorf("json answer: %v", got)
	}
	redirect := Outcome{Probe: Probe{Kind: KindHTTP, Port: 80, Path: "/old"}, Status: 301, Location: "/new"}
	if got := followLinks(redirect); len(got) != 1 || got[0] != "/new" {
		t.Errorf("redirect: %v", got)
	}
	redirect.Location = "https://example.com/"
	if got := followLinks(redirect); len(got) != 0 {
		t.Errorf("redirect elsewhere: %v", got)
	}
}

func TestOpenAPIProbes(t *testing.T) {
	doc := `{"swagger": "2.0", "basePath": "/api",
 "parameters": {"limit": {"name": "limit", "in": "query", "required": true, "x-example": 1, "default": 5}},
 "paths": {
  "/health": {"get": {}},
  "/users": {"get": {"parameters": [{"name": "page", "in": "query", "examples": {"one": {"value": 2}}}]}},
  "/users/{id}": {"parameters": [{"name": "id", "in": "path", "required": true, "schema": {"example": "u1"}}], "get": {}, "delete": {}},
  "/orders/{id}": {"get": {"parameters": [{"name": "id", "in": "path", "required": true}]}},
  "/feed": {"get": {"parameters": [{"$ref": "#/parameters/limit"}]}},
  "/secret": {"get": {"parameters": [{"name": "X-Key", "in": "header", "required": true}]}}
 }}`
	ps, err := openAPIProbes([]byte(doc), 8080, "api.json")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range ps {
		got = append(got, p.Path)
	}
	if strings.Join(got, " ") != "/api/health /api/users?page=2 /api/users/u1" {
		t.Errorf("paths = %v", got)
	}
	if _, err := openAPIProbes([]byte(`{"paths": {}}`), 80, "x.json"); err == nil || !strings.Contains(err.Error(), "not an OpenAPI document") {
		t.Errorf("no version: %v", err)
	}
}

func FuzzLinks(f *testing.F) {
	f.Add([]byte(`<a href="/a">x</a><base href="//evil/"><img src="b">`))
	f.Add([]byte(`<form action="?q=1"><link rel=preconnect href=/x>`))
	base, _ := url.Parse("http://127.0.0.1:80/")
	f.Fuzz(func(t *testing.T, page []byte) {
		for _, l := range Links(page, base) {
			if !strings.HasPrefix(l, "/") {
				t.Fatalf("link %q is not a path of the origin", l)
			}
		}
	})
}
