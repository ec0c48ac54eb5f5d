package publish_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/v1/empty"

	"github.com/dietimg/diet/internal/artifact"
	"github.com/dietimg/diet/internal/publish"
)

// Write puts an image and its extras wherever the destination says; for
// an oci: layout the SBOM and the report go inside it, beside the tag.
func ExampleWrite() {
	dir, err := os.MkdirTemp("", "diet-publish-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	sbom := []byte(`{"spdxVersion":"SPDX-2.3","files":[{"fileName":"./app","comment":"program"}]}`)
	art := artifact.Artifact{Image: empty.Image, SBOM: sbom}
	report := map[string]string{"name": "app"}
	pub, err := publish.Write(context.Background(), "oci:"+dir+":app", art, report, publish.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(filepath.Base(pub.SBOMPath), filepath.Base(pub.ReportPath))
	found, from, err := publish.FindSBOM(context.Background(), "oci:"+dir+":app", empty.Image, false)
	fmt.Println(string(found) == string(sbom), filepath.Base(from), err)
	// Output:
	// app.sbom.spdx.json app.report.json
	// true app.sbom.spdx.json <nil>
}
