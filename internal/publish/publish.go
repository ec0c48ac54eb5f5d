// Package publish writes what diet makes: an image or an image index,
// and its extras, to any transport internal/image writes. It owns where
// the extras go and how they are found again: the SPDX SBOM and the JSON
// report as sidecar files inside an oci:DIR layout (TAG.sbom.spdx.json,
// TAG.report.json) or beside an archive (FILE.sbom.spdx.json,
// FILE.report.json), or, on a push to a registry, the SBOM attached to
// the image as an OCI referrer. diet build and diet slim both publish
// through Write; diet inspect and diet size find the SBOM with FindSBOM.
package publish

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"

	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/safefile"
)

// The suffixes of the sidecar files (see image.Location.Sidecar).
const (
	SBOMSuffix    = ".sbom.spdx.json"
	ReportSuffix  = ".report.json"
	SeccompSuffix = ".seccomp.json"
)

// SeccompMediaType is the artifact type of a seccomp profile attached to
// an image (no registered type exists; the profile is the JSON Docker and
// the OCI runtime spec take).
const SeccompMediaType = "application/vnd.dietimg.seccomp.v1+json"

// Artifact is what Write publishes.
type Artifact struct {
	// Image or Index is the thing to write; exactly one is set.
	Image v1.Image
	Index v1.ImageIndex
	// SBOM is the SPDX JSON document of the image; nil for none.
	SBOM []byte
	// Seccomp is the image's seccomp profile; nil for none. It goes
	// where the SBOM goes.
	Seccomp []byte
	// Report is written as indented JSON beside the image; nil for none.
	// It is marshalled after Options.Written has run.
	Report any
	// Name gives the default tag (NAME:latest) for docker-archive and
	// docker-daemon destinations that name no image, when Options.Image
	// has no Tag; "" for none (a docker-archive is then untagged).
	Name string
	// Epoch is the SBOM referrer's org.opencontainers.image.created.
	Epoch time.Time
}

// Options tunes Write.
type Options struct {
	// Image is passed to internal/image (tag, insecure, platform,
	// progress).
	Image image.Options
	// Written, when set, is called once the image is written, with where
	// everything goes, before the SBOM and the report are; a report that
	// records its own paths fills them in here.
	Written func(Published)
	// Log, when set, receives one line per thing written.
	Log func(format string, args ...any)
}

// Published says where Write put things.
type Published struct {
	// Output is the destination the image was written to.
	Output string
	// Digest is the image's or index's digest.
	Digest v1.Hash
	// SBOMPath and ReportPath are the sidecar files ("" for none).
	SBOMPath   string
	ReportPath string
	// SBOMDigest is the digest of the SBOM referrer on a push (zero for
	// none).
	SBOMDigest v1.Hash
	// SeccompPath is the profile's sidecar file, SeccompDigest its
	// referrer on a push.
	SeccompPath   string
	SeccompDigest v1.Hash
}

var safeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// defaultTag names the image for transports that need a name when none
// is given: NAME:latest, NAME made safe.
func defaultTag(name string) string {
	n := strings.ToLower(safeName.ReplaceAllString(name, "-"))
	n = strings.Trim(n, "-._")
	if n == "" {
		n = "image"
	}
	return n + ":latest"
}

// Write stores a's image or index at dest, then its SBOM and report:
// as sidecar files for oci:, oci-archive: and docker-archive:, the SBOM
// as a referrer of the pushed image for docker://, nothing more for
// docker-daemon:. Sidecars are written to a temporary name and renamed.
func Write(ctx context.Context, dest string, a Artifact, opts Options) (Published, error) {
	pub := Published{}
	loc, err := image.Parse(dest)
	if err != nil {
		return pub, err
	}
	if (a.Image == nil) == (a.Index == nil) {
		return pub, errors.New("publish: want an image or an index")
	}
	iopts := opts.Image
	if iopts.Tag == "" && a.Name != "" && (loc.Transport == image.DockerArchive || loc.Transport == image.DockerDaemon) && loc.Ref == "" {
		iopts.Tag = defaultTag(a.Name)
	}
	var subject *v1.Descriptor
	if a.Index != nil {
		subject, err = partial.Descriptor(a.Index)
	} else {
		subject, err = partial.Descriptor(a.Image)
	}
	if err != nil {
		return pub, err
	}
	pub.Digest = subject.Digest
	if a.Index != nil {
		err = image.WriteIndex(ctx, dest, a.Index, iopts)
	} else {
		err = image.Write(ctx, dest, a.Image, iopts)
	}
	if err != nil {
		return pub, err
	}
	pub.Output = dest
	logf(opts, "wrote %s (%s)", dest, pub.Digest)
	if sp := loc.Sidecar(SBOMSuffix); sp != "" && a.SBOM != nil {
		pub.SBOMPath = sp
	}
	if rp := loc.Sidecar(ReportSuffix); rp != "" && a.Report != nil {
		pub.ReportPath = rp
	}
	if sp := loc.Sidecar(SeccompSuffix); sp != "" && a.Seccomp != nil {
		pub.SeccompPath = sp
	}
	if opts.Written != nil {
		opts.Written(pub)
	}
	if loc.Transport == image.Docker && a.SBOM != nil {
		d, err := image.Attach(ctx, dest, *subject, image.SPDXMediaType, a.SBOM,
			map[string]string{"org.opencontainers.image.created": a.Epoch.UTC().Format(time.RFC3339)}, iopts)
		if err != nil {
			return pub, err
		}
		pub.SBOMDigest = d
		logf(opts, "attached the SBOM to %s (%s)", dest, d)
	}
	if loc.Transport == image.Docker && a.Seccomp != nil {
		d, err := image.Attach(ctx, dest, *subject, SeccompMediaType, a.Seccomp,
			map[string]string{"org.opencontainers.image.created": a.Epoch.UTC().Format(time.RFC3339)}, iopts)
		if err != nil {
			return pub, err
		}
		pub.SeccompDigest = d
		logf(opts, "attached the seccomp profile to %s (%s)", dest, d)
	}
	if pub.SeccompPath != "" {
		if err := safefile.WriteBytes(pub.SeccompPath, a.Seccomp); err != nil {
			return pub, fmt.Errorf("writing the seccomp profile: %w", err)
		}
	}
	if pub.SBOMPath != "" {
		if err := safefile.WriteBytes(pub.SBOMPath, a.SBOM); err != nil {
			return pub, fmt.Errorf("writing the SBOM: %w", err)
		}
	}
	if pub.ReportPath != "" {
		rb, err := json.MarshalIndent(a.Report, "", "  ")
		if err != nil {
			return pub, err
		}
		if err := safefile.WriteBytes(pub.ReportPath, append(rb, '\n')); err != nil {
			return pub, fmt.Errorf("writing the report: %w", err)
		}
	}
	return pub, nil
}

func logf(opts Options, format string, args ...any) {
	if opts.Log != nil {
		opts.Log(format, args...)
	}
}
