package image

import (
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Empty is the base of an image diet build or slim makes from nothing: no layer, an OCI
// manifest and an OCI config media type.
func Empty() v1.Image {
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	return mutate.ConfigMediaType(img, types.OCIConfigJSON)
}

// Append appends add (one layer and its history) to base, Empty when base
// is nil, and sets as config what configure makes of a copy of the
// result's.
func Append(base v1.Image, add mutate.Addendum, configure func(*v1.ConfigFile) error) (v1.Image, error) {
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
