package slim

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/dietimg/diet/internal/artifact"
	"github.com/dietimg/diet/internal/engine"
	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/probe"
	"github.com/dietimg/diet/internal/slim/fatimages"
	"github.com/dietimg/diet/internal/testenv"
	"github.com/dietimg/diet/internal/why"
)

// The end-to-end tests run the real diet binary, built statically (it is
// its own sensor inside the containers), on the fat images: the work is
// done outside the test process, so that -race does not slow the
// unpacking of 180 MB images tenfold.

// builtDiet is one build of diet for the tests, made once per test
// binary.
type builtDiet struct {
	once sync.Once
	path string
	err  error
}

var staticDiet, cgoDietBuild builtDiet

// sharedDirs hold results several tests share; TestMain removes them.
var sharedDirs []string

// dietBinary is diet built static (CGO_ENABLED=0), as make builds it.
func dietBinary(t *testing.T) string { return staticDiet.get(t, "0") }

func (b *builtDiet) get(t *testing.T, cgo string) string {
	t.Helper()
	b.once.Do(func() {
		dir, err := os.MkdirTemp("", "diet-slim-test-")
		if err != nil {
			b.err = err
			return
		}
		b.path = filepath.Join(dir, "diet")
		cmd := exec.Command("go", "build", "-o", b.path, "github.com/dietimg/diet/cmd/diet")
		cmd.Env = append(os.Environ(), "CGO_ENABLED="+cgo)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = errors.New("building diet with CGO_ENABLED=" + cgo + ": " + err.Error() + ": " + string(out))
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, b := range []*builtDiet{&staticDiet, &cgoDietBuild} {
		if b.path != "" {
			os.RemoveAll(filepath.Dir(b.path))
		}
	}
	for _, d := range sharedDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

func fatLayout(t *testing.T) string {
	t.Helper()
	dir, err := fatimages.Ensure(context.Background(), testenv.DebianFatRoot(t), testenv.CacheDir())
	if err != nil {
		t.Fatalf("making the fat images: %v", err)
	}
	return dir
}

// probeTarget is a target running img untraced under runtime rt, with
// the helper the network probes need, and the probe options to go with it.
func probeTarget(t *testing.T, img v1.Image, rt, network string, ports ...int) (*target, probe.Options) {
	t.Helper()
	dir, argv, err := prepareSensor(dietBinary(t), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	tgt := &target{img: img, cfg: cf, eng: newEngine(t, rt), timeout: time.Minute, sensorHost: dir, sensorArgv: argv, network: network, ports: ports}
	return tgt, probe.Options{Timeout: time.Minute, Helper: helper(argv)}
}

// newEngine is the engine of the runtime named rt, or the test is
// skipped, saying why it cannot be used.
func newEngine(t *testing.T, rt string) engine.Engine {
	t.Helper()
	e, err := engine.New(context.Background(), rt)
	if err != nil {
		testenv.Missing(t, "%v", err)
	}
	return e
}

func needRunc(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end slim test (-short)")
	}
	testenv.Runc(t)
}

// slimRun is one run of diet slim on a fat image, with its JSON report.
type slimRun struct {
	res    Result
	dest   string
	stderr string
	code   int
}

func runSlim(t *testing.T, tag string, args ...string) *slimRun {
	t.Helper()
	return runSlimAs(t, nil, "oci:"+fatLayout(t)+":"+tag, args...)
}

// runSlimRef runs diet slim on the image at ref.
func runSlimRef(t *testing.T, ref string, args ...string) *slimRun {
	t.Helper()
	return runSlimAs(t, nil, ref, args...)
}

// runSlimAs runs diet slim on the image at ref as u (nil: as the test,
// root), in a directory of u's own.
func runSlimAs(t *testing.T, u *testenv.User, ref string, args ...string) *slimRun {
	t.Helper()
	dir := t.TempDir()
	if u != nil {
		dir = u.Dir(t)
	}
	return runSlimIn(t, u, dir, ref, args...)
}

// runSlimIn runs diet slim with its output and work directory in dir;
// ref "" leaves IMAGE to args, or out (--compose).
func runSlimIn(t *testing.T, u *testenv.User, dir, ref string, args ...string) *slimRun {
	t.Helper()
	r := &slimRun{dest: "oci:" + filepath.Join(dir, "out") + ":slim"}
	argv := []string{"slim"}
	if ref != "" {
		argv = append(argv, ref)
	}
	argv = append(append(argv, "-o", r.dest, "--json", "--workdir", filepath.Join(dir, "work")), args...)
	cmd := exec.Command(dietBinary(t), argv...)
	if u != nil {
		testenv.Readable(t, dietBinary(t), fatLayout(t))
		cmd = u.Command(dir, nil, dietBinary(t), argv...)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r.stderr = stderr.String()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(stdout.Bytes(), &r.res); err != nil && r.code == 0 {
		t.Fatalf("diet slim --json printed no report: %v\n%s\n%s", err, stdout.Bytes(), r.stderr)
	}
	return r
}

func (r *slimRun) mustSucceed(t *testing.T) {
	t.Helper()
	if r.code != 0 || !r.res.Verified {
		t.Fatalf("diet slim exited %d (verified %v):\n%s", r.code, r.res.Verified, r.stderr)
	}
}

func (r *slimRun) kept() map[string]artifact.File {
	m := map[string]artifact.File{}
	for _, k := range r.res.Files {
		m[k.Path] = k
	}
	return m
}

var (
	nginxOnce sync.Once
	nginxRun  *slimRun
)

// slimNginx is the slim of the fat nginx image, shared by the tests that
// look at it and the reproducibility test. Its probe runs inside the
// container's network: no host port is used.
func slimNginx(t *testing.T) *slimRun {
	t.Helper()
	needRunc(t)
	nginxOnce.Do(func() {
		// The result outlives the first test that asks for it.
		dir, err := os.MkdirTemp("", "diet-slim-nginx-")
		if err != nil {
			t.Fatal(err)
		}
		sharedDirs = append(sharedDirs, dir)
		nginxRun = runSlimIn(t, nil, dir, "oci:"+fatLayout(t)+":nginx", "--probe-http", "80/", "--removed", filepath.Join(dir, "removed.txt"))
	})
	nginxRun.mustSucceed(t)
	return nginxRun
}

func TestSlimNginx(t *testing.T) {
	run := slimNginx(t)
	res := run.res
	if len(res.Original) != 1 || res.Original[0].Status != 200 || res.Slim[0].Status != 200 ||
		!bytes.Equal(res.Original[0].Body, res.Slim[0].Body) || !bytes.Contains(res.Original[0].Body, []byte("Welcome to nginx")) {
		t.Fatalf("original %+v\nslim %+v", res.Original, res.Slim)
	}
	// The bound, in the decimal megabytes docker images shows
	// (9,927,680 bytes on 2026-11-26: the CA bundle is no longer kept).
	if res.Size.Uncompressed > 10_000_000 {
		t.Errorf("slimmed image is %d bytes uncompressed, want at most 10 MB", res.Size.Uncompressed)
	}
	if res.Before.Uncompressed < 100<<20 {
		t.Errorf("the fat image is only %d bytes", res.Before.Uncompressed)
	}
	kept := run.kept()
	for _, p := range []string{"/usr/sbin/nginx", "/var/lib/nginx", "/var/log/nginx", "/run", "/etc/nginx/nginx.conf",
		"/etc/passwd", "/var/www/html/index.nginx-debian.html", "/var/lib/dpkg/status.d/nginx", "/var/lib/dpkg/status.d/libc6"} {
		if _, ok := kept[p]; !ok {
			t.Errorf("%s not kept", p)
		}
	}
	want := map[string]why.Kind{
		"/usr/sbin/nginx":                       why.Static,
		"/var/www/html/index.nginx-debian.html": why.Trace,
		"/var/lib/nginx":                        why.State, // written into: kept whole
	}
	for p, kind := range want {
		if k := kept[p]; k.Reason.Kind != kind {
			t.Errorf("%s kept for %+v, want %s", p, k.Reason, kind)
		}
	}
	for _, p := range []string{"/usr/bin/python3.11", "/usr/bin/jq", "/usr/bin/apt-get", "/usr/share/doc"} {
		if _, ok := kept[p]; ok {
			t.Errorf("%s kept, should be cut", p)
		}
	}
	b, err := os.ReadFile(filepath.Join(strings.TrimSuffix(strings.TrimPrefix(run.dest, "oci:"), "/out:slim"), "removed.txt"))
	if err != nil || !bytes.Contains(b, []byte("\n/usr/bin/python3.11\n")) {
		t.Errorf("--removed list lacks python3.11 (%v)", err)
	}

	img, err := image.Read(context.Background(), run.dest, image.Options{})
	if err != nil {
		t.Fatalf("reading the written image: %v", err)
	}
	if d, _ := img.Digest(); d != res.Digest {
		t.Errorf("written digest %s, reported %s", d, res.Digest)
	}
	cf, _ := img.ConfigFile()
	if strings.Join(cf.Config.Cmd, " ") != "nginx -g daemon off;" || cf.Config.StopSignal != "SIGQUIT" ||
		cf.Config.Labels["org.opencontainers.image.title"] != "fat nginx" || len(cf.Config.ExposedPorts) != 1 {
		t.Errorf("config not carried over: %+v", cf.Config)
	}
	if layers, _ := img.Layers(); len(layers) != 1 {
		t.Errorf("%d layers, want one", len(layers))
	}

	// The same answer under the Docker engine, the probe inside the
	// container's network.
	t.Run("docker", func(t *testing.T) {
		testenv.Docker(t)
		tgt, popts := probeTarget(t, img, "docker", "none")
		out, err := probe.Run(context.Background(), tgt, []probe.Probe{res.Original[0].Probe}, popts)
		if err != nil {
			t.Fatal(err)
		}
		if d := probe.Compare(res.Original, out); len(d) > 0 {
			t.Errorf("under docker: %v", d)
		}
	})
}

func TestSlimReproducible(t *testing.T) {
	first := slimNginx(t)
	second := runSlim(t, "nginx", "--probe-http", "80/", "--no-verify")
	if second.code != 0 {
		t.Fatalf("second slim: %s", second.stderr)
	}
	if first.res.Digest != second.res.Digest {
		a, b := first.kept(), second.kept()
		for p, k := range b {
			if _, ok := a[p]; !ok {
				t.Logf("only in second: %s (%+v)", p, k.Reason)
			}
		}
		for p, k := range a {
			if _, ok := b[p]; !ok {
				t.Logf("only in first: %s (%+v)", p, k.Reason)
			}
		}
		t.Errorf("two slims differ: %s vs %s", first.res.Digest, second.res.Digest)
	}
}

var (
	jqOnce sync.Once
	jqRun  *slimRun
)

// slimJq is the slim of the fat jq image, shared by the tests that look
// at it.
func slimJq(t *testing.T) *slimRun {
	t.Helper()
	needRunc(t)
	jqOnce.Do(func() { jqRun = runSlim(t, "jq", jqProbe...) })
	jqRun.mustSucceed(t)
	return jqRun
}

var jqProbe = []string{"--probe-exec", `jq -n '[1,2,3] | add'`}

func TestSlimJq(t *testing.T) {
	run := slimJq(t)
	if string(run.res.Original[0].Stdout) != "6\n" || string(run.res.Slim[0].Stdout) != "6\n" {
		t.Errorf("outputs %q and %q", run.res.Original[0].Stdout, run.res.Slim[0].Stdout)
	}
	if run.res.Size.Uncompressed > 5<<20 {
		t.Errorf("jq image is %d bytes", run.res.Size.Uncompressed)
	}
	t.Logf("jq: %d -> %d bytes", run.res.Before.Uncompressed, run.res.Size.Uncompressed)
	if want := layerSizes(t, "oci:"+fatLayout(t)+":jq"); run.res.Before != want {
		t.Errorf("before: %+v, want %+v", run.res.Before, want)
	}
	if want := layerSizes(t, run.dest); run.res.Size != want {
		t.Errorf("after: %+v, want %+v", run.res.Size, want)
	}
}

// layerSizes measures the image at ref independently of artifact.Sizes
// (testenv.ImageSizes).
func layerSizes(t *testing.T, ref string) artifact.Size {
	t.Helper()
	img, err := image.Read(context.Background(), ref, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var s artifact.Size
	s.Uncompressed, s.Compressed, _ = testenv.ImageSizes(t, img)
	return s
}

// TestSlimJqDocker traces and verifies under the Docker engine instead of
// runc, and must give the same image as runc does.
func TestSlimJqDocker(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end slim test (-short)")
	}
	testenv.Docker(t)
	probeArgs := []string{"--probe-exec", `jq -n '[1,2,3] | add'`}
	run := runSlim(t, "jq", append([]string{"--runtime", "docker"}, probeArgs...)...)
	run.mustSucceed(t)
	if string(run.res.Slim[0].Stdout) != "6\n" {
		t.Errorf("output %q", run.res.Slim[0].Stdout)
	}
	if os.Geteuid() == 0 {
		if _, err := exec.LookPath("runc"); err == nil {
			other := runSlim(t, "jq", append([]string{"--no-verify"}, probeArgs...)...)
			if other.code != 0 || other.res.Digest != run.res.Digest {
				t.Errorf("runc gives %s (exit %d), docker %s", other.res.Digest, other.code, run.res.Digest)
			}
		}
	}
}

func TestSlimPythonLazyImports(t *testing.T) {
	needRunc(t)
	run := runSlim(t, "python", "--probe-exec", "python3 /app/main.py work")
	run.mustSucceed(t)
	if want := "{\"sum\": \"3.3\"}\n"; string(run.res.Slim[0].Stdout) != want {
		t.Errorf("slim output %q, want %q", run.res.Slim[0].Stdout, want)
	}
	kept := run.kept()
	for _, p := range []string{"/usr/lib/python3.11/json/__init__.py", "/usr/lib/python3.11/decimal.py", "/app/main.py"} {
		if k, ok := kept[p]; !ok || k.Reason.Kind != why.Trace {
			t.Errorf("%s: kept %v for %+v, want trace", p, ok, k.Reason)
		}
	}
	if _, ok := kept["/usr/lib/python3.11/http/server.py"]; ok {
		t.Error("unused module http.server kept")
	}
	t.Logf("python: %d -> %d bytes", run.res.Before.Uncompressed, run.res.Size.Uncompressed)
}

// tarLayer makes a layer of regular files (name -> content), names written
// as given, hostile ones too.
func tarLayer(t *testing.T, files map[string]string) v1.Layer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, data := range files {
		h := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg, ModTime: time.Unix(0, 0)}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(data))
	}
	tw.Close()
	b := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestSlimHostileImage(t *testing.T) {
	img, err := mutate.AppendLayers(empty.Image, tarLayer(t, map[string]string{"../../escape": "boom"}))
	if err != nil {
		t.Fatal(err)
	}
	cf, _ := img.ConfigFile()
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Config.Cmd = "linux", "amd64", []string{"/escape"}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		t.Fatal(err)
	}
	work := filepath.Join(t.TempDir(), "w")
	// Unpacking comes before anything runs: no runtime is needed.
	res, err := Slim(context.Background(), nil, img, Options{NoTrace: true, NoVerify: true, WorkDir: work})
	if err == nil {
		t.Fatalf("a layer with ../ was accepted: %+v", res)
	}
	if !strings.Contains(err.Error(), "unpacking the image") || !strings.Contains(err.Error(), `"../../escape"`) {
		t.Errorf("error does not say what is wrong: %v", err)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(work), "escape")); err == nil {
		t.Error("the hostile entry was written outside the work directory")
	}
}
