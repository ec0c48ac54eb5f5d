// Package artifact is what diet makes, whichever command makes it: an
// image or an image index, its SBOM, every file it holds with why it is
// there, and its size. diet build (package build) and diet slim (package
// slim) each return one inside their result; package publish writes one;
// nothing here writes or runs anything.
package artifact

import (
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dietimg/diet/internal/why"
)

// Artifact is an image or an image index with what is known of it.
type Artifact struct {
	// Name names the image in the SBOM and report, and gives the default
	// tag (NAME:latest) of destinations that need one.
	Name string `json:"name,omitempty"`
	// Image is the image; with an Index, the index's first image.
	Image v1.Image `json:"-"`
	// Index is the image index, when there is one: it is then what is
	// published.
	Index v1.ImageIndex `json:"-"`
	// Digest is the image's, or the index's.
	Digest v1.Hash `json:"digest"`
	// Size is the image's, or the sums over the index's images.
	Size Size `json:"size"`
	// Files are the image's paths, each with why it is there; nil where
	// a result lists them per platform (the images of an index, and each
	// platform's image of diet build, even a single one).
	Files []File `json:"files,omitempty"`
	// SBOM is the SPDX JSON document of everything the artifact ships;
	// nil for none.
	SBOM []byte `json:"-"`
	// Seccomp is the seccomp profile the program runs under; nil for
	// none.
	Seccomp []byte `json:"-"`
	// Created is when it was made as the image says it (the SBOM's and
	// referrers' time): SOURCE_DATE_EPOCH, the Unix epoch by default.
	Created time.Time `json:"-"`
}

// File is one path of an image and why it is there.
type File struct {
	Path   string     `json:"path"`
	Type   string     `json:"type,omitempty"` // file, dir, symlink
	Size   int64      `json:"size,omitempty"`
	Mode   string     `json:"mode,omitempty"`
	Link   string     `json:"link,omitempty"` // a symlink's target
	Reason why.Reason `json:"reason"`
	// Package is the Debian package the file came from.
	Package string `json:"package,omitempty"`
	// SHA256 and SHA1 are the digests of a regular file's content, for
	// the SBOM.
	SHA256 string `json:"sha256,omitempty"`
	SHA1   string `json:"-"`
	// HardLink names the path this file is a hard link to (one copy).
	HardLink string `json:"hard_link,omitempty"`
	// Xattrs names the extended attributes kept (security.capability...).
	Xattrs []string `json:"xattrs,omitempty"`
	// Platform is the platform of the image that holds the file, in a
	// list over the images of an index (the index's SBOM); "" elsewhere.
	Platform string `json:"platform,omitempty"`
}

// Add adds o's figures to s (an index's size is the sum of its images').
func (s *Size) Add(o Size) {
	s.Compressed += o.Compressed
	s.Uncompressed += o.Uncompressed
	s.Files += o.Files
}

// Why says why the file is there in words: its reason, then its platform
// in brackets when it has one ("loader of /x [linux/arm64]"), as the
// comments of diet's SBOMs say it.
func (f File) Why() string {
	if f.Platform == "" {
		return f.Reason.String()
	}
	return f.Reason.String() + " [" + f.Platform + "]"
}

// SetWhy sets f's Reason and Platform from words as Why says them.
func (f *File) SetWhy(words string) {
	f.Platform = ""
	if rest, ok := strings.CutSuffix(words, "]"); ok {
		if i := strings.LastIndex(rest, " ["); i >= 0 && isPlatform(rest[i+2:]) {
			words, f.Platform = rest[:i], rest[i+2:]
		}
	}
	f.Reason = why.Parse(words)
}

// isPlatform tells an os/arch[/variant] platform as v1.Platform.String
// writes it.
func isPlatform(s string) bool {
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 {
		return false
	}
	for _, p := range parts {
		if p == "" || strings.Trim(p, "abcdefghijklmnopqrstuvwxyz0123456789.") != "" {
			return false
		}
	}
	return true
}
