package build

import (
	"slices"
	"time"

	"github.com/dietimg/diet/internal/sbom"
)

// Tool is how the SBOM names its creator.
var Tool = "diet"

// makeSBOM returns the SPDX document of what res ships.
func makeSBOM(res *Result, epoch time.Time) ([]byte, error) {
	doc := sbom.Document{Name: res.Name, Created: epoch, Tool: Tool}
	for _, pi := range res.Images {
		platform := ""
		if len(res.Images) > 1 {
			platform = pi.Platform.String()
		}
		pkgs := slices.Clone(pi.modules)
		for _, p := range pi.packages {
			pkgs = append(pkgs, p.SBOM())
		}
		doc.Add(platform, pi.Files, pkgs...)
	}
	return sbom.SPDX(doc)
}
