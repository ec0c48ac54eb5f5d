package probe

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestRunSessionCrawlOpenAPI drives a fake server as a client would: an
// id captured from a POST used in the next path, the session cookie sent
// back, the links of its pages crawled (a redirect and a loop among
// them), its OpenAPI document's operations asked; then replays exactly
// that.
func TestRunSessionCrawlOpenAPI(t *testing.T) {
	id := ""
	mux := http.NewServeMux()
	mux.HandleFunc("POST /items", func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 4)
		rand.Read(b)
		id = hex.EncodeToString(b)
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: "s1"})
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(201)
		json.NewEncoder(w).Encode(map[string]string{"id": id})
	})
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie("sid"); err != nil || c.Value != "s1" || r.PathValue("id") != id {
			http.Error(w, "who are you", 403)
			return
		}
		w.Write([]byte("item " + id + " is in stock, 3 left\n"))
	})
	page := func(links ...string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			for _, l := range links {
				w.Write([]byte(`<a href="` + l + `">x</a>`))
			}
		}
	}
	mux.HandleFunc("GET /{$}", page("a", "/b", "http://example.com/x"))
	mux.HandleFunc("GET /a", page("c"))
	mux.HandleFunc("GET /c", page("/", "a"))
	mux.HandleFunc("GET /b", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/c", http.StatusMovedPermanently) })
	mux.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"openapi": "3.0.0", "paths": {"/health": {"get": {}}, "/items": {"post": {}}}}`))
	})
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })

	probes := []Probe{
		{Kind: KindHTTP, Method: "POST", Path: "/items", Capture: map[string]string{"id": "$.id"}},
		{Kind: KindHTTP, Path: "/items/${id}"},
		{Kind: KindHTTP, Path: "/"},
		{Kind: KindOpenAPI, Path: "/openapi.json"},
	}
	f := &fake{handler: mux}
	opts := Options{Timeout: 10 * time.Second, Helper: []string{"inside"}, Crawl: Crawl{Depth: 5, Max: 20, Time: 10 * time.Second}}
	out, err := Run(context.Background(), &portFixer{fake: f, probes: probes}, probes, opts)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range out {
		got = append(got, o.Probe.Path+" "+http.StatusText(o.Status)+" "+o.Probe.From)
	}
	want := []string{"/items Created ", "/items/${id} OK ", "/ OK ", "/openapi.json OK ",
		"/health OK OpenAPI /openapi.json", "/a OK link in /", "/b Moved Permanently link in /", "/c OK link in /a"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("outcomes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if string(out[1].Body) != "item "+id+" is in stock, 3 left\n" {
		t.Errorf("GET /items/${id} answered %q (id %s)", out[1].Body, id)
	}
	// The replay asks the same, and nothing more.
	again := OutcomeProbes(out)
	opts.Replay = true
	out2, err := Run(context.Background(), &portFixer{fake: f, probes: again}, again, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(out2) != len(out) {
		t.Fatalf("the replay made %d requests, the run %d", len(out2), len(out))
	}
	// Each run draws a new id: noise, masked by a third run.
	v, err := Verify(out, out2, func() ([]Outcome, error) {
		return Run(context.Background(), &portFixer{fake: f, probes: again}, again, opts)
	})
	if err != nil || len(v.Differences) != 0 || len(v.Unstable) != 0 || len(v.Masked) != 2 {
		t.Errorf("verdict %+v, %v: want the POST's and the GET's ids masked", v, err)
	}
}
