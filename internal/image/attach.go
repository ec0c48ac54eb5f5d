package image

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// SPDXMediaType is the media type of an SPDX JSON document.
const SPDXMediaType = "application/spdx+json"

// emptyConfig is the OCI 1.1 empty descriptor's content.
var emptyConfig = []byte("{}")

// Attach pushes blob as an OCI 1.1 artifact whose subject is the image
// or index (subject) already pushed to the repository of ref (docker://
// only). Registries with the referrers API index it there; for the others
// go-containerregistry keeps the fallback tag sha256-<subject hex> (an
// index listing the referrers) up to date. It returns the artifact's
// digest.
func Attach(ctx context.Context, ref string, subject v1.Descriptor, artifactType string, blob []byte, annotations map[string]string, opts Options) (v1.Hash, error) {
	loc, err := Parse(ref)
	if err != nil {
		return v1.Hash{}, err
	}
	if loc.Transport != Docker {
		return v1.Hash{}, fmt.Errorf("attaching to %s: only registries (docker://) take attachments", ref)
	}
	r, err := name.ParseReference(loc.Ref, nameOptions(opts)...)
	if err != nil {
		return v1.Hash{}, err
	}
	art, err := newArtifact(subject, artifactType, blob, annotations)
	if err != nil {
		return v1.Hash{}, err
	}
	d, err := art.Digest()
	if err != nil {
		return v1.Hash{}, err
	}
	if err := remote.Write(r.Context().Digest(d.String()), art, remoteOptions(ctx)...); err != nil {
		return v1.Hash{}, fmt.Errorf("attaching %s to %s: %w", artifactType, ref, err)
	}
	return d, nil
}

// artifact is a one-blob OCI artifact manifest with a subject.
type artifact struct {
	raw  []byte
	blob []byte
	desc v1.Descriptor
}

func newArtifact(subject v1.Descriptor, artifactType string, blob []byte, annotations map[string]string) (v1.Image, error) {
	sum := sha256.Sum256(blob)
	bd := v1.Descriptor{
		MediaType: types.MediaType(artifactType),
		Size:      int64(len(blob)),
		Digest:    v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])},
	}
	csum := sha256.Sum256(emptyConfig)
	m := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		ArtifactType:  artifactType,
		Config: v1.Descriptor{
			MediaType: "application/vnd.oci.empty.v1+json",
			Size:      int64(len(emptyConfig)),
			Digest:    v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(csum[:])},
			Data:      emptyConfig,
		},
		Layers:      []v1.Descriptor{bd},
		Annotations: annotations,
		Subject:     &v1.Descriptor{MediaType: subject.MediaType, Size: subject.Size, Digest: subject.Digest},
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return partial.CompressedToImage(&artifact{raw: raw, blob: blob, desc: bd})
}

func (a *artifact) RawManifest() ([]byte, error)        { return a.raw, nil }
func (a *artifact) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }
func (a *artifact) RawConfigFile() ([]byte, error)      { return emptyConfig, nil }
func (a *artifact) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	if h != a.desc.Digest {
		return nil, fmt.Errorf("artifact has no blob %s", h)
	}
	return &blobLayer{b: a.blob, d: a.desc}, nil
}

type blobLayer struct {
	b []byte
	d v1.Descriptor
}

func (l *blobLayer) Digest() (v1.Hash, error) { return l.d.Digest, nil }
func (l *blobLayer) Compressed() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(l.b)), nil
}
func (l *blobLayer) Size() (int64, error)                { return l.d.Size, nil }
func (l *blobLayer) MediaType() (types.MediaType, error) { return l.d.MediaType, nil }
