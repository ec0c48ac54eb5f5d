// Package sbom writes an SPDX 2.3 JSON software bill of materials of
// exactly what an image ships: every regular file with its checksums and
// the reason it is there, and the Debian packages the files came from.
// The document is deterministic: its namespace derives from its content
// and its creation time is SOURCE_DATE_EPOCH.
package sbom

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/dietimg/diet/internal/artifact"
)

// Package is a package some files came from.
type Package struct {
	Name, Version, Architecture string
	PURL                        string
	Supplier                    string // "Organization: Debian", "" for NOASSERTION
	Source                      string // source package, when it differs
	Homepage                    string
}

// Document describes the image.
type Document struct {
	// Name is the image's name (the program's, or -t).
	Name string
	// Created is the document's creation time (SOURCE_DATE_EPOCH).
	Created time.Time
	// Tool is the creator ("diet (devel)").
	Tool string
	// Files are the image's regular files, each with its checksums,
	// Package (the Name of the Package it came from, "" if none) and
	// reason, which goes into its comment (with its Platform, when set).
	Files    []artifact.File
	Packages []Package
}

// Add adds what one image ships: the files of files that carry checksums
// (its regular files), each with platform when it is one of an index's
// images ("" otherwise), and the packages not listed yet (by Name; the
// first one given wins).
func (d *Document) Add(platform string, files []artifact.File, packages ...Package) {
	for _, f := range files {
		if f.SHA256 != "" {
			f.Platform = platform
			d.Files = append(d.Files, f)
		}
	}
	for _, p := range packages {
		if !slices.ContainsFunc(d.Packages, func(q Package) bool { return q.Name == p.Name }) {
			d.Packages = append(d.Packages, p)
		}
	}
}

type spdxDoc struct {
	SPDXVersion       string         `json:"spdxVersion"`
	DataLicense       string         `json:"dataLicense"`
	SPDXID            string         `json:"SPDXID"`
	Name              string         `json:"name"`
	DocumentNamespace string         `json:"documentNamespace"`
	CreationInfo      creationInfo   `json:"creationInfo"`
	Packages          []spdxPackage  `json:"packages"`
	Files             []spdxFile     `json:"files"`
	Relationships     []relationship `json:"relationships"`
}

type creationInfo struct {
	Created  string   `json:"created"`
	Creators []string `json:"creators"`
}

type spdxPackage struct {
	Name             string        `json:"name"`
	SPDXID           string        `json:"SPDXID"`
	VersionInfo      string        `json:"versionInfo,omitempty"`
	Supplier         string        `json:"supplier,omitempty"`
	DownloadLocation string        `json:"downloadLocation"`
	Homepage         string        `json:"homepage,omitempty"`
	SourceInfo       string        `json:"sourceInfo,omitempty"`
	FilesAnalyzed    bool          `json:"filesAnalyzed"`
	LicenseConcluded string        `json:"licenseConcluded"`
	LicenseDeclared  string        `json:"licenseDeclared"`
	CopyrightText    string        `json:"copyrightText"`
	PrimaryPurpose   string        `json:"primaryPackagePurpose,omitempty"`
	ExternalRefs     []externalRef `json:"externalRefs,omitempty"`
}

type externalRef struct {
	Category string `json:"referenceCategory"`
	Type     string `json:"referenceType"`
	Locator  string `json:"referenceLocator"`
}

type spdxFile struct {
	FileName         string     `json:"fileName"`
	SPDXID           string     `json:"SPDXID"`
	Checksums        []checksum `json:"checksums"`
	LicenseConcluded string     `json:"licenseConcluded"`
	CopyrightText    string     `json:"copyrightText"`
	Comment          string     `json:"comment,omitempty"`
}

type checksum struct {
	Algorithm string `json:"algorithm"`
	Value     string `json:"checksumValue"`
}

type relationship struct {
	Element string `json:"spdxElementId"`
	Type    string `json:"relationshipType"`
	Related string `json:"relatedSpdxElement"`
}

const noAssertion = "NOASSERTION"

var idUnsafe = regexp.MustCompile(`[^A-Za-z0-9.-]+`)

func spdxID(kind, name string) string {
	return "SPDXRef-" + kind + "-" + strings.Trim(idUnsafe.ReplaceAllString(name, "-"), "-")
}

