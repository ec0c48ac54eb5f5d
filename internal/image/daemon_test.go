package image

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/compression"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/dietimg/diet/internal/progress"
	"github.com/dietimg/diet/internal/testenv"
)

// noTempLeft points the temporary directory at an empty one and checks,
// at the end of the test, that nothing was left in it.
func noTempLeft(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	t.Cleanup(func() {
		ents, _ := os.ReadDir(tmp)
		for _, e := range ents {
			t.Errorf("left in the temporary directory: %s", e.Name())
		}
	})
}

func diffIDs(t *testing.T, img v1.Image) []v1.Hash {
	t.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	return cf.RootFS.DiffIDs
}

// TestDaemonRoundTrip loads an image into the Docker engine, checks with
// skopeo that the engine has it under its tag, and saves it back.
func TestDaemonRoundTrip(t *testing.T) {
	testenv.Docker(t)
	skopeo := testenv.LookPath(t, "skopeo")[0]
	noTempLeft(t)
	ctx := context.Background()
	img := testImage(t)
	tag := fmt.Sprintf("diet-test/image-daemon:%d", time.Now().UnixNano())
	t.Cleanup(func() { exec.Command("docker", "rmi", "--force", tag).Run() })
	var shown strings.Builder
	if err := Write(ctx, "docker-daemon:"+tag, img, Options{Log: progress.To(&shown)}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(shown.String(), "into docker: 100%") {
		t.Errorf("progress output: %q", shown.String())
	}

	out, err := exec.Command(skopeo, "inspect", "docker-daemon:"+tag).Output()
	if err != nil {
		t.Fatalf("skopeo inspect: %v", err)
	}
	var si struct{ Layers []string }
	if err := json.Unmarshal(out, &si); err != nil {
		t.Fatal(err)
	}
	if len(si.Layers) != 2 {
		t.Errorf("skopeo sees %d layers, want 2: %s", len(si.Layers), out)
	}

	got, err := Read(ctx, "docker-daemon:"+tag, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Image(got); err != nil {
		t.Fatal(err)
	}
	cn, _ := img.ConfigName()
	if gn, err := got.ConfigName(); err != nil || gn != cn {
		t.Errorf("config %s, want %s (%v)", gn, cn, err)
	}
	if a, b := diffIDs(t, img), diffIDs(t, got); !slices.Equal(a, b) {
		t.Errorf("diff IDs %v, want %v", b, a)
	}

	// A bare name (no transport) reads the engine's image of that name,
	// as the Docker CLI does, before any registry is asked.
	bare, err := Read(ctx, tag, Options{})
	if err != nil {
		t.Fatalf("bare name of an image in the engine: %v", err)
	}
	if bn, err := bare.ConfigName(); err != nil || bn != cn {
		t.Errorf("bare name: config %s, want %s (%v)", bn, cn, err)
	}
	if _, err := Read(ctx, tag+"-absent", Options{}); err == nil || !strings.Contains(err.Error(), "docker-daemon:NAME") {
		t.Errorf("bare name of no image: %v, want the transports suggested", err)
	}

	// A tag of the given name via Options.Tag is not used when the
	// location names one; a write without any name is refused.
	if err := write(ctx, Location{Transport: DockerDaemon}, img, nil, Options{}); err == nil || !strings.Contains(err.Error(), "needs an image name") {
		t.Errorf("write without a name: %v", err)
	}
}

// TestDaemonZstd loads an image with a zstd layer: engines before Docker
// 23 refuse it, and the error must say why.
func TestDaemonZstd(t *testing.T) {
	testenv.Docker(t)
	tag := fmt.Sprintf("diet-test/image-zstd:%d", time.Now().UnixNano())
	t.Cleanup(func() { exec.Command("docker", "rmi", "--force", tag).Run() })
	err := Write(context.Background(), "docker-daemon:"+tag, zstdImage(t), Options{})
	t.Logf("writing a zstd image: %v", err)
	if err != nil && !strings.Contains(err.Error(), "may not read zstd layers") {
		t.Errorf("error without the zstd hint: %v", err)
	}
}

func TestDaemonMissingImage(t *testing.T) {
	testenv.Docker(t)
	noTempLeft(t)
	ref := fmt.Sprintf("diet-test/no-such-image:%d", time.Now().UnixNano())
	_, err := Read(context.Background(), "docker-daemon:"+ref, Options{})
	if err == nil || !strings.Contains(err.Error(), "image "+ref+" not found in the Docker engine") {
		t.Errorf("reading a missing image: %v", err)
	}
}

// fakeDocker puts a docker command that runs script (sh) first on PATH.
func fakeDocker(t *testing.T, script string) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "docker"), []byte("#!/bin/sh\n"+script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
}

func zstdImage(t *testing.T) v1.Image {
	t.Helper()
	layers, err := testImage(t).Layers()
	if err != nil {
		t.Fatal(err)
	}
	z, err := tarball.LayerFromOpener(layers[0].Uncompressed, tarball.WithCompression(compression.ZStd), tarball.WithMediaType(types.OCILayerZStd))
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(empty.Image, z)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// TestDaemonFailures drives the docker-daemon transport with a fake
// docker command, for the failures a real engine seldom shows.
func TestDaemonFailures(t *testing.T) {
	ctx := context.Background()
	t.Run("load fails", func(t *testing.T) {
		fakeDocker(t, `cat >/dev/null; echo "Error processing tar file(exit status 1): invalid tar header" >&2; exit 1`)
		err := Write(ctx, "docker-daemon:x:y", testImage(t), Options{})
		if err == nil || !strings.Contains(err.Error(), "docker load: Error processing tar file(exit status 1): invalid tar header") {
			t.Errorf("got %v", err)
		}
		if strings.Contains(err.Error(), "zstd") {
			t.Errorf("zstd hint for an image without zstd layers: %v", err)
		}
		err = Write(ctx, "docker-daemon:x:y", zstdImage(t), Options{})
		if err == nil || !strings.Contains(err.Error(), "may not read zstd layers") {
			t.Errorf("zstd image: got %v", err)
		}
	})
	t.Run("load reads nothing", func(t *testing.T) {
		fakeDocker(t, `exit 1`)
		err := Write(ctx, "docker-daemon:x:y", testImage(t), Options{})
		if err == nil || !strings.Contains(err.Error(), "docker load: exit status 1") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("load loads nothing", func(t *testing.T) {
		fakeDocker(t, `cat >/dev/null`)
		err := Write(ctx, "docker-daemon:x:y", testImage(t), Options{})
		if err == nil || !strings.Contains(err.Error(), "no image loaded") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("engine down", func(t *testing.T) {
		noTempLeft(t)
		fakeDocker(t, `echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2; exit 1`)
		_, err := Read(ctx, "docker-daemon:x:y", Options{})
		if err == nil || !strings.Contains(err.Error(), "docker image inspect: Cannot connect to the Docker daemon") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("save fails", func(t *testing.T) {
		noTempLeft(t)
		fakeDocker(t, `if [ "$1" = save ]; then echo partial; echo "save broke" >&2; exit 1; fi; echo sha256:0000`)
		_, err := Read(ctx, "docker-daemon:x:y", Options{})
		if err == nil || !strings.Contains(err.Error(), "docker save: save broke") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("save writes junk", func(t *testing.T) {
		noTempLeft(t)
		fakeDocker(t, `if [ "$1" = save ]; then echo junk; exit 0; fi; echo sha256:0000`)
		_, err := Read(ctx, "docker-daemon:x:y", Options{})
		if err == nil || !strings.Contains(err.Error(), "reading the output of docker save") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("no docker", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		_, err := Read(ctx, "docker-daemon:x:y", Options{})
		if err == nil || !strings.Contains(err.Error(), "needs the docker command") {
			t.Errorf("read: %v", err)
		}
		err = Write(ctx, "docker-daemon:x:y", testImage(t), Options{})
		if err == nil || !strings.Contains(err.Error(), "needs the docker command") {
			t.Errorf("write: %v", err)
		}
	})
	t.Run("flag-like reference", func(t *testing.T) {
		fakeDocker(t, `echo "docker ran: $*" >&2; exit 1`)
		for _, ref := range []string{"--help", "-x"} {
			if _, err := Read(ctx, "docker-daemon:"+ref, Options{}); err == nil || strings.Contains(err.Error(), "docker ran") {
				t.Errorf("read %s: %v", ref, err)
			}
			if err := Write(ctx, "docker-daemon:"+ref, testImage(t), Options{}); err == nil || strings.Contains(err.Error(), "docker ran") {
				t.Errorf("write %s: %v", ref, err)
			}
		}
	})
}
