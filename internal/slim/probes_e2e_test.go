package slim

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dietimg/diet/internal/probe"
	"github.com/dietimg/diet/internal/slim/fatimages"
	"github.com/dietimg/diet/internal/testenv"
)

// The probes corpus (issue 22): a JSON API driven by a probe file, whose
// answers change by themselves, and a site only a crawler sees whole.
func TestSlimProbes(t *testing.T) {
	needRunc(t)
	testenv.Docker(t)
	testenv.LookPath(t, "skopeo", "umoci")
	layout := corpusLayout(t)
	t.Run("api", func(t *testing.T) {
		t.Parallel()
		testProbeFileAPI(t, "oci:"+layout+":api")
	})
	t.Run("crawl", func(t *testing.T) {
		t.Parallel()
		testCrawl(t, layout)
	})
}

// apiProbes is the probe file of the api image: an item made, read,
// renamed, listed and deleted, its id captured from the first answer.
var apiProbes = fmt.Sprintf(`# the api image, as its clients use it
- http: POST %[1]d/items
  json: {name: apple}
  status: 201
  capture: {id: $.id}
- http: GET %[1]d/items/${id}
  status: 200
- http: PUT %[1]d/items/${id}
  headers: {Content-Type: application/json}
  body: '{"name": "green   apple from the orchard"}'
  status: 200
- http: GET %[1]d/items
- http: DELETE %[1]d/items/${id}
  status: 204
- http: GET %[1]d/items/${id}
  status: 404
`, fatimages.APIPort)

func testProbeFileAPI(t *testing.T, src string) {
	file := filepath.Join(t.TempDir(), "api.yaml")
	if err := os.WriteFile(file, []byte(apiProbes), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runSlimRef(t, src, "--probe-file", file)
	r.mustSucceed(t)
	var statuses []int
	for _, o := range r.res.Original {
		statuses = append(statuses, o.Status)
	}
	if !slices.Equal(statuses, []int{201, 200, 200, 200, 204, 404}) {
		t.Fatalf("statuses of the original %v, want 201 200 200 200 204 404", statuses)
	}
	if put := r.res.Original[2].Body; !bytes.Contains(put, []byte(`"name":"green apple..."`)) {
		t.Errorf("the PUT answered %s", put)
	}
	// Every answer about the item carries its random id and times; the
	// list the request's time and id: masked, and said so.
	masked := map[string][]string{}
	for _, m := range r.res.Masked {
		masked[m.Probe] = m.Paths
	}
	t.Logf("masked: %v", r.res.Masked)
	for probe, want := range map[string][]string{
		fmt.Sprintf("http POST %d/items", fatimages.APIPort):         {"$.created", "$.id"},
		fmt.Sprintf("http PUT %d/items/${id}", fatimages.APIPort):    {"$.created", "$.id", "$.updated"},
		fmt.Sprintf("http %d/items", fatimages.APIPort):              {"$.items[*].created", "$.items[*].id", "$.items[*].updated", "$.request", "$.time"},
		fmt.Sprintf("http %d/items/${id}", fatimages.APIPort):        {"$.created", "$.id"},
		fmt.Sprintf("http DELETE %d/items/${id}", fatimages.APIPort): nil,
	} {
		got := masked[probe]
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("probe %s: masked %v, want %v", probe, got, want)
		}
	}
	if !strings.Contains(r.stderr, "running the original again") {
		t.Errorf("no second run of the original said:\n%s", r.stderr)
	}

	// The module only the PUT imports, cut: the verify still fails, on
	// that probe alone, however much noise it masks.
	cut := runSlimRef(t, src, "--probe-file", file, "--exclude", "/app/names.py")
	if cut.code == 0 || cut.res.Verified {
		t.Fatalf("the slim without /app/names.py verified:\n%s", cut.stderr)
	}
	var probes []string
	for _, d := range cut.res.Differences {
		probes = append(probes, d.Probe.String()+": "+d.Field)
	}
	want := fmt.Sprintf("http PUT %d/items/${id}: status", fatimages.APIPort)
	if len(probes) == 0 || probes[0] != want {
		t.Errorf("differences %v, want the first to be %q", probes, want)
	}
}

func testCrawl(t *testing.T, layout string) {
	src := "oci:" + layout + ":crawl-site"
	port := fatimages.CrawlSitePort
	home := fmt.Sprintf("%d/", port)
	// --reach=trace: what the slim serves comes from the runs alone (the
	// reach stage would keep the document root whole).
	crawled := runSlimRef(t, src, "--reach=trace", "--probe-http", home)
	crawled.mustSucceed(t)
	var asked []string
	for _, o := range crawled.res.Original {
		if o.Probe.Kind == probe.KindHTTP {
			asked = append(asked, o.Probe.Path)
		}
	}
	slices.Sort(asked)
	want := []string{"/", "/about.html", "/css/site.css", "/img/logo.gif", "/search.html", "/team/", "/team/alice.html"}
	if !slices.Equal(asked, want) {
		t.Fatalf("the crawl asked %v, want %v", asked, want)
	}
	c := &reachCase{tag: "crawl-site", port: port, ask: askHTTP("/", "/about.html", "/team/", "/team/alice.html", "/css/site.css", "/img/logo.gif")}
	fat := corpusDockerRef(c.tag, "fat")
	toDocker(t, src, fat)
	wantAnswers := c.answers(t, "fat image under docker", dockerRunner(fat))
	slim := corpusDockerRef(c.tag, "slim")
	toDocker(t, crawled.dest, slim)
	if got := c.answers(t, "slim image under docker", dockerRunner(slim)); !bytes.Equal(got, wantAnswers) {
		t.Errorf("the crawled slim answers differently from the fat image:\n%s\nfat:\n%s", got, wantAnswers)
	}
	// Without the crawler the pages it found are gone: the case tests it.
	plain := runSlimRef(t, src, "--reach=trace", "--crawl=false", "--probe-http", home)
	plain.mustSucceed(t)
	if len(plain.res.Original) != 1 {
		t.Errorf("--crawl=false asked %d requests", len(plain.res.Original))
	}
	if _, ok := plain.kept()["/var/www/html/team/alice.html"]; ok {
		t.Error("--crawl=false kept /team/alice.html: the crawl case tests nothing")
	}
	if _, ok := crawled.kept()["/var/www/html/unlinked.html"]; ok {
		t.Error("the crawled slim kept unlinked.html, which no page links to")
	}
}
