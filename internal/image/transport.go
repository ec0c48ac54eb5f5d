package image

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dietimg/diet/internal/progress"
)

// Transport names.
const (
	OCI           = "oci"
	OCIArchive    = "oci-archive"
	DockerArchive = "docker-archive"
	DockerDaemon  = "docker-daemon"
	Docker        = "docker"
)

// Options are the settings shared by reads and writes.
type Options struct {
	// Tag names the image where the transport needs a name and the
	// location gives none (docker-archive, docker-daemon).
	Tag string
	// Insecure allows plain HTTP to the registry.
	Insecure bool
	// Platform picks one image out of an index on reads, and the image a
	// single-image transport keeps when writing an index.
	Platform *v1.Platform
	// Log is told of pushes and long writes, with a progress bar; nil
	// for none.
	Log *progress.Log
}

// Location is a parsed image location.
type Location struct {
	Transport string
	// Path is the directory or file of the file transports.
	Path string
	// Ref is the tag of oci and oci-archive, the reference of the others.
	Ref string
	// Bare is set for a reference given without a transport ("nginx:1"):
	// as with the Docker CLI, an image of that name in a local Docker
	// engine is read before a registry is asked.
	Bare bool
}

// String writes the location back in transport:location form.
func (l Location) String() string {
	switch {
	case l.Bare:
		return l.Ref
	case l.Transport == Docker:
		return "docker://" + l.Ref
	case l.Transport == DockerDaemon:
		return "docker-daemon:" + l.Ref
	}
	if l.Ref == "" {
		return l.Transport + ":" + l.Path
	}
	return l.Transport + ":" + l.Path + ":" + l.Ref
}

// IsFile reports whether the location is on the local file system.
func (l Location) IsFile() bool {
	return l.Transport == OCI || l.Transport == OCIArchive || l.Transport == DockerArchive
}

// Parse splits an image location into its transport and the rest. As in
// containers/image, the path of the file transports ends at the first
// colon after the transport name.
func Parse(s string) (Location, error) {
	if s == "" {
		return Location{}, fmt.Errorf("empty image location")
	}
	if ref, ok := strings.CutPrefix(s, "docker://"); ok {
		if ref == "" {
			return Location{}, fmt.Errorf("%s: no image reference after docker://", s)
		}
		return Location{Transport: Docker, Ref: ref}, nil
	}
	tr, rest, ok := strings.Cut(s, ":")
	switch tr {
	case OCI, OCIArchive, DockerArchive:
		if !ok || rest == "" {
			return Location{}, fmt.Errorf("%s: no path after %s:", s, tr)
		}
		p, ref, _ := strings.Cut(rest, ":")
		if p == "" {
			return Location{}, fmt.Errorf("%s: empty path", s)
		}
		return Location{Transport: tr, Path: p, Ref: ref}, nil
	case DockerDaemon:
		if rest == "" {
			return Location{}, fmt.Errorf("%s: no image reference after docker-daemon:", s)
		}
		return Location{Transport: DockerDaemon, Ref: rest}, nil
	case "containers-storage", "dir", "docker-image", "ostree", "sif", "tarball":
		return Location{}, fmt.Errorf("%s: transport %s is not supported (use oci:, oci-archive:, docker-archive:, docker-daemon: or docker://)", s, tr)
	}
	// A bare reference ("alpine:3", "localhost:5000/x") means docker://.
	if _, err := name.ParseReference(s); err != nil {
		return Location{}, fmt.Errorf("%s: neither a transport:location nor an image reference: %w", s, err)
	}
	return Location{Transport: Docker, Ref: s, Bare: true}, nil
}

func nameOptions(opts Options) []name.Option {
	if opts.Insecure {
		return []name.Option{name.Insecure}
	}
	return nil
}

// tagFor picks the name a single-image transport gives the image: the
// location's own, else opts.Tag, else none.
func tagFor(loc Location, opts Options) (name.Tag, bool, error) {
	s := loc.Ref
	if s == "" {
		s = opts.Tag
	}
	if s == "" {
		return name.Tag{}, false, nil
	}
	t, err := name.NewTag(s, nameOptions(opts)...)
	if err != nil {
		return name.Tag{}, false, fmt.Errorf("image name %q: %w", s, err)
	}
	return t, true, nil
}

// sidecarName keeps a tag usable as a file name.
var sidecarName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// Sidecar is where a file that goes with the image at l (an SBOM, a
// report) is kept, suffix included: inside an oci: layout as TAG+suffix
// ("image"+suffix without a tag), beside an archive as FILE+suffix, and
// nowhere ("") for a daemon or a registry. diet build writes there and
// diet inspect IMAGE reads there.
func (l Location) Sidecar(suffix string) string {
	switch l.Transport {
	case OCI:
		base := "image"
		if l.Ref != "" {
			base = sidecarName.ReplaceAllString(l.Ref, "_")
		}
		return filepath.Join(l.Path, base+suffix)
	case OCIArchive, DockerArchive:
		return l.Path + suffix
	}
	return ""
}
