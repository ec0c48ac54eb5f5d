package build

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/safefile"
	"github.com/dietimg/diet/internal/sbom"
)

// Tool is how the SBOM names its creator.
var Tool = "diet"

// SBOM returns the SPDX document of what res ships.
func SBOM(res *Result, epoch time.Time) ([]byte, error) {
	doc := sbom.Document{Name: res.Name, Created: epoch, Tool: Tool}
	seen := map[string]bool{}
	for _, pi := range res.Images {
		suffix := ""
		if len(res.Images) > 1 {
			suffix = " [" + pi.Platform.String() + "]"
		}
		for _, f := range pi.Files {
			if f.Type != "file" {
				continue
			}
			doc.Files = append(doc.Files, sbom.File{Path: f.Path, SHA1: f.sha1, SHA256: f.SHA256, Size: f.Size, Reason: f.Reason + suffix, Package: f.Package})
		}
		names := make([]string, 0, len(pi.packages))
		for n := range pi.packages {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, m := range pi.goModules {
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
			p := pi.packages[n]
			doc.Packages = append(doc.Packages, sbom.Package{
				Name: p.Name, Version: p.Version, Architecture: p.Architecture, PURL: p.PURL(),
				Supplier: "Organization: Debian", Source: p.Source, Homepage: p.Homepage,
			})
		}
	}
	return sbom.SPDX(doc)
}

// sidecars returns where the SBOM and the report go for an output: beside
// a file, inside an oci:DIR layout, nowhere for a daemon or a registry
// (a push attaches the SBOM to the image instead).
func sidecars(loc image.Location) (sbomPath, reportPath string) {
	return loc.Sidecar(".sbom.spdx.json"), loc.Sidecar(".report.json")
}

var safeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// defaultTag names the image for transports that need a name when -t
// gives none: NAME:latest.
func defaultTag(name string) string {
	n := strings.ToLower(safeName.ReplaceAllString(name, "-"))
	n = strings.Trim(n, "-._")
	if n == "" {
		n = "image"
	}
	return n + ":latest"
}

// write stores the image at opts.Output, then the SBOM and the report.
func write(ctx context.Context, opts Options, res *Result) error {
	loc, err := image.Parse(opts.Output)
	if err != nil {
		return err
	}
	io := image.Options{Tag: opts.Tag, Insecure: opts.Insecure, Progress: opts.Progress}
	if io.Tag == "" && (loc.Transport == image.DockerArchive || loc.Transport == image.DockerDaemon) && loc.Ref == "" {
		io.Tag = defaultTag(res.Name)
	}
	if loc.Transport == image.DockerDaemon && loc.Ref == "" {
		return fmt.Errorf("docker-daemon: needs an image name")
	}
	var sbomBytes []byte
	if !opts.NoSBOM {
		if sbomBytes, err = SBOM(res, opts.Epoch); err != nil {
			return err
		}
		res.SBOM = sbomBytes
	}
	if res.Index != nil {
		err = image.WriteIndex(ctx, opts.Output, res.Index, io)
	} else {
		err = image.Write(ctx, opts.Output, res.Image, io)
	}
	if err != nil {
		return err
	}
	res.Output = opts.Output
	logf(opts, "wrote %s (%s)", opts.Output, res.Digest)
	if opts.NoSBOM {
		return nil
	}
	if loc.Transport == image.Docker {
		desc, err := subject(res)
		if err != nil {
			return err
		}
		d, err := image.Attach(ctx, opts.Output, desc, image.SPDXMediaType, sbomBytes,
			map[string]string{"org.opencontainers.image.created": opts.Epoch.UTC().Format(time.RFC3339)}, io)
		if err != nil {
			return err
		}
		res.SBOMDigest = d.String()
		logf(opts, "attached the SBOM to %s (%s)", opts.Output, d)
		return nil
	}
	sp, rp := sidecars(loc)
	if sp == "" {
		return nil
	}
	res.SBOMPath, res.ReportPath = sp, rp
	if err := safefile.WriteBytes(sp, sbomBytes); err != nil {
		return fmt.Errorf("writing the SBOM: %w", err)
	}
	rb, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	if err := safefile.WriteBytes(rp, append(rb, '\n')); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	return nil
}

func subject(res *Result) (v1.Descriptor, error) {
	var d v1.Descriptor
	var err error
	if res.Index != nil {
		d.MediaType, err = res.Index.MediaType()
		if err == nil {
			d.Size, err = res.Index.Size()
		}
	} else {
		d.MediaType, err = res.Image.MediaType()
		if err == nil {
			d.Size, err = res.Image.Size()
		}
	}
	d.Digest = res.Digest
	return d, err
}
