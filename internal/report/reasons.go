package report

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/dietimg/diet/internal/rootfs"
)

// Reason says why an image built or slimmed by diet carries a file, as
// the image itself records it.
type Reason struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

func wantContent(p string) bool {
	return isDpkgFile(p) || strings.HasSuffix(p, ".spdx.json")
}

// reasons reads why each file is there from an SPDX SBOM stored in the
// image, else returns nil.
func reasons(content map[string][]byte) ([]Reason, string) {
	var names []string
	for p := range content {
		if strings.HasSuffix(p, ".spdx.json") {
			names = append(names, p)
		}
	}
	slices.Sort(names)
	for _, n := range names {
		if out := ReasonsFromSPDX(content[n]); len(out) > 0 {
			return out, "SBOM " + n + " in the image"
		}
	}
	return nil, ""
}

// ReasonsFromSPDX reads the reasons diet writes into the comment of each
// file of an SPDX 2.3 JSON document.
func ReasonsFromSPDX(b []byte) []Reason {
	var doc struct {
		Files []struct {
			FileName string `json:"fileName"`
			Comment  string `json:"comment"`
		} `json:"files"`
	}
	if json.Unmarshal(b, &doc) != nil {
		return nil
	}
	var out []Reason
	for _, f := range doc.Files {
		if f.Comment == "" || f.FileName == "" {
			continue
		}
		out = append(out, Reason{Path: rootfs.Clean(f.FileName), Reason: f.Comment})
	}
	sortReasons(out)
	return out
}

func sortReasons(rs []Reason) {
	slices.SortFunc(rs, func(a, b Reason) int { return strings.Compare(a.Path, b.Path) })
}
