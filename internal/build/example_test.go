package build_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/dietimg/diet/internal/build"
	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/publish"
)

// Example builds a Go package into an image (Build writes nothing; its
// Result carries the SBOM), publishes the image with its SBOM into an
// OCI layout, and reads the SBOM back as a reader of the layout would.
func Example() {
	ctx := context.Background()
	epoch := time.Unix(1700000000, 0).UTC()
	res, err := build.Build(ctx, build.Options{Source: "./testdata/hello", Epoch: epoch})
	if err != nil {
		fmt.Println(err)
		return
	}
	dir, err := os.MkdirTemp("", "diet-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	dest := "oci:" + filepath.Join(dir, "layout") + ":hello"
	if _, err := publish.Write(ctx, dest, res.Artifact, res, publish.Options{}); err != nil {
		fmt.Println(err)
		return
	}

	img, err := image.Read(ctx, dest, image.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	back, where, err := publish.FindSBOM(ctx, dest, img, false)
	if err != nil {
		fmt.Println(err)
		return
	}
	var spdx struct {
		SPDXVersion string `json:"spdxVersion"`
		Files       []struct {
			FileName string `json:"fileName"`
		} `json:"files"`
	}
	if err := json.Unmarshal(back, &spdx); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(filepath.Base(where), spdx.SPDXVersion)
	for _, f := range spdx.Files {
		fmt.Println(f.FileName)
	}
	// Output:
	// hello.sbom.spdx.json SPDX-2.3
	// ./usr/local/bin/hello
}
