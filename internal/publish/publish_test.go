package publish

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/dietimg/diet/internal/analyze"
	"github.com/dietimg/diet/internal/artifact"
	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/report"
	"github.com/dietimg/diet/internal/sbom"
	"github.com/dietimg/diet/internal/why"
)

var epoch = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

// files is the content of the test image, with why each file is there.
var files = []struct{ path, data, reason string }{
	{"/app", "#!/bin/true\n", "static: entrypoint"},
	{"/etc/app.conf", "answer = 42\n", "trace: opened by /app"},
	{"/usr/lib/libx.so.1", "\x7fELF not really\n", "static: needed by /app"},
}

// testImage returns a one-layer image of files and its SPDX SBOM, as
// diet slim would make it.
func testImage(t testing.TB) (v1.Image, []byte) {
	t.Helper()
	var b bytes.Buffer
	w := tar.NewWriter(&b)
	doc := sbom.Document{Name: "test image", Created: epoch, Tool: "diet slim"}
	for _, f := range files {
		h := &tar.Header{Name: strings.TrimPrefix(f.path, "/"), Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(f.data)), ModTime: epoch}
		if err := w.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(f.data)); err != nil {
			t.Fatal(err)
		}
		s1, s256 := sha1.Sum([]byte(f.data)), sha256.Sum256([]byte(f.data))
		doc.Files = append(doc.Files, artifact.File{Path: f.path, SHA1: hex.EncodeToString(s1[:]), SHA256: hex.EncodeToString(s256[:]), Size: int64(len(f.data)), Reason: why.Parse(f.reason)})
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	tb := b.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(tb)), nil })
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
	return img, spdx
}

func wantReasons() []artifact.File {
	var rs []artifact.File
	for _, f := range files {
		rs = append(rs, artifact.File{Path: f.path, Reason: why.Parse(f.reason)})
	}
	return rs
}

type testReport struct {
	Digest string `json:"digest"`
	Kept   int    `json:"kept"`
}

