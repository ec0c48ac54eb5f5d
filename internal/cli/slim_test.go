package cli

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/testbases"
	"github.com/dietimg/diet/internal/testenv"
)

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

// TestSlimCommand runs the real, static diet binary (it is its own sensor)
// on the fat nginx image stored as an OCI layout: first with the document
// root excluded, which must fail with the 200 against 404 report and
// write nothing, then as it should be.
func TestSlimCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end slim test (-short)")
	}
	testenv.Runc(t)
	lockHTTPPort(t)
	ctx := context.Background()
	dir := t.TempDir()
	bin := filepath.Join(dir, "diet")
	build := exec.Command("go", "build", "-o", bin, "github.com/dietimg/diet/cmd/diet")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building diet: %v\n%s", err, out)
	}

	ref, err := testbases.EnsureDebian(ctx, testenv.DebianFatRoot(t), filepath.Join(testenv.CacheDir(), "slim-fat"))
	if err != nil {
		t.Fatal(err)
	}
	img, err := image.Read(ctx, ref, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cf, _ := img.ConfigFile()
	cf = cf.DeepCopy()
	cf.Config.Cmd = []string{"nginx", "-g", "daemon off;"}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		t.Fatal(err)
	}
	src := "oci:" + filepath.Join(dir, "fat") + ":nginx"
	if err := image.Write(ctx, src, img, image.Options{}); err != nil {
		t.Fatal(err)
	}

	dest := filepath.Join(dir, "slim")
	run := func(args ...string) (string, string, int) {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"slim", src, "-o", "oci:" + dest + ":slim", "--probe-http", "80/", "--workdir", filepath.Join(dir, "work")}, args...)...)
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return stdout.String(), stderr.String(), code
	}

	_, stderr, code := run("--exclude", "/var/www")
	if code == 0 {
		t.Fatalf("slimming without the document root succeeded:\n%s", stderr)
	}
	for _, want := range []string{"probe http 80/: status 200 (original) vs 404 (slim)", "/var/www/html/index.nginx-debian.html", "nothing written"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("report lacks %q:\n%s", want, stderr)
		}
	}
	if _, err := os.Stat(dest); !os.IsNotExist(err) {
		t.Errorf("%s was written although verification failed (%v)", dest, err)
	}

	removed := filepath.Join(dir, "removed.txt")
	stdout, stderr, code := run("--removed", removed, "--json")
	if code != 0 {
		t.Fatalf("diet slim failed (%d):\n%s", code, stderr)
	}
	var rep struct {
		Digest   string `json:"digest"`
		Verified bool   `json:"verified"`
		After    struct {
			Uncompressed int64 `json:"uncompressed"`
		} `json:"after"`
		Kept []struct {
			Path   string                `json:"path"`
			Reason struct{ Kind string } `json:"reason"`
		} `json:"kept"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("--json output: %v\n%s", err, stdout)
	}
	if !rep.Verified || rep.After.Uncompressed > 10<<20 || len(rep.Kept) == 0 {
		t.Errorf("report: verified %v, %d bytes, %d kept", rep.Verified, rep.After.Uncompressed, len(rep.Kept))
	}
	out, err := image.Read(ctx, "oci:"+dest+":slim", image.Options{})
	if err != nil {
		t.Fatalf("reading the written image: %v", err)
	}
	if d, _ := out.Digest(); d.String() != rep.Digest {
		t.Errorf("written digest %s, reported %s", d, rep.Digest)
	}
	b, err := os.ReadFile(removed)
	if err != nil || !strings.Contains(string(b), "/usr/bin/python3") {
		t.Errorf("--removed list lacks python3 (%v)", err)
	}
}
