package analyze

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/dietimg/diet/internal/artifact"
	"github.com/dietimg/diet/internal/rootfs"
)

func wantContent(p string) bool {
	return isDpkgFile(p) || strings.HasSuffix(p, ".spdx.json")
}

// reasons reads why each file is there from an SPDX SBOM stored in the
// image, else returns nil.
func reasons(content map[string][]byte) ([]artifact.File, string) {
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
// file of an SPDX 2.3 JSON document: the files, in path order, with their
// Path, Reason and Platform (artifact.File.SetWhy).
func ReasonsFromSPDX(b []byte) []artifact.File {
	var doc struct {
		Files []struct {
			FileName string `json:"fileName"`
			Comment  string `json:"comment"`
		} `json:"files"`
	}
	if json.Unmarshal(b, &doc) != nil {
		return nil
	}
	var out []artifact.File
	for _, f := range doc.Files {
		if f.Comment == "" || f.FileName == "" {
			continue
		}
		file := artifact.File{Path: rootfs.Clean(f.FileName)}
		file.SetWhy(f.Comment)
		out = append(out, file)
	}
	slices.SortFunc(out, func(a, b artifact.File) int { return strings.Compare(a.Path, b.Path) })
	return out
}
