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

	"github.com/dietimg/diet/internal/artifact"
	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/progress"
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

// Options tunes Write.
type Options struct {
	// Image is passed to internal/image (tag, insecure, platform,
	// progress).
	Image image.Options
	// Log, when set, is told one line per thing written.
	Log *progress.Log
}

// Published says where Write put things. Embedded in a report, its
// fields say where the report and its SBOM went.
type Published struct {
	// Output is the destination the image was written to.
	Output string `json:"output,omitempty"`
	// Digest is the image's or index's digest.
	Digest v1.Hash `json:"-"`
	// SBOMPath, ReportPath and SeccompPath are the sidecar files ("" for
	// none).
	SBOMPath    string `json:"sbom_path,omitempty"`
	ReportPath  string `json:"report_path,omitempty"`
	SeccompPath string `json:"seccomp_path,omitempty"`
	// SBOMDigest and SeccompDigest are the digests of the SBOM's and the
	// profile's referrers on a push ("" for none).
	SBOMDigest    string `json:"sbom_attached,omitempty"`
	SeccompDigest string `json:"seccomp_attached,omitempty"`
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

// Plan says where Write puts a at dest, before anything is written: the
// sidecar files of a's SBOM, seccomp profile and (withReport) report. A
// report that records where it goes embeds what Plan returns.
func Plan(dest string, a artifact.Artifact, withReport bool) (Published, error) {
	_, pub, err := plan(dest, a, withReport)
	return pub, err
}

func plan(dest string, a artifact.Artifact, withReport bool) (image.Location, Published, error) {
	loc, err := image.Parse(dest)
	if err != nil {
		return loc, Published{}, err
	}
	pub := Published{Output: dest}
	if sp := loc.Sidecar(SBOMSuffix); sp != "" && a.SBOM != nil {
		pub.SBOMPath = sp
	}
	if rp := loc.Sidecar(ReportSuffix); rp != "" && withReport {
		pub.ReportPath = rp
	}
	if sp := loc.Sidecar(SeccompSuffix); sp != "" && a.Seccomp != nil {
		pub.SeccompPath = sp
	}
	return loc, pub, nil
}

// Write stores a's index (or, without one, its image) at dest, then its
// SBOM, seccomp profile and report (any value, written as indented JSON;
// nil for none): as sidecar files for oci:, oci-archive: and
// docker-archive: (where Plan says), the SBOM and the profile as
// referrers of the pushed image for docker://, nothing more for
// docker-daemon:. Sidecars are written to a temporary name and renamed.
func Write(ctx context.Context, dest string, a artifact.Artifact, report any, opts Options) (Published, error) {
	loc, pub, err := plan(dest, a, report != nil)
	if err != nil {
		return pub, err
	}
	if a.Image == nil && a.Index == nil {
		return pub, errors.New("publish: no image to write")
	}
	iopts := opts.Image
	if iopts.Log == nil {
		iopts.Log = opts.Log // the bars of long writes and pushes
	}
	if iopts.Tag == "" && a.Name != "" && (loc.Transport == image.DockerArchive || loc.Transport == image.DockerDaemon) && loc.Ref == "" {
		iopts.Tag = defaultTag(a.Name)
	}
	var subject *v1.Descriptor
	if a.Index != nil {
		if subject, err = partial.Descriptor(a.Index); err == nil {
			err = image.WriteIndex(ctx, dest, a.Index, iopts)
		}
	} else if subject, err = partial.Descriptor(a.Image); err == nil {
		err = image.Write(ctx, dest, a.Image, iopts)
	}
	if err != nil {
		return pub, err
	}
	pub.Digest = subject.Digest
	opts.Log.Printf("wrote %s (%s)", dest, pub.Digest)
	// The SBOM and the profile: attached on a push, else beside the image
	// where Plan says.
	created := map[string]string{"org.opencontainers.image.created": a.Created.UTC().Format(time.RFC3339)}
	for _, x := range []struct {
		what, mediaType string
		data            []byte
		path            string
		digest          *string
	}{
		{"the SBOM", image.SPDXMediaType, a.SBOM, pub.SBOMPath, &pub.SBOMDigest},
		{"the seccomp profile", SeccompMediaType, a.Seccomp, pub.SeccompPath, &pub.SeccompDigest},
	} {
		if loc.Transport == image.Docker && x.data != nil {
			d, err := image.Attach(ctx, dest, *subject, x.mediaType, x.data, created, iopts)
			if err != nil {
				return pub, err
			}
			*x.digest = d.String()
			opts.Log.Printf("attached %s to %s (%s)", x.what, dest, d)
		}
		if x.path != "" {
			if err := safefile.WriteBytes(x.path, x.data); err != nil {
				return pub, fmt.Errorf("writing %s: %w", x.what, err)
			}
		}
	}
	if pub.ReportPath != "" {
		rb, err := json.MarshalIndent(report, "", "  ")
		if err != nil {
			return pub, err
		}
		if err := safefile.WriteBytes(pub.ReportPath, append(rb, '\n')); err != nil {
			return pub, fmt.Errorf("writing the report: %w", err)
		}
	}
	return pub, nil
}
