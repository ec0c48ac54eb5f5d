package image

import (
	"context"
	"fmt"
	"os"
	"runtime"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// hostPlatform is linux on this machine's architecture: the platform
// picked from an index when none is asked for.
func hostPlatform() v1.Platform {
	p := v1.Platform{OS: "linux", Architecture: runtime.GOARCH}
	if runtime.GOARCH == "arm64" {
		p.Variant = "v8"
	}
	return p
}

// Read opens the image at ref in any transport. From an image index it
// takes the image for opts.Platform (default: linux on this machine's
// architecture). Images from files are read lazily: the file must stay in
// place while the image is used. A docker-daemon: image is saved with
// `docker save` to an unlinked temporary file that lives as long as the
// image does.
func Read(ctx context.Context, ref string, opts Options) (v1.Image, error) {
	loc, err := Parse(ref)
	if err != nil {
		return nil, err
	}
	img, err := read(ctx, loc, opts)
	if err != nil {
		return nil, fmt.Errorf("reading image %s: %w", ref, err)
	}
	return img, nil
}

func read(ctx context.Context, loc Location, opts Options) (v1.Image, error) {
	switch loc.Transport {
	case OCI:
		if _, err := os.Stat(loc.Path); err != nil {
			return nil, err
		}
		return fsLayout{fsys: os.DirFS(loc.Path), desc: loc.Path}.pick(loc.Ref, opts.Platform)
	case OCIArchive:
		fsys, err := readArchive(loc.Path)
		if err != nil {
			return nil, err
		}
		return fsLayout{fsys: fsys, desc: loc.Path}.pick(loc.Ref, opts.Platform)
	case DockerArchive:
		if _, err := os.Stat(loc.Path); err != nil {
			return nil, err
		}
		var tag *name.Tag
		if loc.Ref != "" {
			t, err := name.NewTag(loc.Ref)
			if err != nil {
				return nil, fmt.Errorf("image name %q: %w", loc.Ref, err)
			}
			tag = &t
		}
		return tarball.ImageFromPath(loc.Path, tag)
	case DockerDaemon:
		return readDaemon(ctx, loc.Ref)
	case Docker:
		r, err := name.ParseReference(loc.Ref, nameOptions(opts)...)
		if err != nil {
			return nil, err
		}
		if loc.Bare && daemonHas(ctx, loc.Ref) {
			return readDaemon(ctx, loc.Ref)
		}
		ro := remoteOptions(ctx)
		p := hostPlatform()
		if opts.Platform != nil {
			p = *opts.Platform
		}
		ro = append(ro, remote.WithPlatform(p))
		img, err := remote.Image(r, ro...)
		if err != nil && loc.Bare {
			err = fmt.Errorf("%w (%s is a registry reference, and no Docker engine here has an image of that name; a local image is oci:DIR[:TAG], oci-archive:FILE, docker-archive:FILE or docker-daemon:NAME)", err, loc.Ref)
		}
		return img, err
	}
	return nil, fmt.Errorf("unknown transport %q", loc.Transport)
}

// ReadIndex opens an image index at ref (oci, oci-archive or docker://).
func ReadIndex(ctx context.Context, ref string, opts Options) (v1.ImageIndex, error) {
	loc, err := Parse(ref)
	if err != nil {
		return nil, err
	}
	switch loc.Transport {
	case OCI, OCIArchive:
		var l fsLayout
		if loc.Transport == OCI {
			l = fsLayout{fsys: os.DirFS(loc.Path), desc: loc.Path}
		} else {
			fsys, err := readArchive(loc.Path)
			if err != nil {
				return nil, fmt.Errorf("reading image index %s: %w", ref, err)
			}
			l = fsLayout{fsys: fsys, desc: loc.Path}
		}
		im, err := l.index()
		if err != nil {
			return nil, fmt.Errorf("reading image index %s: %w", ref, err)
		}
		for _, d := range im.Manifests {
			if d.MediaType.IsIndex() && (loc.Ref == "" || d.Annotations[refNameAnnotation] == loc.Ref) {
				return &fsIndex{l: l, digest: d.Digest}, nil
			}
		}
		return nil, fmt.Errorf("reading image index %s: no image index there", ref)
	case Docker:
		r, err := name.ParseReference(loc.Ref, nameOptions(opts)...)
		if err != nil {
			return nil, fmt.Errorf("reading image index %s: %w", ref, err)
		}
		idx, err := remote.Index(r, remoteOptions(ctx)...)
		if err != nil {
			return nil, fmt.Errorf("reading image index %s: %w", ref, err)
		}
		return idx, nil
	}
	return nil, fmt.Errorf("reading image index %s: transport %s holds no image index", ref, loc.Transport)
}
