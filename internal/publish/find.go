package publish

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/dietimg/diet/internal/image"
)

// maxSBOM bounds an SBOM read from beside an image or from a registry.
const maxSBOM = 64 << 20

// FindSBOM finds the SPDX SBOM Write published for the image at ref:
// inside an oci: layout (TAG.sbom.spdx.json, or image.sbom.spdx.json
// without a tag), beside an archive (FILE.sbom.spdx.json), or attached to
// the image in a registry (an OCI referrer of type application/spdx+json).
// It returns the document and where it was found, or nil when there is
// none.
func FindSBOM(ctx context.Context, ref string, img v1.Image, insecure bool) ([]byte, string, error) {
	loc, err := image.Parse(ref)
	if err != nil {
		return nil, "", err
	}
	switch loc.Transport {
	case image.OCI:
		paths := []string{loc.Sidecar(SBOMSuffix)}
		if loc.Ref == "" {
			// An untagged reference to a layout of one tagged image.
			if m, _ := filepath.Glob(filepath.Join(loc.Path, "*"+SBOMSuffix)); len(m) == 1 {
				paths = append(paths, m[0])
			}
		}
		for _, p := range paths {
			if b, p, err := readSidecar(p); b != nil || err != nil {
				return b, p, err
			}
		}
	case image.OCIArchive, image.DockerArchive:
		return readSidecar(loc.Sidecar(SBOMSuffix))
	case image.Docker:
		return attachedSBOM(ctx, loc.Ref, img, insecure)
	}
	return nil, "", nil
}

func readSidecar(p string) ([]byte, string, error) {
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSBOM))
	if err != nil {
		return nil, "", fmt.Errorf("reading %s: %w", p, err)
	}
	return b, p, nil
}

// attachedSBOM looks for an SPDX referrer of the image, or of the index
// the reference names.
func attachedSBOM(ctx context.Context, ref string, img v1.Image, insecure bool) ([]byte, string, error) {
	var no []name.Option
	if insecure {
		no = append(no, name.Insecure)
	}
	r, err := name.ParseReference(ref, no...)
	if err != nil {
		return nil, "", err
	}
	ro := []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain)}
	var subjects []v1.Hash
	if d, err := img.Digest(); err == nil {
		subjects = append(subjects, d)
	}
	if desc, err := remote.Head(r, ro...); err == nil {
		subjects = append(subjects, desc.Digest)
	}
	for _, d := range subjects {
		dr := r.Context().Digest(d.String())
		// No artifactType filter: registries that predate OCI 1.1's
		// artifactType field report the config's media type instead.
		idx, err := remote.Referrers(dr, ro...)
		if err != nil {
			continue
		}
		im, err := idx.IndexManifest()
		if err != nil {
			continue
		}
		for _, m := range im.Manifests {
			if m.ArtifactType != image.SPDXMediaType && m.ArtifactType != "" && m.ArtifactType != emptyMediaType {
				continue
			}
			b, err := spdxArtifact(r.Context().Digest(m.Digest.String()), ro)
			if err != nil {
				return nil, "", fmt.Errorf("reading the SBOM attached to %s: %w", ref, err)
			}
			if b != nil {
				return b, "SBOM attached to " + dr.String(), nil
			}
		}
	}
	return nil, "", nil
}

// emptyMediaType is the config media type of OCI 1.1 artifacts.
const emptyMediaType = "application/vnd.oci.empty.v1+json"

// spdxArtifact returns the SPDX document of the artifact at ref, or nil
// when the artifact is something else.
func spdxArtifact(ref name.Digest, ro []remote.Option) ([]byte, error) {
	art, err := remote.Image(ref, ro...)
	if err != nil {
		return nil, err
	}
	m, err := art.Manifest()
	if err != nil {
		return nil, err
	}
	if len(m.Layers) == 0 || (m.ArtifactType != image.SPDXMediaType && m.Layers[0].MediaType != image.SPDXMediaType) {
		return nil, nil
	}
	l, err := art.LayerByDigest(m.Layers[0].Digest)
	if err != nil {
		return nil, err
	}
	rc, err := l.Compressed()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, maxSBOM))
}
