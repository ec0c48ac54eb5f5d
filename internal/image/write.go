package image

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/dietimg/diet/internal/safefile"
)

// Write stores img at dest. File transports write to a temporary name
// beside the target and rename it into place, so a failed write leaves
// nothing at dest; an existing oci:DIR layout gets the image added (and
// replaces the one with the same tag).
func Write(ctx context.Context, dest string, img v1.Image, opts Options) error {
	loc, err := Parse(dest)
	if err != nil {
		return err
	}
	if err := write(ctx, loc, img, nil, opts); err != nil {
		return fmt.Errorf("writing image to %s: %w", dest, err)
	}
	return nil
}

// WriteIndex stores an image index at dest. docker-archive and
// docker-daemon hold single images: they get the index's image for
// opts.Platform (default: this machine's).
func WriteIndex(ctx context.Context, dest string, idx v1.ImageIndex, opts Options) error {
	loc, err := Parse(dest)
	if err != nil {
		return err
	}
	if loc.Transport == DockerArchive || loc.Transport == DockerDaemon {
		img, err := imageFromIndex(idx, opts.Platform, "image index")
		if err != nil {
			return fmt.Errorf("writing image to %s: %w", dest, err)
		}
		return Write(ctx, dest, img, opts)
	}
	if err := write(ctx, loc, nil, idx, opts); err != nil {
		return fmt.Errorf("writing image index to %s: %w", dest, err)
	}
	return nil
}

// appendTo adds img or idx to a layout, under tag when there is one
// (replacing the manifest of that name). The blobs go first, each renamed
// into place; index.json is then replaced in one rename, so a reader (or
// a crash) never sees a half-written index.
func appendTo(p layout.Path, tag string, img v1.Image, idx v1.ImageIndex) error {
	var desc *v1.Descriptor
	var err error
	if img != nil {
		if err = p.WriteImage(img); err == nil {
			desc, err = partial.Descriptor(img)
		}
	} else {
		if err = p.WriteIndex(idx); err == nil {
			desc, err = partial.Descriptor(idx)
		}
	}
	if err != nil {
		return err
	}
	raw, err := os.ReadFile(filepath.Join(string(p), "index.json"))
	if err != nil {
		return err
	}
	im, err := v1.ParseIndexManifest(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("index.json: %w", err)
	}
	if tag != "" {
		desc.Annotations = map[string]string{refNameAnnotation: tag}
		kept := im.Manifests[:0]
		for _, d := range im.Manifests {
			if d.Annotations[refNameAnnotation] != tag {
				kept = append(kept, d)
			}
		}
		im.Manifests = kept
	}
	im.Manifests = append(im.Manifests, *desc)
	out, err := json.MarshalIndent(im, "", "   ")
	if err != nil {
		return err
	}
	return safefile.WriteBytes(filepath.Join(string(p), "index.json"), out)
}

func write(ctx context.Context, loc Location, img v1.Image, idx v1.ImageIndex, opts Options) error {
	switch loc.Transport {
	case OCI:
		return writeLayout(loc.Path, func(p layout.Path) error { return appendTo(p, loc.Ref, img, idx) })
	case OCIArchive:
		return safefile.Write(loc.Path, func(f *os.File) error {
			tmp, err := os.MkdirTemp("", "diet-oci-archive-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(tmp)
			p, err := layout.Write(tmp, empty.Index)
			if err != nil {
				return err
			}
			if err := appendTo(p, loc.Ref, img, idx); err != nil {
				return err
			}
			return tarDir(tmp, f)
		})
	case DockerArchive:
		var ref name.Reference
		tag, ok, err := tagFor(loc, opts)
		if err != nil {
			return err
		}
		if ok {
			ref = tag
		} else {
			// No name: docker load gives an untagged image.
			d, err := img.Digest()
			if err != nil {
				return err
			}
			if ref, err = name.NewDigest("diet@" + d.String()); err != nil {
				return err
			}
		}
		return safefile.Write(loc.Path, func(f *os.File) error {
			var to []tarball.WriteOption
			if opts.Log != nil {
				ch, done := updates(opts.Log, "writing "+loc.Path)
				defer done(true)
				to = append(to, tarball.WithProgress(ch))
			}
			return tarball.Write(ref, img, f, to...)
		})
	case DockerDaemon:
		tag, ok, err := tagFor(loc, opts)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("docker-daemon: needs an image name")
		}
		return writeDaemon(ctx, tag, img, opts.Log)
	case Docker:
		ref, err := name.ParseReference(loc.Ref, nameOptions(opts)...)
		if err != nil {
			return err
		}
		ro := remoteOptions(ctx)
		if opts.Log != nil {
			ch, done := updates(opts.Log, "pushing "+loc.Ref)
			defer done(false)
			ro = append(ro, remote.WithProgress(ch))
		}
		if img != nil {
			return remote.Write(ref, img, ro...)
		}
		return remote.WriteIndex(ref, idx, ro...)
	}
	return fmt.Errorf("unknown transport %q", loc.Transport)
}

func remoteOptions(ctx context.Context) []remote.Option {
	return []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain)}
}

// writeLayout adds to the OCI layout at dir. A new layout is written in a
// temporary directory beside dir and renamed into place.
func writeLayout(dir string, add func(layout.Path) error) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		parent := filepath.Dir(dir)
		if err := os.MkdirAll(parent, 0o755); err != nil {
			return err
		}
		tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".tmp-")
		if err != nil {
			return err
		}
		ok := false
		defer func() {
			if !ok {
				os.RemoveAll(tmp)
			}
		}()
		if err := os.Chmod(tmp, 0o755); err != nil {
			return err
		}
		p, err := layout.Write(tmp, empty.Index)
		if err != nil {
			return err
		}
		if err := add(p); err != nil {
			return err
		}
		if err := os.Rename(tmp, dir); err != nil {
			return err
		}
		ok = true
		return nil
	case err != nil:
		return err
	case !fi.IsDir():
		return fmt.Errorf("%s exists and is not a directory", dir)
	}
	if _, err := os.Stat(filepath.Join(dir, "index.json")); err == nil {
		p, err := layout.FromPath(dir)
		if err != nil {
			return err
		}
		return add(p)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	if len(ents) > 0 {
		return fmt.Errorf("%s exists and is neither empty nor an OCI image layout", dir)
	}
	p, err := layout.Write(dir, empty.Index)
	if err == nil {
		err = add(p)
	}
	if err != nil {
		for _, n := range []string{"index.json", "oci-layout", "blobs"} {
			os.RemoveAll(filepath.Join(dir, n))
		}
	}
	return err
}

// tarDir writes the files under dir as a tar archive with normalised
// metadata, so that an oci-archive is as reproducible as its image.
func tarDir(dir string, w io.Writer) error {
	tw := tar.NewWriter(w)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil || rel == "." {
			return err
		}
		rel = filepath.ToSlash(rel)
		hdr := &tar.Header{Name: rel, ModTime: time.Unix(0, 0), Format: tar.FormatPAX}
		if d.IsDir() {
			hdr.Typeflag, hdr.Name, hdr.Mode = tar.TypeDir, rel+"/", 0o755
			return tw.WriteHeader(hdr)
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s: not a regular file", p)
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		hdr.Typeflag, hdr.Mode, hdr.Size = tar.TypeReg, 0o644, fi.Size()
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		_, err = io.Copy(tw, f)
		return err
	})
	if err != nil {
		return err
	}
	return tw.Close()
}
