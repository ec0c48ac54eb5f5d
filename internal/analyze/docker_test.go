package analyze

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/dietimg/diet/internal/artifact"
	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/testbases"
	"github.com/dietimg/diet/internal/testenv"
)

// TestSizesAgreeWithDocker loads images into the Docker engine and checks
// that the uncompressed size diet computes from the layers is the size
// docker images shows, and that the compressed size is the sum of the
// layer blobs on disk.
func TestSizesAgreeWithDocker(t *testing.T) {
	if testing.Short() {
		t.Skip("loads images into Docker")
	}
	testenv.Docker(t)
	ctx := context.Background()
	cases := []struct {
		name string
		img  func(t *testing.T) (v1.Image, string)
	}{
		{"waste", func(t *testing.T) (v1.Image, string) { return wasteImage(t), "" }},
		{"busybox", func(t *testing.T) (v1.Image, string) { return readRef(t, testbases.BusyBox(t)) }},
		{"debian", func(t *testing.T) (v1.Image, string) { return readRef(t, testbases.Debian(t)) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			img, layoutDir := tc.img(t)
			a, err := Image(ctx, tc.name, img, Options{})
			if err != nil {
				t.Fatal(err)
			}
			tag := fmt.Sprintf("diet-test/report-%s:%d", tc.name, time.Now().UnixNano())
			got := testbases.DockerSize(t, img, tag)
			if got != a.Uncompressed {
				t.Errorf("docker image inspect says %d bytes, diet says %d (tar stream %d)", got, a.Uncompressed, a.TarBytes)
			}
			u, c, err := artifact.Sizes(img)
			if err != nil {
				t.Fatal(err)
			}
			if u != got || c != a.Compressed {
				t.Errorf("Sizes = %d, %d; docker image inspect says %d, Image says compressed %d", u, c, got, a.Compressed)
			}
			if layoutDir == "" {
				return
			}
			var blobs int64
			m, err := img.Manifest()
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range m.Layers {
				fi, err := os.Stat(filepath.Join(layoutDir, "blobs", l.Digest.Algorithm, l.Digest.Hex))
				if err != nil {
					t.Fatal(err)
				}
				blobs += fi.Size()
			}
			if blobs != a.Compressed {
				t.Errorf("layer blobs on disk sum to %d bytes, diet says %d", blobs, a.Compressed)
			}
		})
	}
}

func readRef(t *testing.T, ref string) (v1.Image, string) {
	img, err := image.Read(context.Background(), ref, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	loc, err := image.Parse(ref)
	if err != nil {
		t.Fatal(err)
	}
	return img, loc.Path
}

// TestDockerBuiltWaste measures an image Docker itself built, whose second
// RUN deletes the 5,000,000-byte file the first one wrote: diet must see
// Docker's whiteout, count exactly those bytes as wasted, and agree with
// Docker on the size.
func TestDockerBuiltWaste(t *testing.T) {
	if testing.Short() {
		t.Skip("builds an image with Docker")
	}
	testenv.Docker(t)
	img, _ := readRef(t, testbases.BusyBox(t))
	base := fmt.Sprintf("diet-test/report-base:%d", time.Now().UnixNano())
	tb, err := name.NewTag(base)
	if err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(t.TempDir(), "base.tar")
	if err := tarball.WriteToFile(archive, tb, img); err != nil {
		t.Fatal(err)
	}
	docker := func(args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "docker", args...)
		cmd.Env = append(os.Environ(), "DOCKER_BUILDKIT=0")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("docker %s: %v: %s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	docker("load", "-q", "-i", archive)
	dir := t.TempDir()
	dockerfile := "FROM " + base + "\n" +
		"RUN dd if=/dev/zero of=/big bs=1000 count=5000 && echo hi > /keep\n" +
		"RUN rm /big && dd if=/dev/zero of=/keep2 bs=1000 count=10\n"
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		t.Fatal(err)
	}
	tag := fmt.Sprintf("diet-test/report-waste:%d", time.Now().UnixNano())
	docker("build", "--network", "none", "-q", "-t", tag, dir)
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", tag, base).Run() })
	saved := filepath.Join(dir, "image.tar")
	docker("save", "-o", saved, tag)
	want, err := strconv.ParseInt(docker("image", "inspect", "--format", "{{.Size}}", tag), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	ref := "docker-archive:" + saved
	built, err := image.Read(context.Background(), ref, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := Image(context.Background(), ref, built, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Wasted != 5_000_000 || len(a.WastedPaths) != 1 || a.WastedPaths[0].Path != "/big" || a.WastedPaths[0].Cause != "deleted" {
		t.Errorf("wasted %d bytes: %+v", a.Wasted, a.WastedPaths)
	}
	if a.Uncompressed != want {
		t.Errorf("docker says %d bytes, diet says %d", want, a.Uncompressed)
	}
	if len(a.Layers) != 3 || !strings.Contains(a.Layers[1].Command, "dd if=/dev/zero of=/big") {
		t.Errorf("layers: %+v", a.Layers)
	}
}
