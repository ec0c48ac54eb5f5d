package build

import (
	"fmt"
	"sort"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/dietimg/diet/internal/artifact"
	"github.com/dietimg/diet/internal/dpkg"
	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/layer"
	"github.com/dietimg/diet/internal/progress"
	"github.com/dietimg/diet/internal/sbom"
)

// makeImage writes the layer and the image config.
func makeImage(opts Options, prog *program, set entrySet, sysEnv []string, owners map[string]*dpkg.Package, base v1.Image, plat v1.Platform) (*PlatformImage, error) {
	fl, err := listFiles(set, owners)
	if err != nil {
		return nil, err
	}
	l, err := buildLayer(fl, opts, plat)
	if err != nil {
		return nil, err
	}
	img, err := imageOf(l, len(fl.files), opts, prog, sysEnv, base, plat)
	if err != nil {
		return nil, err
	}
	pi := &PlatformImage{Platform: plat, packages: fl.packages}
	pi.Image, pi.Files = img, fl.files
	if pi.Digest, err = img.Digest(); err != nil {
		return nil, err
	}
	if pi.Size, err = artifact.SizeOf(img); err != nil {
		return nil, err
	}
	pi.Size.Files = fl.size
	return pi, nil
}

// fileList is the layer's entries with the report's file list.
type fileList struct {
	entries  []layer.Entry
	files    []artifact.File // by path
	size     int64           // of the regular files
	packages map[string]*dpkg.Package
}

// listFiles makes the layer's entries and the report's file list of set,
// with each file's checksums and Debian package (owners, by origin).
func listFiles(set entrySet, owners map[string]*dpkg.Package) (*fileList, error) {
	fl := &fileList{packages: map[string]*dpkg.Package{}}
	for _, e := range set {
		fl.entries = append(fl.entries, e.Entry)
		f := artifact.File{Path: e.Path, Type: layer.Kind(e.Mode), Reason: e.reason, Mode: fmt.Sprintf("%04o", layer.TarMode(e.Mode))}
		switch f.Type {
		case "symlink":
			f.Link = e.Link
		case "file":
			var err error
			if f.Size, f.SHA256, f.SHA1, err = sums(e.Entry); err != nil {
				return nil, err
			}
			fl.size += f.Size
		}
		if e.origin != "" {
			if p, ok := owners[e.origin]; ok {
				f.Package = p.Name
				fl.packages[p.Name] = p
			}
		}
		fl.files = append(fl.files, f)
	}
	sort.Slice(fl.files, func(i, j int) bool { return fl.files[i].Path < fl.files[j].Path })
	return fl, nil
}

// buildLayer writes the layer, with a progress bar when it is long.
func buildLayer(fl *fileList, opts Options, plat v1.Platform) (v1.Layer, error) {
	lo := layer.Options{Epoch: opts.Epoch, Compression: opts.Compression}
	var bar *progress.Bar
	if opts.Log != nil && fl.size > longCompression {
		bar = opts.Log.Bar("compressing " + plat.String())
		lo.Progress = bar.Update
	}
	l, err := layer.Build(fl.entries, lo)
	bar.Done()
	return l, err
}

// imageOf puts the layer of nfiles files on the base (an empty OCI image
// without one) under the program's config and annotations.
func imageOf(l v1.Layer, nfiles int, opts Options, prog *program, sysEnv []string, base v1.Image, plat v1.Platform) (v1.Image, error) {
	add := mutate.Addendum{
		Layer: l,
		History: v1.History{
			Created:   v1.Time{Time: opts.Epoch},
			CreatedBy: "diet build " + prog.name,
			Comment:   fmt.Sprintf("%d files: the program, its closure and system files", nfiles),
		},
	}
	if base != nil {
		if mt, _ := base.MediaType(); mt == types.DockerManifestSchema2 && (opts.Compression == "" || opts.Compression == layer.Gzip) {
			add.MediaType = types.DockerLayer
		}
	}
	img, err := image.Append(base, add, func(cf *v1.ConfigFile) error {
		return configure(cf, opts, prog, sysEnv, plat)
	})
	if err != nil {
		return nil, err
	}
	if ann := annotations(opts, prog, base); len(ann) > 0 {
		img = mutate.Annotations(img, ann).(v1.Image)
	}
	return img, nil
}

// sums reads a file entry's content for its size and checksums, without
// holding it in memory.
func sums(e layer.Entry) (size int64, sha256Hex, sha1Hex string, err error) {
	r, _, err := e.Contents()
	if err != nil {
		return 0, "", "", err
	}
	defer r.Close()
	s, err := sbom.Checksums(r)
	if err != nil {
		return 0, "", "", fmt.Errorf("reading %s: %w", e.Path, err)
	}
	return s.Size, s.SHA256, s.SHA1, nil
}

// longCompression is the layer size above which compressing shows a
// progress bar.
const longCompression = 64 << 20
