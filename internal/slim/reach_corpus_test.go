package slim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dietimg/diet/internal/slim/fatimages"
	"github.com/dietimg/diet/internal/testenv"
)

// The reach corpus (issue 21): everyday applications slimmed with the
// probe the README shows (their front page, or their default command),
// then asked what the probe never asked, by this test itself under the
// Docker CLI and runc (neither through diet). The slim must answer as
// the fat image does; the slim made with --reach=trace must not (else the
// case tests nothing), and must be no more than 1.3 times smaller.

// reachCase is one image of the reach corpus: a server asked through
// ask, or a command run with each argument list of runs.
type reachCase struct {
	tag    string
	port   int
	probes []string
	ask    func(ctx context.Context, c *corpusCase, addr string) ([]byte, error)
	runs   [][]string
	want   string // in the fat image's answers
}

var reachCases = []reachCase{
	{
		tag: "reach-python", port: fatimages.ReachPythonPort,
		probes: []string{"--probe-http", fmt.Sprintf("%d/", fatimages.ReachPythonPort)},
		ask:    askHTTP("/", "/about", "/report.csv", "/db", "/time", "/xml", "/stats", "/latin", "/static/style.css"),
		want:   "2026-07-01T12:00:00+02:00 CEST",
	},
	{
		tag: "reach-entrypoint", port: fatimages.ReachEntrypointPort,
		probes: []string{"--probe-http", fmt.Sprintf("%d/", fatimages.ReachEntrypointPort)},
		ask:    askHTTP("/", "/about"),
		runs:   [][]string{{"backup"}, {"count"}},
		want:   "data/a.txt",
	},
	{
		tag: "reach-node", port: fatimages.ReachNodePort,
		probes: []string{"--probe-http", fmt.Sprintf("%d/", fatimages.ReachNodePort)},
		ask:    askHTTP("/", "/report", "/static/site.css", "/static/robots.txt"),
		want:   `"first":"apple"`,
	},
	{
		// No probe: the default command, run as the README shows.
		tag:  "reach-perl",
		runs: [][]string{{}, {"--json"}, {"--digest"}, {"--words"}},
		want: `{"items":[{"count":3,"name":"apple"}`,
	},
	{
		// No probe: the default command converts to ISO-8859-1; other
		// charsets load other gconv modules.
		tag:  "reach-iconv",
		runs: [][]string{{"-t", "CP1252", "/srv/greeting.txt"}, {"-t", "ISO-8859-15", "/srv/greeting.txt"}, {"-t", "UTF-16LE", "/srv/greeting.txt"}},
		want: "caf\xe9 na\xefve \xfcber",
	},
	{
		tag: "reach-site", port: fatimages.ReachSitePort,
		probes: []string{"--probe-http", fmt.Sprintf("%d/", fatimages.ReachSitePort)},
		ask:    askHTTP("/", "/about.html", "/css/site.css", "/img/dot.gif", "/docs/guide.html"),
		want:   "The pages nobody probed.",
	},
}

func TestSlimReach(t *testing.T) {
	needRunc(t)
	testenv.Docker(t)
	testenv.LookPath(t, "skopeo", "umoci")
	layout := corpusLayout(t)
	for i := range reachCases {
		c := &reachCases[i]
		t.Run(c.tag, func(t *testing.T) {
			t.Parallel()
			c.run(t, layout)
		})
	}
}