// SPDX returns the document as SPDX 2.3 JSON.
func SPDX(d Document) ([]byte, error) {
	tool := d.Tool
	if tool == "" {
		tool = "diet"
	}
	doc := spdxDoc{
		SPDXVersion: "SPDX-2.3",
		DataLicense: "CC0-1.0",
		SPDXID:      "SPDXRef-DOCUMENT",
		Name:        d.Name,
		CreationInfo: creationInfo{
			Created:  d.Created.UTC().Format(time.RFC3339),
			Creators: []string{"Tool: " + tool},
		},
		Files:         []spdxFile{},
		Relationships: []relationship{},
	}
	const imageID = "SPDXRef-Image"
	doc.Packages = append(doc.Packages, spdxPackage{
		Name:             d.Name,
		SPDXID:           imageID,
		DownloadLocation: noAssertion,
		LicenseConcluded: noAssertion,
		LicenseDeclared:  noAssertion,
		CopyrightText:    noAssertion,
		PrimaryPurpose:   "CONTAINER",
	})
	doc.Relationships = append(doc.Relationships, relationship{"SPDXRef-DOCUMENT", "DESCRIBES", imageID})

	pkgID, err := doc.addPackages(imageID, d.Packages)
	if err != nil {
		return nil, err
	}
	if err := doc.addFiles(imageID, d.Files, pkgID); err != nil {
		return nil, err
	}
	// The namespace must be unique per document: derive it from the rest
	// of the document, so the same content gives the same bytes.
	body, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	doc.DocumentNamespace = "https://dietimg.github.io/spdx/" + idUnsafe.ReplaceAllString(d.Name, "-") + "-" + hex.EncodeToString(sum[:16])
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// addPackages lists the packages, by name, as contained in the image, and
// returns their SPDX ids by name.
func (doc *spdxDoc) addPackages(imageID string, packages []Package) (map[string]string, error) {
	pkgs := append([]Package(nil), packages...)
	sort.Slice(pkgs, func(i, j int) bool { return pkgs[i].Name < pkgs[j].Name })
	pkgID := map[string]string{}
	for _, p := range pkgs {
		if _, dup := pkgID[p.Name]; dup {
			return nil, fmt.Errorf("sbom: package %s listed twice", p.Name)
		}
		id := spdxID("Package", p.Name)
		pkgID[p.Name] = id
		sp := spdxPackage{
			Name:             p.Name,
			SPDXID:           id,
			VersionInfo:      p.Version,
			Supplier:         p.Supplier,
			DownloadLocation: noAssertion,
			Homepage:         p.Homepage,
			FilesAnalyzed:    false,
			LicenseConcluded: noAssertion,
			LicenseDeclared:  noAssertion,
			CopyrightText:    noAssertion,
		}
		if p.Source != "" {
			sp.SourceInfo = "built from source package " + p.Source
		}
		if p.PURL != "" {
			sp.ExternalRefs = []externalRef{{"PACKAGE-MANAGER", "purl", p.PURL}}
		}
		doc.Packages = append(doc.Packages, sp)
		doc.Relationships = append(doc.Relationships, relationship{imageID, "CONTAINS", id})
	}
	return pkgID, nil
}

// addFiles lists the files, by path, as contained in the image and in
// their packages.
func (doc *spdxDoc) addFiles(imageID string, fs []artifact.File, pkgID map[string]string) error {
	files := append([]artifact.File(nil), fs...)
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	for i, f := range files {
		if len(f.SHA1) != 40 || len(f.SHA256) != 64 {
			return fmt.Errorf("sbom: %s: missing checksums", f.Path)
		}
		id := fmt.Sprintf("SPDXRef-File-%d-%s", i+1, f.SHA256[:12])
		doc.Files = append(doc.Files, spdxFile{
			FileName:         "." + f.Path,
			SPDXID:           id,
			Checksums:        []checksum{{"SHA1", f.SHA1}, {"SHA256", f.SHA256}},
			LicenseConcluded: noAssertion,
			CopyrightText:    noAssertion,
			Comment:          f.Why(),
		})
		doc.Relationships = append(doc.Relationships, relationship{imageID, "CONTAINS", id})
		if f.Package != "" {
			pid, ok := pkgID[f.Package]
			if !ok {
				return fmt.Errorf("sbom: %s comes from package %s, which is not listed", f.Path, f.Package)
			}
			doc.Relationships = append(doc.Relationships, relationship{pid, "CONTAINS", id})
		}
	}
	return nil
}
