package report

import (
	"context"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/testenv"
)

const appSBOM = `{"spdxVersion":"SPDX-2.3","files":[{"fileName":"./app","comment":"program"}]}`

func TestSBOMBesideLayout(t *testing.T) {
	ctx := context.Background()
	img := layeredImage(t, layerTar(t, reg("app", 10)))
	dir := filepath.Join(t.TempDir(), "out")
	lp, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := lp.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": "v1"})); err != nil {
		t.Fatal(err)
	}
	ref := "oci:" + dir + ":v1"
	a, err := Analyze(ctx, ref, img, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if b, _, err := SBOMBeside(ctx, ref, img, false); b != nil || err != nil {
		t.Fatalf("found an SBOM before one was written: %q, %v", b, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "v1.sbom.spdx.json"), []byte(appSBOM), 0o644); err != nil {
		t.Fatal(err)
	}
	b, from, err := SBOMBeside(ctx, ref, img, false)
	if err != nil || !strings.HasSuffix(from, "v1.sbom.spdx.json") {
		t.Fatalf("SBOMBeside = %q, %v", from, err)
	}
	if !a.AddReasons(b, from) || len(a.Reasons) != 1 || a.Reasons[0] != (Reason{"/app", "program"}) {
		t.Errorf("reasons %+v from %s", a.Reasons, a.ReasonsFrom)
	}

	// An SBOM naming files the image lacks belongs to another image.
	other, err := Analyze(ctx, ref, layeredImage(t, layerTar(t, reg("else", 1))), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if other.AddReasons(b, from) {
		t.Errorf("took the SBOM of another image: %+v", other.Reasons)
	}
}

func TestSBOMAttached(t *testing.T) {
	t.Run("in-memory", func(t *testing.T) {
		srv := httptest.NewServer(registry.New(registry.WithReferrersSupport(true), registry.Logger(log.New(io.Discard, "", 0))))
		defer srv.Close()
		testSBOMAttached(t, strings.TrimPrefix(srv.URL, "http://"))
	})
	t.Run("docker-registry", func(t *testing.T) {
		if testing.Short() {
			t.Skip("starts a registry")
		}
		testSBOMAttached(t, testenv.Registry(t))
	})
}

func testSBOMAttached(t *testing.T, host string) {
	ctx := context.Background()
	ref := "docker://" + host + "/test/app:latest"
	img := layeredImage(t, layerTar(t, reg("app", 10)))
	tag, err := name.NewTag(host+"/test/app:latest", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(tag, img); err != nil {
		t.Fatal(err)
	}
	desc, err := partial.Descriptor(img)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := image.Attach(ctx, ref, *desc, image.SPDXMediaType, []byte(appSBOM), nil, image.Options{Insecure: true}); err != nil {
		t.Fatal(err)
	}
	pulled, err := image.Read(ctx, ref, image.Options{Insecure: true})
	if err != nil {
		t.Fatal(err)
	}
	b, from, err := SBOMBeside(ctx, ref, pulled, true)
	if err != nil || string(b) != appSBOM || !strings.Contains(from, "attached") {
		t.Fatalf("SBOMBeside = %q from %q, %v", b, from, err)
	}
}
