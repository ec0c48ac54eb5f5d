package sbom

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"io"

	"github.com/dietimg/diet/internal/artifact"
)

// Checksums reads r once for the SHA1 and SHA256 a file of the document
// carries, and its size; the other fields are left for the caller.
func Checksums(r io.Reader) (artifact.File, error) {
	h1, h256 := sha1.New(), sha256.New()
	n, err := io.Copy(io.MultiWriter(h1, h256), r)
	if err != nil {
		return artifact.File{}, err
	}
	return artifact.File{Size: n, SHA1: hex.EncodeToString(h1.Sum(nil)), SHA256: hex.EncodeToString(h256.Sum(nil))}, nil
}
