package build

import (
	"sort"
	"time"

	"github.com/dietimg/diet/internal/sbom"
)

// Tool is how the SBOM names its creator.
var Tool = "diet"

// makeSBOM returns the SPDX document of what res ships.
func makeSBOM(res *Result, epoch time.Time) ([]byte, error) {
	doc := sbom.Document{Name: res.Name, Created: epoch, Tool: Tool}
	seen := map[string]bool{}
	for _, pi := range res.Images {
		for _, f := range pi.Files {
			if f.Type != "file" {
				continue
			}
			if len(res.Images) > 1 {
				f.Platform = pi.Platform.String()
			}
			doc.Files = append(doc.Files, f)
		}
		names := make([]string, 0, len(pi.packages))
		for n := range pi.packages {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, m := range pi.modules {
			if seen[m.Name] {
				continue
			}
			seen[m.Name] = true
			doc.Packages = append(doc.Packages, m)
		}
		for _, n := range names {
			if seen[n] {
				continue
			}
			seen[n] = true
			doc.Packages = append(doc.Packages, pi.packages[n].SBOM())
		}
	}
	return sbom.SPDX(doc)
}
