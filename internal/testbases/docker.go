package testbases

import (
	"bytes"
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/dietimg/diet/internal/dockercli"
)

// DockerSize loads img into Docker as tag and returns the size Docker
// gives it (docker image inspect), removing the image afterwards.
func DockerSize(t testing.TB, img v1.Image, tag string) int64 {
	t.Helper()
	ref, err := name.NewTag(tag)
	if err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(t.TempDir(), "image.tar")
	if err := tarball.WriteToFile(archive, ref, img); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := dockercli.Run(ctx, "docker", nil, nil, "load", "-i", archive); err != nil {
		t.Fatal(err)
	}
	defer dockercli.Run(context.Background(), "docker", nil, nil, "rmi", "-f", tag)
	var out bytes.Buffer
	if err := dockercli.Run(ctx, "docker", nil, &out, "image", "inspect", "--format", "{{.Size}}", tag); err != nil {
		t.Fatal(err)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(out.String()), 10, 64)
	if err != nil {
		t.Fatalf("docker image inspect: %q: %v", out.String(), err)
	}
	var images bytes.Buffer
	dockercli.Run(ctx, "docker", nil, &images, "images", "--format", "{{.Size}}", tag)
	t.Logf("%s: docker images shows %s; docker image inspect %d bytes", tag, strings.TrimSpace(images.String()), n)
	return n
}
