// Package produce is what the two commands that produce images, diet
// build and diet slim, share to make them: one reproducible layer on an
// empty OCI image (or on build's --base), a config derived from the
// base's, and the sizes every diet command reports.
//
// It is a package of its own, rather than a file of internal/image or
// internal/layer, because it needs internal/report (the sizes), which
// itself imports internal/image.
package produce

import (
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/dietimg/diet/internal/report"
)

// Empty is the base of an image made from nothing: no layer, an OCI
// manifest and an OCI config media type.
func Empty() v1.Image {
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	return mutate.ConfigMediaType(img, types.OCIConfigJSON)
}

// Image appends add (one layer and its history) to base, Empty when base
// is nil, and sets as config what configure makes of a copy of the
// result's.
func Image(base v1.Image, add mutate.Addendum, configure func(*v1.ConfigFile) error) (v1.Image, error) {
	if base == nil {
		base = Empty()
	}
	img, err := mutate.Append(base, add)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	if err := configure(cf); err != nil {
		return nil, err
	}
	return mutate.ConfigFile(img, cf)
}

// Sizes are an image's sizes as every diet command reports them. The
// fields are in the order of slim.Sizes, which converts from it.
type Sizes struct {
	// Compressed is the sum of the layer blobs, what a pull transfers.
	Compressed int64
	// Uncompressed is what `docker images` shows once the image is loaded.
	Uncompressed int64
}

// SizesOf measures img as every diet command does (report.Sizes):
// uncompressed as `docker images` shows it, compressed as the sum of the
// layer blobs.
func SizesOf(img v1.Image) (Sizes, error) {
	var s Sizes
	var err error
	s.Uncompressed, s.Compressed, err = report.Sizes(img)
	return s, err
}
