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
	return find(ctx, ref, img, insecure, SBOMSuffix, image.SPDXMediaType)
}

// FindSeccomp finds the seccomp profile Write published for the image at
// ref, where FindSBOM finds the SBOM (TAG.seccomp.json, FILE.seccomp.json,
// or a referrer of type SeccompMediaType), or nil when there is none.
func FindSeccomp(ctx context.Context, ref string, img v1.Image, insecure bool) ([]byte, string, error) {
	return find(ctx, ref, img, insecure, SeccompSuffix, SeccompMediaType)
}

// find finds the extra of the image at ref with sidecar suffix, or
// attached as mediaType.
func find(ctx context.Context, ref string, img v1.Image, insecure bool, suffix, mediaType string) ([]byte, string, error) {
	loc, err := image.Parse(ref)
	if err != nil {
		return nil, "", err
	}
	switch loc.Transport {
	case image.OCI:
		paths := []string{loc.Sidecar(suffix)}
		if loc.Ref == "" {
			// An untagged reference to a layout of one tagged image.
			if m, _ := filepath.Glob(filepath.Join(loc.Path, "*"+suffix)); len(m) == 1 {
				paths = append(paths, m[0])
			}
		}
		for _, p := range paths {
			if b, p, err := readSidecar(p); b != nil || err != nil {
				return b, p, err
			}
		}
	case image.OCIArchive, image.DockerArchive:
		return readSidecar(loc.Sidecar(suffix))
	case image.Docker:
		return attached(ctx, loc.Ref, img, insecure, mediaType)
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

// attached looks for a referrer of mediaType of the image, or of the
// index the reference names.
func attached(ctx context.Context, ref string, img v1.Image, insecure bool, mediaType string) ([]byte, string, error) {
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
			if m.ArtifactType != mediaType && m.ArtifactType != "" && m.ArtifactType != emptyMediaType {
				continue
			}
			b, err := artifactOf(r.Context().Digest(m.Digest.String()), ro, mediaType)
			if err != nil {
				return nil, "", fmt.Errorf("reading the %s attached to %s: %w", what[mediaType], ref, err)
			}
			if b != nil {
				return b, what[mediaType] + " attached to " + dr.String(), nil
			}
		}
	}
	return nil, "", nil
}

// what names an extra of each media type in messages.
var what = map[string]string{image.SPDXMediaType: "SBOM", SeccompMediaType: "seccomp profile"}

// emptyMediaType is the config media type of OCI 1.1 artifacts.
const emptyMediaType = "application/vnd.oci.empty.v1+json"

// artifactOf returns the document of mediaType of the artifact at ref,
// or nil when the artifact is something else.
func artifactOf(ref name.Digest, ro []remote.Option, mediaType string) ([]byte, error) {
	art, err := remote.Image(ref, ro...)
	if err != nil {
		return nil, err
	}
	m, err := art.Manifest()
	if err != nil {
		return nil, err
	}
	if len(m.Layers) == 0 || (m.ArtifactType != mediaType && string(m.Layers[0].MediaType) != mediaType) {
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
