package image_test

import (
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/dietimg/diet/internal/artifact"
	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/layer"
)

// TestImage makes a one-layer image from nothing: OCI media types
// throughout, the config as configure left it, and sizes.
func TestImage(t *testing.T) {
	epoch := time.Unix(1700000000, 0).UTC()
	l, err := layer.Build([]layer.Entry{{Path: "/hello", Mode: 0o644, Data: []byte("hi\n")}}, layer.Options{Epoch: epoch})
	if err != nil {
		t.Fatal(err)
	}
	img, err := image.Append(nil, mutate.Addendum{Layer: l, History: v1.History{Created: v1.Time{Time: epoch}, CreatedBy: "test"}},
		func(cf *v1.ConfigFile) error {
			cf.Architecture, cf.OS = "arm64", "linux"
			cf.Config.Cmd = []string{"/hello"}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if m.MediaType != types.OCIManifestSchema1 || m.Config.MediaType != types.OCIConfigJSON || len(m.Layers) != 1 || m.Layers[0].MediaType != types.OCILayer {
		t.Errorf("manifest %+v", m)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.Architecture != "arm64" || cf.Config.Cmd[0] != "/hello" || len(cf.History) != 1 || len(cf.RootFS.DiffIDs) != 1 {
		t.Errorf("config %+v", cf)
	}
	s, err := artifact.SizeOf(img)
	if err != nil {
		t.Fatal(err)
	}
	if size, _ := l.Size(); s.Compressed != size || s.Uncompressed == 0 {
		t.Errorf("sizes %+v, layer of %d bytes", s, size)
	}
}
