package sbom

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/dietimg/diet/internal/artifact"
	"github.com/dietimg/diet/internal/why"
)

func doc() Document {
	return Document{
		Name:    "curl",
		Created: time.Unix(0, 0),
		Files: []artifact.File{
			{Path: "/usr/local/bin/curl", SHA1: strings.Repeat("a", 40), SHA256: strings.Repeat("b", 64), Size: 10, Reason: why.Parse("program"), Package: "curl"},
			{Path: "/lib/x86_64-linux-gnu/libc.so.6", SHA1: strings.Repeat("c", 40), SHA256: strings.Repeat("d", 64), Size: 20, Reason: why.Parse("needed by /usr/local/bin/curl"), Package: "libc6"},
			{Path: "/etc/ssl/certs/ca-certificates.crt", SHA1: strings.Repeat("e", 40), SHA256: strings.Repeat("f", 64), Reason: why.Parse("certificates: --certs")},
		},
		Packages: []Package{
			{Name: "libc6", Version: "2.36-9+deb12u4", Architecture: "amd64", PURL: "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64", Supplier: "Organization: Debian"},
			{Name: "curl", Version: "7.88.1", PURL: "pkg:deb/debian/curl@7.88.1"},
		},
	}
}

func TestSPDX(t *testing.T) {
	a, err := SPDX(doc())
	if err != nil {
		t.Fatal(err)
	}
	d2 := doc()
	d2.Files[0], d2.Files[2] = d2.Files[2], d2.Files[0]
	b, err := SPDX(d2)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("the document depends on the order of its input")
	}
	var got struct {
		SPDXVersion       string `json:"spdxVersion"`
		DocumentNamespace string `json:"documentNamespace"`
		CreationInfo      struct{ Created string }
		Packages          []struct {
			SPDXID       string
			Name         string
			ExternalRefs []struct{ ReferenceLocator string }
		}
		Files []struct {
			FileName  string
			SPDXID    string
			Checksums []struct{ Algorithm, ChecksumValue string }
			Comment   string
		}
		Relationships []struct{ SpdxElementId, RelationshipType, RelatedSpdxElement string }
	}
	if err := json.Unmarshal(a, &got); err != nil {
		t.Fatal(err)
	}
	if got.SPDXVersion != "SPDX-2.3" || got.CreationInfo.Created != "1970-01-01T00:00:00Z" || !strings.HasPrefix(got.DocumentNamespace, "https://") {
		t.Errorf("header: %+v", got)
	}
	if len(got.Packages) != 3 || got.Packages[1].Name != "curl" || got.Packages[2].ExternalRefs[0].ReferenceLocator == "" {
		t.Errorf("packages: %+v", got.Packages)
	}
	if len(got.Files) != 3 || got.Files[2].FileName != "./usr/local/bin/curl" || got.Files[2].Comment != "program" || len(got.Files[2].Checksums) != 2 {
		t.Errorf("files: %+v", got.Files)
	}
	contains := 0
	for _, r := range got.Relationships {
		if r.RelationshipType == "CONTAINS" && r.SpdxElementId == "SPDXRef-Package-libc6" && r.RelatedSpdxElement == got.Files[1].SPDXID {
			contains++
		}
	}
	if contains != 1 {
		t.Errorf("libc6 does not contain libc.so.6: %+v", got.Relationships)
	}
	d3 := doc()
	d3.Files[0].SHA256 = strings.Repeat("9", 64)
	c, _ := SPDX(d3)
	var g3 struct{ DocumentNamespace string }
	json.Unmarshal(c, &g3)
	if g3.DocumentNamespace == got.DocumentNamespace {
		t.Error("the namespace does not change with the content")
	}
	bad := doc()
	bad.Files[0].Package = "nope"
	if _, err := SPDX(bad); err == nil {
		t.Error("file from an unlisted package: no error")
	}
}
