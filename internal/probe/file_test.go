package probe

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestParseFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "pear.json", `{"name":"pear"}`)
	writeFile(t, dir, "check.sh", "true\n")
	writeFile(t, dir, "api.yaml", `openapi: 3.0.0
servers: [{url: "http://localhost:8080/v1"}]
paths:
  /items:
    get: {}
    post: {}
  /items/{id}:
    get:
      parameters: [{name: id, in: path, required: true, example: 42}]
  /search:
    get:
      parameters: [{name: q, in: query, required: true}]
`)
	name := writeFile(t, dir, "probes.yaml", `# an API
- http: POST 8080/items
  headers: {Authorization: Bearer t0ken}
  json: {name: apple, tags: [red]}
  status: 201
  capture: {id: $.id}
- http: GET 8080/items/${id}
- http: PUT 8080/items/${id}
  body_file: pear.json
- http: DELETE 8080/items/${id}
- tcp: 6379
  send: "PING\r\n"
  expect: "+PONG\r\n"
- cmd: redis-cli -p 6379 ping
- exec: [--version]
- script: check.sh
- wait: 2s
- openapi: 8080/openapi.json
- openapi: api.yaml
  port: 8080
`)
	ps, err := ParseFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range ps {
		got = append(got, p.String())
	}
	want := []string{"http POST 8080/items", "http 8080/items/${id}", "http PUT 8080/items/${id}", "http DELETE 8080/items/${id}",
		"tcp 6379", "cmd 'redis-cli -p 6379 ping'", "exec '--version'", "script " + filepath.Join(dir, "check.sh"), "wait 2s",
		"openapi 8080/openapi.json", "http 8080/v1/items (OpenAPI api.yaml)", "http 8080/v1/items/42 (OpenAPI api.yaml)"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("probes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	post := ps[0]
	if string(post.Body) != `{"name":"apple","tags":["red"]}` || post.Header["Content-Type"] != "application/json" ||
		post.Header["Authorization"] != "Bearer t0ken" || post.Status != 201 || post.Capture["id"] != "$.id" {
		t.Errorf("POST probe = %+v", post)
	}
	if string(ps[2].Body) != `{"name":"pear"}` {
		t.Errorf("body_file: %q", ps[2].Body)
	}
	if string(ps[4].Send) != "PING\r\n" || string(ps[4].Expect) != "+PONG\r\n" {
		t.Errorf("tcp: %+v", ps[4])
	}
}

func TestParseFileErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ text, want string }{
		{"- http: 80/\n  hedaers: {a: b}\n", `probes.yaml:2: http: unknown key "hedaers"`},
		{"- http: GETT 80/\n", ""},
		{"- http: get 80/\n", `probes.yaml:1: http: bad method "get"`},
		{"- http: 80/\n- http: 80/x\n  body_file: missing.json\n", "probes.yaml:3: body_file:"},
		{"- http: 80/${id}\n", "probes.yaml:1: ${id}: no earlier probe captures id"},
		{"- http: 80/\n  tcp: 81\n", "probes.yaml:2: one probe per entry"},
		{"- nope: 1\n", "probes.yaml:1: no kind of probe"},
		{"http: 80/\n", "probes.yaml:1: want a list of probes"},
		{"- http: 80/\n  status: 99\n", "probes.yaml:2: status:"},
		{"- http: 80/\n  capture: {id: id}\n", "probes.yaml:2: capture id:"},
		{"- http: 80/\n  body: a\n  json: {}\n", "probes.yaml:3: http: one of body"},
		{"- script: nothere.sh\n", "probes.yaml:1: probe script"},
		{"- wait: soon\n", "probes.yaml:1: probe wait"},
		{"- openapi: nothere.yaml\n  port: 80\n", "probes.yaml:1: openapi:"},
		{"", "no probes"},
		{"- [1, 2\n", "probes.yaml"},
	} {
		name := writeFile(t, dir, "probes.yaml", c.text)
		_, err := ParseFile(name)
		if c.want == "" {
			if err != nil {
				t.Errorf("%q: %v", c.text, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want it to contain %q", c.text, err, c.want)
		}
	}
	if _, err := ParseFile(filepath.Join(dir, "none.yaml")); err == nil || !strings.Contains(err.Error(), "none.yaml") {
		t.Errorf("missing file: %v", err)
	}
}

func TestSessionCapturesAndCookies(t *testing.T) {
	s := newSession()
	post := Probe{Kind: KindHTTP, Port: 80, Path: "/items", Method: "POST", Capture: map[string]string{"id": "$.item.id", "n": "$.item.tags[1]"}}
	o := Outcome{Probe: post}
	s.answer(&o, Answer{Status: 201, Body: []byte(`{"item":{"id":"7f3a","tags":["a",2]}}`), SetCookie: []string{"sid=abc; Path=/; HttpOnly", "old=1"}})
	if o.Error != "" {
		t.Fatal(o.Error)
	}
	req, err := s.request(Probe{Kind: KindHTTP, Port: 80, Path: "/items/${id}?n=${n}", Body: []byte(`{"$ref":"${id}"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if req.Path != "/items/7f3a?n=2" || string(req.Body) != `{"$ref":"7f3a"}` || req.Header["Cookie"] != "old=1; sid=abc" {
		t.Errorf("request = %+v", req)
	}
	s.answer(&Outcome{Probe: Probe{Kind: KindHTTP}}, Answer{Status: 200, SetCookie: []string{"old=; Max-Age=0"}})
	if req, _ := s.request(Probe{Kind: KindHTTP, Path: "/"}); req.Header["Cookie"] != "sid=abc" {
		t.Errorf("after a deleted cookie: %q", req.Header["Cookie"])
	}
	o = Outcome{Probe: Probe{Kind: KindHTTP, Capture: map[string]string{"x": "$.missing"}}}
	s.answer(&o, Answer{Status: 200, Body: []byte(`{}`)})
	if !strings.Contains(o.Error, `no "missing"`) {
		t.Errorf("capture of a missing key: %q", o.Error)
	}
	if _, err := s.request(Probe{Kind: KindHTTP, Path: "/${nope}"}); err == nil {
		t.Error("an uncaptured ${nope} expanded")
	}
}

func TestJSONPaths(t *testing.T) {
	for _, p := range []string{"$", "$.a", "$.a.b[0]", "$.items[*].id", `$["a b"].c`, "$.a-b"} {
		steps, err := parseJSONPath(p)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if back := jsonPathString(steps); back != p {
			t.Errorf("%s: written back as %s", p, back)
		}
	}
	for _, p := range []string{"", "a", "$.", "$[", "$[x]", "$a", `$[""]`, "$[]"} {
		if _, err := parseJSONPath(p); err == nil {
			t.Errorf("%q parsed", p)
		}
	}
}

func FuzzParseFile(f *testing.F) {
	f.Add([]byte("- http: POST 80/x\n  json: {a: 1}\n  capture: {id: $.id}\n- http: 80/${id}\n"))
	f.Add([]byte("- tcp: 6379\n  send: \"PING\\r\\n\"\n- cmd: [a, b]\n- wait: 1s\n"))
	f.Add([]byte("[{\"http\": \"80/\"}]"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		parseFile(filepath.Join(dir, "p.yaml"), data) // must not panic
	})
}
