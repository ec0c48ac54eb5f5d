package build

import (
	"context"
	"fmt"
	"sort"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/publish"
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

// Write publishes what Build made at opts.Output: the image, then its SBOM
// and report beside it, or the SBOM attached on a push (internal/publish).
func Write(ctx context.Context, opts Options, res *Result) error {
	opts = opts.withDefaults()
	loc, err := image.Parse(opts.Output)
	if err != nil {
		return err
	}
	if loc.Transport == image.DockerDaemon && loc.Ref == "" {
		return fmt.Errorf("docker-daemon: needs an image name")
	}
	a := publish.Artifact{Image: res.Image, Index: res.Index, Name: res.Name, Epoch: opts.Epoch}
	if res.Index != nil {
		a.Image = nil
	}
	if a.Name == "" {
		a.Name = "image" // the default tag is image:latest
	}
	if !opts.NoSBOM {
		if res.SBOM == nil {
			if res.SBOM, err = SBOM(res, opts.Epoch); err != nil {
				return err
			}
		}
		a.SBOM, a.Report = res.SBOM, res
	}
	po := publish.Options{
		Image: image.Options{Tag: opts.Tag, Insecure: opts.Insecure, Progress: opts.Progress},
		// The report records where it and the SBOM go.
		Written: func(p publish.Published) {
			res.Output, res.SBOMPath, res.ReportPath = p.Output, p.SBOMPath, p.ReportPath
		},
		Log: func(format string, args ...any) { logf(opts, format, args...) },
	}
	p, err := publish.Write(ctx, opts.Output, a, po)
	if p.SBOMDigest != (v1.Hash{}) {
		res.SBOMDigest = p.SBOMDigest.String()
	}
	return err
}
