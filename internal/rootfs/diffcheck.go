package rootfs

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// diffChecked is a layer whose uncompressed stream is hashed as it is
// read: at its end, a diff ID other than the config's is an error.
type diffChecked struct {
	v1.Layer
	want v1.Hash
}

// tarStream is layerTar with the check.
func (l diffChecked) tarStream() (io.ReadCloser, error) {
	rc, err := layerTar(l.Layer)
	if err != nil {
		return nil, err
	}
	return &hashingReader{rc: rc, h: sha256.New(), want: l.want}, nil
}

type hashingReader struct {
	rc   io.ReadCloser
	h    hash.Hash
	want v1.Hash
}

func (r *hashingReader) Read(p []byte) (int, error) {
	n, err := r.rc.Read(p)
	r.h.Write(p[:n])
	if err == io.EOF {
		if got := "sha256:" + hex.EncodeToString(r.h.Sum(nil)); got != r.want.String() {
			return n, fmt.Errorf("the layer's content has diff ID %s, not the %s its config says", got, r.want)
		}
	}
	return n, err
}

func (r *hashingReader) Close() error { return r.rc.Close() }
