package slim

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/probe"
	"github.com/dietimg/diet/internal/testbases"
	"github.com/dietimg/diet/internal/testenv"
)

var (
	sensorOnce sync.Once
	sensorPath string
	sensorErr  error
)

// sensor builds diet statically, once per test run: the test binary
// itself is not static and could not run inside the images.
func sensor(t *testing.T) string {
	t.Helper()
	sensorOnce.Do(func() {
		dir, err := os.MkdirTemp("", "diet-slim-sensor-")
		if err != nil {
			sensorErr = err
			return
		}
		sensorPath = filepath.Join(dir, "diet")
		cmd := exec.Command("go", "build", "-o", sensorPath, "github.com/dietimg/diet/cmd/diet")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			sensorErr = errors.New("building the static sensor: " + err.Error() + ": " + string(out))
		}
	})
	if sensorErr != nil {
		t.Fatal(sensorErr)
	}
	return sensorPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if sensorPath != "" {
		os.RemoveAll(filepath.Dir(sensorPath))
	}
	os.Exit(code)
}

// fatImage is the "fat" Debian image (minbase with nginx-light, python3,
// curl, jq) made once per machine from the test fixture, with extra files
// added as a second layer and the given command.
func fatImage(t *testing.T, cmd []string, extra map[string]string) v1.Image {
	t.Helper()
	root := testenv.DebianFatRoot(t)
	ref, err := testbases.EnsureDebian(context.Background(), root, filepath.Join(testenv.CacheDir(), "slim-fat"))
	if err != nil {
		t.Fatalf("making the fat image: %v", err)
	}
	img, err := image.Read(context.Background(), ref, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(extra) > 0 {
		img, err = mutate.AppendLayers(img, tarLayer(t, extra))
		if err != nil {
			t.Fatal(err)
		}
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.Config.Cmd = cmd
	cf.Config.ExposedPorts = map[string]struct{}{"80/tcp": {}}
	cf.Config.Labels = map[string]string{"test": "fat"}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// tarLayer makes a layer of regular files (name -> content); names ending
// in "/" are directories. Names are written as given, hostile ones too.
func tarLayer(t *testing.T, files map[string]string) v1.Layer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, data := range files {
		h := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg, ModTime: time.Unix(0, 0)}
		if strings.HasSuffix(name, "/") {
			h.Typeflag, h.Mode, h.Size = tar.TypeDir, 0o755, 0
		}
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

// fatImageless is an image of one layer made of files, with a command.
func fatImageless(t *testing.T, files map[string]string) v1.Image {
	t.Helper()
	img, err := mutate.AppendLayers(empty.Image, tarLayer(t, files))
	if err != nil {
		t.Fatal(err)
	}
	cf, _ := img.ConfigFile()
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	cf.Config.Cmd = []string{"/escape"}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// lockHTTPPort serialises the tests that start nginx on the host's port
// 80 (host networking), across test binaries: packages run in parallel.
func lockHTTPPort(t *testing.T) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "diet-test-port-80.lock"), os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
}

func needRunc(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end slim test (-short)")
	}
	testenv.Runc(t)
}

func slimOpts(t *testing.T, probes ...probe.Probe) Options {
	work := filepath.Join(t.TempDir(), "work")
	if d := os.Getenv("DIET_SLIM_TEST_WORKDIR"); d != "" {
		work = filepath.Join(d, t.Name())
	}
	return Options{Probes: probes, Sensor: sensor(t), Timeout: 60 * time.Second, WorkDir: work}
}

func mustProbe(t *testing.T) func(probe.Probe, error) probe.Probe {
	return func(p probe.Probe, err error) probe.Probe {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
}

var nginxCmd = []string{"nginx", "-g", "daemon off;"}

// nginxResult is the first slim of the fat nginx image, shared by the
// tests that look at it and by the reproducibility test.
var (
	nginxOnce sync.Once
	nginxRes  *Result
	nginxErr  error
)

func slimNginx(t *testing.T) *Result {
	t.Helper()
	needRunc(t)
	lockHTTPPort(t)
	nginxOnce.Do(func() {
		img := fatImage(t, nginxCmd, nil)
		nginxRes, nginxErr = Slim(context.Background(), img, slimOpts(t, mustProbe(t)(probe.ParseHTTP("80/"))))
	})
	if nginxErr != nil {
		if nginxRes != nil {
			for _, d := range nginxRes.Differences {
				t.Logf("difference: %s (nearby %v) stderr %s", d, d.Nearby, d.Stderr)
			}
		}
		t.Fatalf("slim nginx: %v", nginxErr)
	}
	return nginxRes
}

func TestSlimNginx(t *testing.T) {
	res := slimNginx(t)
	if !res.Verified || len(res.Original) != 1 || res.Original[0].Status != 200 || res.Slim[0].Status != 200 {
		t.Fatalf("not verified: original %+v slim %+v", res.Original, res.Slim)
	}
	if !bytes.Contains(res.Original[0].Body, []byte("nginx")) {
		t.Errorf("original body %q", res.Original[0].Body)
	}
	if res.After.Uncompressed > 10<<20 {
		t.Errorf("slimmed image is %d bytes uncompressed, want at most 10 MiB", res.After.Uncompressed)
	}
	if res.Before.Uncompressed < 100<<20 {
		t.Errorf("the fat image is only %d bytes", res.Before.Uncompressed)
	}
	kept := map[string]Kept{}
	for _, k := range res.Kept {
		kept[k.Path] = k
	}
	for _, p := range []string{"/usr/sbin/nginx", "/var/lib/nginx", "/var/log/nginx", "/etc/nginx/nginx.conf", "/etc/passwd", "/var/www/html/index.nginx-debian.html", "/var/lib/dpkg/status.d/nginx"} {
		if _, ok := kept[p]; !ok {
			t.Errorf("%s not kept", p)
		}
	}
	if k := kept["/usr/sbin/nginx"]; k.Reason.Kind != ReasonStatic {
		t.Errorf("/usr/sbin/nginx kept for %+v, want static", k.Reason)
	}
	if k := kept["/var/www/html/index.nginx-debian.html"]; k.Reason.Kind != ReasonTrace {
		t.Errorf("document kept for %+v, want trace", k.Reason)
	}
	for _, p := range []string{"/usr/bin/python3.11", "/usr/bin/jq", "/usr/bin/apt-get"} {
		if _, ok := kept[p]; ok {
			t.Errorf("%s kept, should be cut", p)
		}
	}
	cf, _ := res.Image.ConfigFile()
	if strings.Join(cf.Config.Cmd, " ") != strings.Join(nginxCmd, " ") || cf.Config.Labels["test"] != "fat" {
		t.Errorf("config not carried over: %+v", cf.Config)
	}
	if !bytes.Contains(res.SBOM, []byte("pkg:deb/debian/nginx@")) {
		t.Errorf("SBOM lacks nginx-light")
	}
	for _, k := range res.Kept {
		if k.Size > 100<<10 {
			t.Logf("kept %s (%d bytes): %s %s", k.Path, k.Size, k.Reason.Kind, k.Reason.Detail)
		}
	}
	t.Logf("nginx: %d -> %d bytes (%.1fx), %d kept, %d removed", res.Before.Uncompressed, res.After.Uncompressed, res.Ratio(), len(res.Kept), len(res.Removed))

	// The same answer under the Docker engine with host networking.
	t.Run("docker", func(t *testing.T) {
		testenv.Docker(t)
		tgt := &target{img: res.Image, cfg: cf, runtime: "docker", timeout: time.Minute}
		out, err := probe.Run(context.Background(), tgt, []probe.Probe{res.Original[0].Probe}, probe.Options{Timeout: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		if d := probe.Compare(res.Original, out); len(d) > 0 {
			t.Errorf("under docker: %v", d)
		}
	})
}

func TestSlimReproducible(t *testing.T) {
	first := slimNginx(t) // holds the port-80 lock until the test ends
	img := fatImage(t, nginxCmd, nil)
	opts := slimOpts(t, mustProbe(t)(probe.ParseHTTP("80/")))
	opts.NoVerify = true
	second, err := Slim(context.Background(), img, opts)
	if err != nil {
		t.Fatal(err)
	}
	if first.Digest != second.Digest {
		a, b := map[string]bool{}, map[string]bool{}
		for _, k := range first.Kept {
			a[k.Path] = true
		}
		for _, k := range second.Kept {
			b[k.Path] = true
			if !a[k.Path] {
				t.Logf("only in second: %s (%+v)", k.Path, k.Reason)
			}
		}
		for _, k := range first.Kept {
			if !b[k.Path] {
				t.Logf("only in first: %s (%+v)", k.Path, k.Reason)
			}
		}
		t.Errorf("two slims differ: %s vs %s", first.Digest, second.Digest)
	}
}

func TestSlimJq(t *testing.T) {
	needRunc(t)
	img := fatImage(t, []string{"jq", "--version"}, nil)
	res, err := Slim(context.Background(), img, slimOpts(t, mustProbe(t)(probe.ParseExec(`jq -n '[1,2,3] | add'`))))
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Original[0].Stdout) != "6\n" || string(res.Slim[0].Stdout) != "6\n" {
		t.Errorf("outputs %q and %q", res.Original[0].Stdout, res.Slim[0].Stdout)
	}
	if res.After.Uncompressed > 5<<20 {
		t.Errorf("jq image is %d bytes", res.After.Uncompressed)
	}
	t.Logf("jq: %d -> %d bytes (%.1fx)", res.Before.Uncompressed, res.After.Uncompressed, res.Ratio())
}

func TestSlimPythonLazyImports(t *testing.T) {
	needRunc(t)
	script := `import sys
def main():
    if sys.argv[1:] == ["work"]:
        import json, decimal
        print(json.dumps({"sum": str(decimal.Decimal("1.1") + decimal.Decimal("2.2"))}))
    else:
        print("idle")
main()
`
	img := fatImage(t, []string{"python3", "/app/main.py"}, map[string]string{"app/": "", "app/main.py": script})
	res, err := Slim(context.Background(), img, slimOpts(t, mustProbe(t)(probe.ParseExec("python3 /app/main.py work"))))
	if err != nil {
		if res != nil {
			for _, d := range res.Differences {
				t.Logf("%s: %s", d, d.Stderr)
			}
		}
		t.Fatal(err)
	}
	if want := "{\"sum\": \"3.3\"}\n"; string(res.Slim[0].Stdout) != want {
		t.Errorf("slim output %q, want %q", res.Slim[0].Stdout, want)
	}
	t.Logf("python: %d -> %d bytes (%.1fx)", res.Before.Uncompressed, res.After.Uncompressed, res.Ratio())
}

func TestSlimHostileImage(t *testing.T) {
	// Unpacking comes before anything runs: no runtime needed.
	img := fatImageless(t, map[string]string{"../../escape": "boom"})
	res, err := Slim(context.Background(), img, Options{NoTrace: true, NoVerify: true, WorkDir: filepath.Join(t.TempDir(), "w")})
	if err == nil {
		t.Fatalf("a layer with ../ was accepted: %+v", res)
	}
	if !strings.Contains(err.Error(), "unpacking the image") || !strings.Contains(err.Error(), "escape") {
		t.Errorf("error does not say what is wrong: %v", err)
	}
	t.Log(err)
}
