package image

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/dietimg/diet/internal/dockercli"
	"github.com/dietimg/diet/internal/progress"
)

// The Docker engine is reached through the docker command, not through
// the engine's Go client (which go-containerregistry's daemon package
// uses): the client library would add about 5 MB to diet, while the
// command is there wherever an engine is, negotiates the API version with
// it, and honours DOCKER_HOST, DOCKER_CONTEXT and the TLS settings the
// user already has. Images go in with `docker load` and come out with
// `docker save`, both in the docker-archive format; dockercli.Run runs
// the commands.

// daemonRef checks the reference of docker-daemon:REF, which goes to the
// docker command as an argument: it must not look like a flag.
func daemonRef(ref string) (name.Reference, error) {
	if strings.HasPrefix(ref, "-") {
		return nil, fmt.Errorf("image name %q: starts with a dash", ref)
	}
	r, err := name.ParseReference(ref)
	if err != nil {
		return nil, fmt.Errorf("image name %q: %w", ref, err)
	}
	return r, nil
}

// daemonHas reports whether a Docker engine answers here and has an
// image called ref. It asks for a few seconds at most: no engine means no.
func daemonHas(ctx context.Context, ref string) bool {
	if _, err := daemonRef(ref); err != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return dockercli.Run(ctx, "docker", nil, io.Discard, "image", "inspect", "--format", "{{.Id}}", "--", ref) == nil
}

// readDaemon saves the image ref from the engine. The archive goes to a
// temporary file that is unlinked at once: the open file keeps its data
// for as long as the returned image (which reads it lazily) is
// reachable, and the space is freed when the file is collected or the
// process ends, whichever way it ends. Nothing is left in the temporary
// directory.
func readDaemon(ctx context.Context, ref string) (v1.Image, error) {
	if _, err := daemonRef(ref); err != nil {
		return nil, err
	}
	// The inspect tells a missing image from other failures, which
	// docker save does not. Its ID is not compared with the saved
	// image's: with the containerd image store it names the manifest,
	// not the config.
	if err := dockercli.Run(ctx, "docker", nil, io.Discard, "image", "inspect", "--format", "{{.Id}}", "--", ref); err != nil {
		var de *dockercli.Error
		if errors.As(err, &de) && strings.Contains(strings.ToLower(de.Stderr), "no such image") {
			return nil, fmt.Errorf("image %s not found in the Docker engine", ref)
		}
		return nil, err
	}
	f, err := os.CreateTemp("", "diet-docker-save-*.tar")
	if err != nil {
		return nil, err
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, err
	}
	if err := dockercli.Run(ctx, "docker", nil, f, "save", "--", ref); err != nil {
		f.Close()
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	opener := func() (io.ReadCloser, error) {
		return sectionFile{io.NewSectionReader(f, 0, fi.Size())}, nil
	}
	img, err := tarball.Image(opener, nil)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("reading the output of docker save: %w", err)
	}
	return img, nil
}

// sectionFile is one reader of the saved archive. It keeps Seek, which
// archive/tar uses to skip the layers it is not after, and leaves the
// shared file open on Close.
type sectionFile struct{ *io.SectionReader }

func (sectionFile) Close() error { return nil }

// writeDaemon streams img into `docker load` as a docker-archive tagged
// tag.
func writeDaemon(ctx context.Context, tag name.Tag, img v1.Image, log *progress.Log) error {
	if _, err := daemonRef(tag.String()); err != nil {
		return err
	}
	var to []tarball.WriteOption
	if log != nil {
		ch, done := updates(log, "loading "+tag.String()+" into docker")
		defer done(true)
		to = append(to, tarball.WithProgress(ch))
	}
	pr, pw := io.Pipe()
	werr := make(chan error, 1)
	go func() {
		err := tarball.Write(tag, img, pw, to...)
		pw.CloseWithError(err)
		werr <- err
	}()
	var out bytes.Buffer
	err := dockercli.Run(ctx, "docker", pr, &out, "load")
	// docker may stop reading early; the writer must not block forever.
	pr.CloseWithError(io.ErrClosedPipe)
	if e := <-werr; e != nil && !errors.Is(e, io.ErrClosedPipe) {
		return fmt.Errorf("writing the image for docker load: %w", e)
	}
	if err != nil {
		return loadError(err, img)
	}
	if !strings.Contains(out.String(), "Loaded image") {
		return loadError(fmt.Errorf("docker load: no image loaded: %s", strings.TrimSpace(out.String())), img)
	}
	return nil
}

// loadError adds to a failed docker load the likely cause when the image
// has zstd layers, which engines before Docker 23 cannot read (the
// runtime package recompresses such layers with gzip before it loads).
func loadError(err error, img v1.Image) error {
	if layers, lerr := img.Layers(); lerr == nil {
		for _, l := range layers {
			if mt, _ := l.MediaType(); mt == types.OCILayerZStd {
				return fmt.Errorf("%w (this Docker engine may not read zstd layers: use gzip)", err)
			}
		}
	}
	return err
}