func TestWriteRoundTrip(t *testing.T) {
	ctx := context.Background()
	srv := httptest.NewServer(registry.New(registry.WithReferrersSupport(true), registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	dir := t.TempDir()
	for _, tc := range []struct {
		dest, sbomPath, reportPath string
	}{
		{"oci:" + dir + "/layout:v1", dir + "/layout/v1.sbom.spdx.json", dir + "/layout/v1.report.json"},
		{"oci:" + dir + "/untagged", dir + "/untagged/image.sbom.spdx.json", dir + "/untagged/image.report.json"},
		{"oci-archive:" + dir + "/img.tar", dir + "/img.tar.sbom.spdx.json", dir + "/img.tar.report.json"},
		{"docker-archive:" + dir + "/docker.tar", dir + "/docker.tar.sbom.spdx.json", dir + "/docker.tar.report.json"},
		{"docker://" + host + "/test/app:v1", "", ""},
	} {
		t.Run(strings.SplitN(tc.dest, ":", 2)[0], func(t *testing.T) {
			img, spdx := testImage(t)
			d, err := img.Digest()
			if err != nil {
				t.Fatal(err)
			}
			rep := testReport{Digest: d.String(), Kept: len(files)}
			io := image.Options{Insecure: true}
			art := artifact.Artifact{Image: img, SBOM: spdx, Name: "App One", Created: epoch}
			plan, err := Plan(tc.dest, art, true)
			if err != nil {
				t.Fatal(err)
			}
			pub, err := Write(ctx, tc.dest, art, rep, Options{Image: io})
			if err != nil {
				t.Fatal(err)
			}
			if plan.SBOMPath != pub.SBOMPath || plan.ReportPath != pub.ReportPath || plan.Output != pub.Output {
				t.Errorf("Plan said %+v, Write returned %+v", plan, pub)
			}
			if pub.Output != tc.dest || pub.Digest != d || pub.SBOMPath != tc.sbomPath || pub.ReportPath != tc.reportPath {
				t.Errorf("published %+v", pub)
			}
			if (pub.SBOMDigest != "") != strings.HasPrefix(tc.dest, "docker://") {
				t.Errorf("SBOM referrer %v for %s", pub.SBOMDigest, tc.dest)
			}

			back, err := image.Read(ctx, tc.dest, io)
			if err != nil {
				t.Fatal(err)
			}
			if bd, err := back.Digest(); err != nil || bd != d {
				t.Errorf("read back %v (%v), wrote %v", bd, err, d)
			}
			b, from, err := FindSBOM(ctx, tc.dest, back, true)
			if err != nil || b == nil {
				t.Fatalf("FindSBOM = %d bytes from %q, %v", len(b), from, err)
			}
			if tc.sbomPath != "" && from != tc.sbomPath {
				t.Errorf("SBOM found at %s, want %s", from, tc.sbomPath)
			}
			if !bytes.Equal(b, spdx) {
				t.Errorf("SBOM read back differs")
			}
			if got := analyze.ReasonsFromSPDX(b); !reflect.DeepEqual(got, wantReasons()) {
				t.Errorf("reasons %+v, want %+v", got, wantReasons())
			}

			if tc.reportPath != "" {
				rb, err := os.ReadFile(tc.reportPath)
				if err != nil {
					t.Fatal(err)
				}
				var got testReport
				if err := json.Unmarshal(rb, &got); err != nil || got != rep || !bytes.HasSuffix(rb, []byte("}\n")) {
					t.Errorf("report %q (%v)", rb, err)
				}
			}
			if strings.HasPrefix(tc.dest, "docker-archive:") {
				// Name gives the archive its tag when none is given.
				ti, err := tarball.ImageFromPath(strings.TrimPrefix(tc.dest, "docker-archive:"), nil)
				if err != nil {
					t.Fatal(err)
				}
				m, err := ti.Manifest()
				if err != nil || m == nil {
					t.Fatal(err)
				}
				tag, _ := name.NewTag("app-one:latest")
				if _, err := tarball.ImageFromPath(strings.TrimPrefix(tc.dest, "docker-archive:"), &tag); err != nil {
					t.Errorf("no tag app-one:latest in the archive: %v", err)
				}
			}
			if strings.HasPrefix(tc.dest, "docker://") {
				checkReferrer(t, strings.TrimPrefix(tc.dest, "docker://"), d, pub.SBOMDigest)
			}
		})
	}
}

// checkReferrer checks that the registry lists the SBOM among the
// referrers of subject, with build's annotations.
func checkReferrer(t *testing.T, ref string, subject v1.Hash, sbom string) {
	t.Helper()
	sbomDigest, err := v1.NewHash(sbom)
	if err != nil {
		t.Fatalf("SBOM digest %q: %v", sbom, err)
	}
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := remote.Referrers(r.Context().Digest(subject.String()))
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	// registry.New reports the config's media type as the artifactType.
	if len(im.Manifests) != 1 || im.Manifests[0].Digest != sbomDigest {
		t.Fatalf("referrers %+v, want the SBOM %v", im.Manifests, sbomDigest)
	}
	art, err := remote.Image(r.Context().Digest(sbomDigest.String()))
	if err != nil {
		t.Fatal(err)
	}
	m, err := art.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if m.ArtifactType != image.SPDXMediaType || len(m.Layers) != 1 || m.Layers[0].MediaType != image.SPDXMediaType {
		t.Errorf("SBOM artifact %+v", m)
	}
	if got := m.Annotations["org.opencontainers.image.created"]; got != epoch.Format(time.RFC3339) {
		t.Errorf("created annotation %q, want %q", got, epoch.Format(time.RFC3339))
	}
}

func TestWriteNoExtras(t *testing.T) {
	ctx := context.Background()
	img, _ := testImage(t)
	dir := filepath.Join(t.TempDir(), "out")
	pub, err := Write(ctx, "oci:"+dir+":v1", artifact.Artifact{Image: img}, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if pub.SBOMPath != "" || pub.ReportPath != "" {
		t.Errorf("published %+v", pub)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*.json")); len(m) != 1 || filepath.Base(m[0]) != "index.json" {
		t.Errorf("files in the layout: %v", m)
	}
	if b, _, err := FindSBOM(ctx, "oci:"+dir+":v1", img, false); b != nil || err != nil {
		t.Errorf("found an SBOM that was not written: %q, %v", b, err)
	}
	if _, err := Write(ctx, "oci:"+dir, artifact.Artifact{}, nil, Options{}); err == nil {
		t.Error("wrote nothing without an error")
	}
}

func TestWriteIndex(t *testing.T) {
	ctx := context.Background()
	img, spdx := testImage(t)
	idx := mutate.AppendManifests(empty.Index, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}})
	dir := filepath.Join(t.TempDir(), "out")
	pub, err := Write(ctx, "oci:"+dir+":multi", artifact.Artifact{Index: idx, SBOM: spdx}, map[string]int{"images": 1}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	d, _ := idx.Digest()
	if pub.Digest != d || pub.SBOMPath != filepath.Join(dir, "multi.sbom.spdx.json") || pub.ReportPath != filepath.Join(dir, "multi.report.json") {
		t.Errorf("published %+v", pub)
	}
	if _, err := image.ReadIndex(ctx, "oci:"+dir+":multi", image.Options{}); err != nil {
		t.Fatal(err)
	}
}

// TestSlimmedLayoutReasons is what diet inspect does with a slimmed image
// written to oci:DIR:TAG: the analysis of the image finds no reasons in
// it, and takes them from the SBOM that Write put beside it.
func TestSlimmedLayoutReasons(t *testing.T) {
	ctx := context.Background()
	img, spdx := testImage(t)
	ref := "oci:" + filepath.Join(t.TempDir(), "out") + ":slim"
	if _, err := Write(ctx, ref, artifact.Artifact{Image: img, SBOM: spdx}, testReport{Kept: 3}, Options{}); err != nil {
		t.Fatal(err)
	}
	back, err := image.Read(ctx, ref, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := analyze.Image(ctx, ref, back, analyze.Options{Top: 15})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Reasons) != 0 {
		t.Fatalf("the image itself has reasons: %+v", a.Reasons)
	}
	b, from, err := FindSBOM(ctx, ref, back, false)
	if err != nil {
		t.Fatal(err)
	}
	if !a.AddReasons(b, from) || !reflect.DeepEqual(a.Reasons, wantReasons()) || !strings.HasSuffix(a.ReasonsFrom, "slim.sbom.spdx.json") {
		t.Errorf("reasons %+v from %q", a.Reasons, a.ReasonsFrom)
	}
	var text bytes.Buffer
	if err := report.WriteAnalysis(&text, a); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !strings.Contains(text.String(), f.reason) {
			t.Errorf("inspect output lacks %q:\n%s", f.reason, text.String())
		}
	}
}
