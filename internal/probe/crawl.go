package probe

import (
	"bytes"
	"context"
	"mime"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/html"
)

// Crawl bounds the crawler: how many links deep it follows from the
// pages the probes asked for, how many requests it makes in all, and for
// how long. The zero Crawl crawls nothing.
type Crawl struct {
	Depth int           `json:"depth"`
	Max   int           `json:"max"`
	Time  time.Duration `json:"time"`
}

// DefaultCrawl is what diet slim crawls unless told otherwise: enough
// for the pages a site's front page links to and theirs, bounded so
// that a large site costs seconds, not minutes.
var DefaultCrawl = Crawl{Depth: 3, Max: 100, Time: 10 * time.Second}

// maxCrawlPage bounds the part of an HTML answer read for links: a huge
// page costs no more than this.
const maxCrawlPage = 4 << 20

// crawl follows the same-origin links of the HTML answers among seen,
// breadth first, within opts.Crawl, and returns an outcome per request
// it made. Each level is one run of the helper (a batch), not one per
// link: the runtime's exec is the dearest part of a request.
func crawl(ctx context.Context, svc Service, opts Options, sess *session, seen []Outcome) []Outcome {
	bound := opts.Crawl
	deadline := time.Now().Add(bound.Time)
	visited := map[string]bool{}
	key := func(port int, path string) string { return strconv.Itoa(port) + path }
	var level []Probe
	enqueue := func(o Outcome) {
		for _, path := range followLinks(o) {
			k := key(o.Probe.Port, path)
			if visited[k] {
				continue
			}
			visited[k] = true
			level = append(level, Probe{Kind: KindHTTP, Port: o.Probe.Port, Path: path, From: "link in " + o.Probe.Path})
		}
	}
	for _, o := range seen {
		if o.Probe.Kind == KindHTTP && cmpMethod(o.Probe.Method) == "GET" && !strings.Contains(o.Probe.Path, "${") {
			visited[key(o.Probe.Port, o.Probe.Path)] = true
		}
	}
	for _, o := range seen {
		enqueue(o)
	}
	var out []Outcome
	for depth := 1; depth <= bound.Depth && len(level) > 0 && len(out) < bound.Max && time.Now().Before(deadline); depth++ {
		batch := level[:min(len(level), bound.Max-len(out))]
		level = nil
		req := Request{Kind: "batch", Timeout: opts.timeout()}
		for _, p := range batch {
			r, _ := sess.request(p) // a crawled path has no ${NAME}
			req.Batch = append(req.Batch, r)
		}
		a := ask(ctx, svc, opts.Helper, req)
		for i, p := range batch {
			o := Outcome{Probe: p}
			if a.Error != "" || i >= len(a.Batch) {
				o.Error = a.Error
			} else {
				sess.answer(&o, a.Batch[i])
			}
			out = append(out, o)
			enqueue(o)
		}
	}
	return out
}

func cmpMethod(m string) string {
	if m == "" {
		return "GET"
	}
	return strings.ToUpper(m)
}

// followLinks lists the same-origin paths an http outcome leads to: the
// links of an HTML page, or where a redirect points.
func followLinks(o Outcome) []string {
	if o.Probe.Kind != KindHTTP || o.Error != "" {
		return nil
	}
	base, err := url.Parse("http://127.0.0.1:" + strconv.Itoa(o.Probe.Port) + o.Probe.Path)
	if err != nil {
		return nil
	}
	if o.Status >= 300 && o.Status < 400 {
		if loc := o.Location; loc != "" {
			if p, ok := sameOrigin(base, loc); ok {
				return []string{p}
			}
		}
		return nil
	}
	if o.Status != 200 || !isHTML(o.ContentType, o.Body) {
		return nil
	}
	return Links(o.Body, base)
}

func isHTML(contentType string, body []byte) bool {
	if contentType != "" {
		mt, _, err := mime.ParseMediaType(contentType)
		return err == nil && (mt == "text/html" || mt == "application/xhtml+xml")
	}
	head := bytes.ToLower(bytes.TrimSpace(body[:min(len(body), 512)]))
	return bytes.HasPrefix(head, []byte("<!doctype html")) || bytes.HasPrefix(head, []byte("<html"))
}

// linkAttrs are the elements and attributes whose URLs a browser loads
// or a user follows: the crawler asks for them all.
var linkAttrs = map[string]string{
	"a": "href", "area": "href", "link": "href", "script": "src", "img": "src",
	"iframe": "src", "frame": "src", "source": "src", "video": "src", "audio": "src",
	"embed": "src", "track": "src", "form": "action",
}

// Links parses an HTML page with x/net/html's tokenizer and returns the
// same-origin paths (with their query, without fragment) of its links,
// in document order, each once, resolved against the page's base (its
// URL, or its <base href>). Forms count only when they submit by GET.
// Only the first 4 MiB of a page are read.
func Links(page []byte, base *url.URL) []string {
	z := html.NewTokenizer(bytes.NewReader(page[:min(len(page), maxCrawlPage)]))
	var out []string
	seen := map[string]bool{}
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return out
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, hasAttr := z.TagName()
		tag := string(name)
		want, ok := linkAttrs[tag]
		if tag == "base" {
			want, ok = "href", true
		}
		if !ok || !hasAttr {
			continue
		}
		attrs := map[string]string{}
		for {
			k, v, more := z.TagAttr()
			attrs[string(k)] = string(v)
			if !more {
				break
			}
		}
		if tag == "form" && attrs["method"] != "" && !strings.EqualFold(attrs["method"], "get") {
			continue
		}
		ref, ok := attrs[want]
		if !ok {
			continue
		}
		if tag == "base" {
			if b, err := base.Parse(strings.TrimSpace(ref)); err == nil {
				base = b
			}
			continue
		}
		if tag == "link" && !followRel(attrs["rel"]) {
			continue
		}
		if p, ok := sameOrigin(base, ref); ok && !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
}

// followRel says whether a <link> of this rel names something to load:
// stylesheets, icons, alternates, manifests; not preconnect or
// dns-prefetch hints, which name hosts.
func followRel(rel string) bool {
	for _, r := range strings.Fields(strings.ToLower(rel)) {
		switch r {
		case "preconnect", "dns-prefetch":
			return false
		}
	}
	return true
}

// sameOrigin resolves ref against base and returns its path and query
// when it stays on base's origin (scheme, host and port).
func sameOrigin(base *url.URL, ref string) (string, bool) {
	ref = strings.TrimSpace(ref)
	if ref == "" || strings.HasPrefix(ref, "#") {
		return "", false
	}
	u, err := base.Parse(ref)
	if err != nil || u.Scheme != base.Scheme {
		return "", false
	}
	if u.Host != base.Host {
		h, port := u.Hostname(), u.Port()
		if port == "" {
			port = "80"
		}
		if !(h == "localhost" || h == "127.0.0.1") || port != base.Port() {
			return "", false
		}
	}
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	return p, true
}
