package cli

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/dietimg/diet/internal/artifact"
	"github.com/dietimg/diet/internal/publish"
	"github.com/dietimg/diet/internal/sbom"
	"github.com/dietimg/diet/internal/why"
)

// TestInspectSlimmedLayout: an image published as diet slim publishes it
// (to oci:DIR:TAG, its SBOM beside it) is shown by diet inspect with why
// each file is there, though the image itself records no reason.
func TestInspectSlimmedLayout(t *testing.T) {
	files := []struct{ path, data, reason string }{
		{"/app", "#!/bin/true\n", "static: entrypoint"},
		{"/etc/app.conf", "answer = 42\n", "trace: opened by /app"},
	}
	var b bytes.Buffer
	w := tar.NewWriter(&b)
	doc := sbom.Document{Name: "oci:fat:latest", Created: time.Unix(0, 0), Tool: "diet slim"}
	for _, f := range files {
		if err := w.WriteHeader(&tar.Header{Name: f.path[1:], Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(f.data))}); err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(f.data))
		s1, s256 := sha1.Sum([]byte(f.data)), sha256.Sum256([]byte(f.data))
		doc.Files = append(doc.Files, artifact.File{Path: f.path, SHA1: hex.EncodeToString(s1[:]), SHA256: hex.EncodeToString(s256[:]), Size: int64(len(f.data)), Reason: why.Parse(f.reason)})
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b.Bytes())), nil })
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(empty.Image, l)
	if err != nil {
		t.Fatal(err)
	}
	spdx, err := sbom.SPDX(doc)
	if err != nil {
		t.Fatal(err)
	}
	ref := "oci:" + filepath.Join(t.TempDir(), "out") + ":slim"
	if _, err := publish.Write(context.Background(), ref, artifact.Artifact{Image: img, SBOM: spdx}, map[string]string{"digest": "x"}, publish.Options{}); err != nil {
		t.Fatal(err)
	}

	out, stderr, err := runInspectCmd("inspect", ref)
	if err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	if !strings.Contains(out, "Why each file is there (from ") || !strings.Contains(out, "slim.sbom.spdx.json") {
		t.Errorf("no reasons from the SBOM beside the image:\n%s", out)
	}
	for _, f := range files {
		if !strings.Contains(out, f.path) || !strings.Contains(out, f.reason) {
			t.Errorf("output lacks %s: %s:\n%s", f.path, f.reason, out)
		}
	}
}
