package slim

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/probe"
	"github.com/dietimg/diet/internal/slim/fatimages"
	"github.com/dietimg/diet/internal/testenv"
)

// TestSlimArm64Nginx slims the fat arm64 nginx image on this amd64
// machine: traced and verified under qemu-user emulation (the sensor runs
// natively and traces the emulated nginx), under 10 MB, the same answer,
// the original's platform; then Docker runs the result with --platform
// linux/arm64 and it answers the same again.
func TestSlimArm64Nginx(t *testing.T) {
	needRunc(t)
	root := testenv.DebianArm64Root(t)
	testenv.Emulator(t, "aarch64")
	ctx := context.Background()
	layout, err := fatimages.EnsureFor(ctx, root, testenv.CacheDir(), "arm64")
	if err != nil {
		t.Fatalf("making the arm64 fat images: %v", err)
	}
	run := runSlimRef(t, "oci:"+layout+":nginx", "--probe-http", "80/")
	run.mustSucceed(t)
	res := run.res
	if len(res.Original) != 1 || res.Original[0].Status != 200 || res.Slim[0].Status != 200 ||
		!bytes.Equal(res.Original[0].Body, res.Slim[0].Body) || !bytes.Contains(res.Original[0].Body, []byte("Welcome to nginx")) {
		t.Fatalf("original %+v\nslim %+v", res.Original, res.Slim)
	}
	if res.Size.Uncompressed > 10_000_000 {
		t.Errorf("slimmed arm64 nginx is %d bytes uncompressed, want at most 10 MB", res.Size.Uncompressed)
	}
	kept := run.kept()
	for p := range kept {
		if underAny(p, emulatorPrefixes) || strings.Contains(p, "qemu") {
			t.Errorf("%s kept: the emulator's, not the program's", p)
		}
	}
	for _, p := range []string{"/usr/sbin/nginx", "/usr/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1", "/var/www/html/index.nginx-debian.html"} {
		if _, ok := kept[p]; !ok {
			t.Errorf("%s not kept", p)
		}
	}
	img, err := image.Read(ctx, run.dest, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.OS != "linux" || cf.Architecture != "arm64" {
		t.Errorf("slimmed config says %s/%s, want linux/arm64", cf.OS, cf.Architecture)
	}

	// Outside diet: docker load, then docker run --platform linux/arm64.
	testenv.Docker(t)
	tag := "diet-e2e-arm64-nginx:" + res.Digest.Hex[:12]
	archive := filepath.Join(t.TempDir(), "nginx.tar")
	if err := image.Write(ctx, "docker-archive:"+archive, img, image.Options{Tag: tag}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", tag).Run() })
	if out, err := exec.Command("docker", "load", "-i", archive).CombinedOutput(); err != nil {
		t.Fatalf("docker load: %v\n%s", err, out)
	}
	// In a network of its own, asked from inside by diet's helper (an
	// amd64 program, run natively), so that no host port is involved.
	name := "diet-e2e-arm64-nginx-" + res.Digest.Hex[:12]
	helperDir := filepath.Dir(dietBinary(t))
	out, err := exec.Command("docker", "run", "-d", "--rm", "--name", name, "--platform", "linux/arm64", "--network", "none",
		"--mount", "type=bind,source="+helperDir+",target=/.diet-helper,readonly", tag).CombinedOutput()
	if err != nil {
		t.Fatalf("docker run --platform linux/arm64: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("docker", "rm", "-f", name).Run() })
	req := `{"kind":"http","port":80,"path":"/","timeout":60000000000}`
	out, err = exec.Command("docker", "exec", name, "/.diet-helper/"+filepath.Base(dietBinary(t)), "probe-inside", req).Output()
	var ans probe.Answer
	if err == nil {
		err = json.Unmarshal(out, &ans)
	}
	if err != nil || ans.Error != "" || ans.Status != 200 {
		logs, _ := exec.Command("docker", "logs", name).CombinedOutput()
		t.Fatalf("the slimmed arm64 nginx under Docker: %v %+v\n%s", err, ans, logs)
	}
	body := ans.Body
	if !bytes.Equal(body, res.Original[0].Body) {
		t.Errorf("under docker --platform linux/arm64 it answers %q, the original %q", body, res.Original[0].Body)
	}
}

// TestSlimIndex slims an image index of the amd64 and arm64 fat nginx
// images in one command: an index of two slims with the same platforms,
// each verified (the arm64 one under emulation).
func TestSlimIndex(t *testing.T) {
	needRunc(t)
	arm64Root := testenv.DebianArm64Root(t)
	testenv.Emulator(t, "aarch64")
	ctx := context.Background()
	arm64, err := fatimages.EnsureFor(ctx, arm64Root, testenv.CacheDir(), "arm64")
	if err != nil {
		t.Fatal(err)
	}
	var adds []mutate.IndexAddendum
	for _, ref := range []string{"oci:" + fatLayout(t) + ":nginx", "oci:" + arm64 + ":nginx"} {
		img, err := image.Read(ctx, ref, image.Options{})
		if err != nil {
			t.Fatal(err)
		}
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		adds = append(adds, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: cf.OS, Architecture: cf.Architecture}}})
	}
	dir := t.TempDir()
	src, dest := "oci:"+filepath.Join(dir, "fat")+":nginx", "oci:"+filepath.Join(dir, "out")+":nginx"
	if err := image.WriteIndex(ctx, src, mutate.AppendManifests(empty.Index, adds...), image.Options{}); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(dietBinary(t), "slim", src, "-o", dest, "--probe-http", "80/", "--json", "--workdir", filepath.Join(dir, "work"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("diet slim of the index: %v\n%s", err, stderr.Bytes())
	}
	var res IndexResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("report: %v\n%s", err, stdout.Bytes())
	}
	idx, err := image.ReadIndex(ctx, dest, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Manifests) != 2 || len(res.Images) != 2 {
		t.Fatalf("%d manifests, %d reports; want 2", len(m.Manifests), len(res.Images))
	}
	for i, d := range m.Manifests {
		r := res.Images[i]
		if d.Platform == nil || d.Platform.Architecture != adds[i].Descriptor.Platform.Architecture || r.Platform.Architecture != d.Platform.Architecture {
			t.Errorf("manifest %d: platform %v, report %v, want %s", i, d.Platform, r.Platform, adds[i].Descriptor.Platform.Architecture)
		}
		if !r.Verified || r.Size.Uncompressed > 10_000_000 || len(r.Slim) != 1 || r.Slim[0].Status != 200 {
			t.Errorf("%s: verified %v, %d bytes, %+v", r.Platform.String(), r.Verified, r.Size.Uncompressed, r.Slim)
		}
		img, err := idx.Image(d.Digest)
		if err != nil {
			t.Fatal(err)
		}
		if cf, err := img.ConfigFile(); err != nil || cf.Architecture != d.Platform.Architecture {
			t.Errorf("%s: slimmed config %v %v", d.Platform.String(), cf, err)
		}
	}
	// One SBOM beside the index, whose reasons name each platform's
	// files (issue 14: a slimmed index carried none).
	b, err := os.ReadFile(filepath.Join(dir, "out", "nginx.sbom.spdx.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"/usr/sbin/nginx", "[linux/amd64]", "[linux/arm64]"} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("the index's SBOM does not name %s", want)
		}
	}
}
