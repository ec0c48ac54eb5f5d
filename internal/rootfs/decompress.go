package rootfs

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// layerTar opens a layer's tar stream, decompressing it with klauspost's
// gzip and zstd rather than go-containerregistry's (the standard
// library's inflate): the decompression is a large part of an unpack, and
// klauspost's inflate takes about two thirds of the time. The
// compression is told by the stream's magic bytes, as
// go-containerregistry's Uncompressed tells it; a layer whose media type
// says it is not compressed is read as it is (asking it for its
// compressed form would compress it).
func layerTar(l v1.Layer) (io.ReadCloser, error) {
	if mt, err := l.MediaType(); err == nil && uncompressedType(string(mt)) {
		return l.Uncompressed()
	}
	rc, err := l.Compressed()
	if err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(rc, 64<<10)
	magic, _ := br.Peek(4)
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(br)
		if err != nil {
			rc.Close()
			return nil, fmt.Errorf("reading gzip: %w", err)
		}
		return readCloser{zr, func() error { zr.Close(); return rc.Close() }}, nil
	case bytes.HasPrefix(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
		if err != nil {
			rc.Close()
			return nil, fmt.Errorf("reading zstd: %w", err)
		}
		return readCloser{zr, func() error { zr.Close(); return rc.Close() }}, nil
	}
	return readCloser{br, rc.Close}, nil
}

// uncompressedType says whether a layer media type is a plain tar (OCI's
// ...layer.v1.tar, Docker's ...rootfs.diff.tar).
func uncompressedType(mt string) bool { return strings.HasSuffix(mt, ".tar") }

type readCloser struct {
	io.Reader
	close func() error
}

func (r readCloser) Close() error { return r.close() }
