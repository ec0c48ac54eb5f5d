package image_test

import (
	"fmt"

	"github.com/dietimg/diet/internal/image"
)

// ParsePlatforms reads --platform lists, with the aliases people type.
func ExampleParsePlatforms() {
	ps, err := image.ParsePlatforms("linux/amd64,linux/aarch64,linux/arm/v7")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range ps {
		fmt.Println(p.String())
	}
	_, err = image.ParsePlatforms("windows/amd64")
	fmt.Println(err)
	// Output:
	// linux/amd64
	// linux/arm64
	// linux/arm/v7
	// platform "windows/amd64": unsupported OS "windows" (diet makes and reads linux images only)
}

// Parse reads an image location in skopeo's transport syntax.
func ExampleParse() {
	loc, err := image.Parse("oci:out/layout:slim")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(loc.Transport, loc.Path, loc.Ref)
	fmt.Println(loc.Sidecar(".sbom.spdx.json"))
	// Output:
	// oci out/layout slim
	// out/layout/slim.sbom.spdx.json
}