func (c *reachCase) run(t *testing.T, layout string) {
	src := "oci:" + layout + ":" + c.tag
	fat := corpusDockerRef(c.tag, "fat")
	toDocker(t, src, fat)
	full := runSlimRef(t, src, c.probes...)
	full.mustSucceed(t)
	trace := runSlimRef(t, src, append([]string{"--reach=trace"}, c.probes...)...)
	trace.mustSucceed(t)
	a, b := full.res.Size.Uncompressed, trace.res.Size.Uncompressed
	t.Logf("%s: fat %.2f MB, --reach=trace %.2f MB, reach %.2f MB (%.2fx the trace's); reach added %v",
		c.tag, float64(full.res.Before.Uncompressed)/1e6, float64(b)/1e6, float64(a)/1e6, float64(a)/float64(b), full.res.Reach)
	if float64(a) > 1.3*float64(b) {
		t.Errorf("%s: the slim with reach is %d bytes, more than 1.3x the --reach=trace slim's %d", c.tag, a, b)
	}

	want := c.answers(t, "fat image under docker", dockerRunner(fat))
	if !bytes.Contains(want, []byte(c.want)) {
		t.Fatalf("the fat %s image answered without %q:\n%s", c.tag, c.want, want)
	}
	slim := corpusDockerRef(c.tag, "slim")
	toDocker(t, full.dest, slim)
	for name, r := range map[string]runner{"docker": dockerRunner(slim), "runc": runcRunner(full.dest, c.tag)} {
		if got := c.answers(t, "slim image under "+name, r); !bytes.Equal(got, want) {
			t.Errorf("%s: the slim image under %s answers differently from the fat image:\n%s\nfat image:\n%s", c.tag, name, got, want)
		}
	}
	// Without reach, what the probe did not ask breaks: the case tests
	// the reach stage.
	traced := corpusDockerRef(c.tag, "trace")
	toDocker(t, trace.dest, traced)
	if got := c.answers(t, "--reach=trace slim under docker", dockerRunner(traced)); bytes.Equal(got, want) {
		t.Errorf("%s: the --reach=trace slim answers every unprobed question as the fat image does: the case does not test reach", c.tag)
	}
}

// runner starts the image as a server (args nil) or runs it with args
// to the end, returning its output.
type runner struct {
	serve func(t *testing.T) server
	exec  func(t *testing.T, args []string) []byte
}

func dockerRunner(ref string) runner {
	return runner{
		serve: func(t *testing.T) server { return dockerServer(t, ref) },
		exec: func(t *testing.T, args []string) []byte {
			out, err := exec.Command("docker", append([]string{"run", "--rm", "--network", "none", ref}, args...)...).CombinedOutput()
			return exitOutput(out, err)
		},
	}
}

func runcRunner(ref, tag string) runner {
	return runner{
		serve: func(t *testing.T) server { return runcServer(t, ref, tag, "") },
		exec: func(t *testing.T, args []string) []byte {
			bundle := filepath.Join(t.TempDir(), "bundle")
			if out, err := exec.Command("umoci", "unpack", "--image", strings.TrimPrefix(ref, "oci:"), bundle).CombinedOutput(); err != nil {
				t.Fatalf("umoci unpack %s: %v: %s", ref, err, out)
			}
			if err := editSpecArgs(filepath.Join(bundle, "config.json"), tag, args); err != nil {
				t.Fatal(err)
			}
			id := "diet-test-reach-" + tag + "-" + fmt.Sprint(time.Now().UnixNano())
			defer exec.Command("runc", "delete", "-f", id).Run()
			out, err := exec.Command("runc", "run", "--bundle", bundle, id).CombinedOutput()
			return exitOutput(out, err)
		},
	}
}

// exitOutput is a command's output followed by its exit status.
func exitOutput(out []byte, err error) []byte {
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		code = -1
		out = append(out, err.Error()...)
	}
	return append(out, fmt.Sprintf("[exit %d]\n", code)...)
}

// answers asks the server its questions, then runs each command.
func (c *reachCase) answers(t *testing.T, what string, r runner) []byte {
	t.Helper()
	var out bytes.Buffer
	if c.ask != nil {
		cc := &corpusCase{tag: c.tag, port: c.port, ask: c.ask}
		out.Write(cc.answer(t, context.Background(), what, func() server { return r.serve(t) }))
	}
	for _, args := range c.runs {
		fmt.Fprintf(&out, "run %q:\n", args)
		out.Write(r.exec(t, args))
	}
	return out.Bytes()
}

// editSpecArgs edits a spec umoci wrote as editSpec does, and gives the
// image's entrypoint the arguments args instead of its command (none:
// the command, as docker run does).
func editSpecArgs(file, tag string, args []string) error {
	if err := editSpec(file, nil, ""); err != nil {
		return err
	}
	if len(args) == 0 {
		return nil
	}
	var entrypoint []string
	for _, im := range fatimages.Corpus {
		if im.Tag == tag {
			entrypoint = im.Entrypoint
		}
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var spec map[string]any
	if err := json.Unmarshal(b, &spec); err != nil {
		return fmt.Errorf("reading %s: %w", file, err)
	}
	if p, ok := spec["process"].(map[string]any); ok {
		p["args"] = append(append([]string{}, entrypoint...), args...)
	}
	if b, err = json.Marshal(spec); err != nil {
		return err
	}
	return os.WriteFile(file, b, 0o644)
}
