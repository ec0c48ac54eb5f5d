package slim

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/dietimg/diet/internal/artifact"
	"github.com/dietimg/diet/internal/engine"
	"github.com/dietimg/diet/internal/sbom"
)

// IndexResult is the slim of every image of an image index.
type IndexResult struct {
	// Artifact is the index: its SBOM covers every platform's files,
	// each reason naming its platform, and the packages they come from;
	// its Size sums the images'.
	artifact.Artifact
	Images []*Result `json:"images"` // in the index's order, each with its platform
}

// SlimIndex slims every image of idx, each traced and verified on its
// platform (foreign ones under emulation), and returns an index of the
// slimmed images with the same platforms. It returns ErrDifferent, with
// the IndexResult, when any of them answers differently; other errors
// name the platform that failed.
func SlimIndex(ctx context.Context, eng engine.Engine, idx v1.ImageIndex, opts Options) (*IndexResult, error) {
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("reading the image index: %w", err)
	}
	res := &IndexResult{}
	var adds []mutate.IndexAddendum
	different := false
	for _, d := range im.Manifests {
		if !d.MediaType.IsImage() || d.Platform == nil {
			continue // attestations and nested indexes
		}
		p := *d.Platform
		img, err := idx.Image(d.Digest)
		if err != nil {
			return nil, fmt.Errorf("%s: reading the image: %w", p.String(), err)
		}
		o := opts
		if o.WorkDir != "" {
			o.WorkDir = filepath.Join(opts.WorkDir, strings.ReplaceAll(p.String(), "/", "-"))
		}
		o.logf("%s", p.String())
		r, err := Slim(ctx, eng, img, o)
		if errors.Is(err, ErrDifferent) {
			different = true
		} else if err != nil {
			return nil, fmt.Errorf("%s: %w", p.String(), err)
		}
		r.Platform = p // the index's word, which Docker matches on
		res.Images = append(res.Images, r)
		res.Size.Add(r.Size)
		adds = append(adds, mutate.IndexAddendum{Add: r.Image, Descriptor: v1.Descriptor{Platform: &p}})
	}
	if len(adds) == 0 {
		return nil, errors.New("the image index holds no image with a platform")
	}
	res.Index = mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex), adds...)
	res.Image, res.Name, res.Created = res.Images[0].Image, opts.Name, opts.Epoch
	if res.Digest, err = res.Index.Digest(); err != nil {
		return nil, err
	}
	if res.SBOM, err = indexSBOM(res.Images, opts); err != nil {
		return nil, err
	}
	if different {
		return res, ErrDifferent
	}
	return res, nil
}

// indexSBOM is one SBOM of the slims of every platform, as diet build
// makes for an index: each file's reason ends with its platform, and a
// package is listed once.
func indexSBOM(images []*Result, opts Options) ([]byte, error) {
	doc := sbom.Document{Name: opts.Name, Created: opts.Epoch, Tool: "diet slim"}
	if doc.Name == "" {
		doc.Name = "slimmed image"
	}
	for _, r := range images {
		doc.Add(r.Platform.String(), r.Files, r.sbomPackages...)
	}
	b, err := sbom.SPDX(doc)
	if err != nil {
		return nil, fmt.Errorf("writing the SBOM of the index: %w", err)
	}
	return b, nil
}
