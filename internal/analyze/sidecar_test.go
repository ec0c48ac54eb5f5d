package analyze

import (
	"context"
	"testing"

	"github.com/dietimg/diet/internal/why"
)

const appSBOM = `{"spdxVersion":"SPDX-2.3","files":[{"fileName":"./app","comment":"program"}]}`

func TestAddReasons(t *testing.T) {
	ctx := context.Background()
	img := layeredImage(t, layerTar(t, reg("app", 10)))
	a, err := Image(ctx, "oci:x", img, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a.AddReasons(nil, "nowhere") || len(a.Reasons) != 0 {
		t.Fatalf("reasons from no SBOM: %+v", a.Reasons)
	}
	if !a.AddReasons([]byte(appSBOM), "beside") || len(a.Reasons) != 1 || a.Reasons[0].Path != "/app" || a.Reasons[0].Reason != (why.Reason{Kind: why.Program}) || a.ReasonsFrom != "beside" {
		t.Errorf("reasons %+v from %s", a.Reasons, a.ReasonsFrom)
	}

	// An SBOM naming files the image lacks belongs to another image.
	other, err := Image(ctx, "oci:x", layeredImage(t, layerTar(t, reg("else", 1))), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if other.AddReasons([]byte(appSBOM), "beside") {
		t.Errorf("took the SBOM of another image: %+v", other.Reasons)
	}
}
