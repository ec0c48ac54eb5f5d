package publish

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
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/testenv"
)

const appSBOM = `{"spdxVersion":"SPDX-2.3","files":[{"fileName":"./app","comment":"program"}]}`

func TestFindSBOMLayout(t *testing.T) {
	ctx := context.Background()
	img, _ := testImage(t)
	dir := filepath.Join(t.TempDir(), "out")
	ref := "oci:" + dir + ":v1"
	if err := image.Write(ctx, ref, img, image.Options{}); err != nil {
		t.Fatal(err)
	}
	if b, _, err := FindSBOM(ctx, ref, img, false); b != nil || err != nil {
		t.Fatalf("found an SBOM before one was written: %q, %v", b, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "v1.sbom.spdx.json"), []byte(appSBOM), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{ref, "oci:" + dir} {
		// An untagged reference to a layout of one tagged image finds
		// that image's SBOM.
		b, from, err := FindSBOM(ctx, r, img, false)
		if err != nil || string(b) != appSBOM || !strings.HasSuffix(from, "v1.sbom.spdx.json") {
			t.Errorf("FindSBOM(%s) = %q from %q, %v", r, b, from, err)
		}
	}
}

func TestFindSBOMAttached(t *testing.T) {
	t.Run("in-memory", func(t *testing.T) {
		srv := httptest.NewServer(registry.New(registry.WithReferrersSupport(true), registry.Logger(log.New(io.Discard, "", 0))))
		defer srv.Close()
		testFindSBOMAttached(t, strings.TrimPrefix(srv.URL, "http://"))
	})
	t.Run("docker-registry", func(t *testing.T) {
		if testing.Short() {
			t.Skip("starts a registry")
		}
		testFindSBOMAttached(t, testenv.Registry(t))
	})
}

func testFindSBOMAttached(t *testing.T, host string) {
	ctx := context.Background()
	ref := "docker://" + host + "/test/app:latest"
	img, _ := testImage(t)
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
	b, from, err := FindSBOM(ctx, ref, pulled, true)
	if err != nil || string(b) != appSBOM || !strings.Contains(from, "attached") {
		t.Fatalf("FindSBOM = %q from %q, %v", b, from, err)
	}
}
