package layer

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"io/fs"
	"math/rand/v2"
	"testing"
	"time"
)

// pinEntries is a fixed set of entries whose layer digests are pinned
// below, so that a change of the bytes diet writes shows here. The gzip
// digest is the one the in-memory writer this package had before it
// streamed gave; the zstd one changed with streaming (klauspost's
// streaming encoder does not give EncodeAll's bytes).
func pinEntries() []Entry {
	rng := rand.New(rand.NewPCG(7, 8))
	big := make([]byte, 2*blockSize+777)
	for i := range big {
		big[i] = byte(rng.IntN(16))
	}
	exact := make([]byte, blockSize-3*512) // with its header and the next, the tar ends near a block boundary
	for i := range exact {
		exact[i] = byte(i % 251)
	}
	return []Entry{
		{Path: "/usr/bin/big", Mode: 0o755, Data: big},
		{Path: "/etc/exact", Mode: 0o644, Data: exact},
		{Path: "/tmp", Mode: fs.ModeDir | fs.ModeSticky | 0o777},
		{Path: "/usr/bin/su", Mode: fs.ModeSetuid | 0o755, UID: 0, GID: 0, Data: []byte("su")},
		{Path: "/var/mail", Mode: fs.ModeDir | fs.ModeSetgid | 0o2775, GID: 8},
		{Path: "/lib64", Mode: fs.ModeSymlink | 0o777, Link: "usr/lib64"},
		{Path: "/home/u/a-very-long-name-that-does-not-fit-in-the-ustar-name-field-of-one-hundred-bytes-at-all.txt", Mode: 0o600, UID: 1000, GID: 1000, Data: []byte("long")},
	}
}

func TestDigestsPinned(t *testing.T) {
	epoch := time.Unix(1700000000, 0)
	for _, tc := range []struct {
		compression, digest, diffID string
	}{
		{Gzip, "sha256:42d46ee9f9f96b0afe203a79e958e0d0a150d860e3fb5f2979fb34e52cae1189", "sha256:316a842e813bee9c3030ba68f766dd167d9efd59ff4b2d34b1d7c6151682f240"},
		{Zstd, "sha256:8cd777295f77f9e492e7bb356103c67476ce0526d50a49f208f0cf7f9cd756f5", "sha256:316a842e813bee9c3030ba68f766dd167d9efd59ff4b2d34b1d7c6151682f240"},
	} {
		l, err := Build(pinEntries(), Options{Epoch: epoch, Compression: tc.compression})
		if err != nil {
			t.Fatal(err)
		}
		d, _ := l.Digest()
		diff, _ := l.DiffID()
		if d.String() != tc.digest || diff.String() != tc.diffID {
			t.Errorf("%s: digest %s diff id %s, want %s %s", tc.compression, d, diff, tc.digest, tc.diffID)
		}
	}
}

// gzipReference is the in-memory parallel gzip this package had before it
// streamed, kept as the reference the streaming writer must match.
func gzipReference(b []byte) []byte {
	n := max((len(b)+blockSize-1)/blockSize, 1)
	out := []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255}
	for i := range n {
		start := i * blockSize
		end := min(start+blockSize, len(b))
		var dict []byte
		if start > 0 {
			dict = b[max(0, start-dictSize):start]
		}
		p, err := deflateBlock(b[start:end], dict, i == n-1)
		if err != nil {
			panic(err)
		}
		out = append(out, p...)
	}
	out = binary.LittleEndian.AppendUint32(out, crc32.ChecksumIEEE(b))
	return binary.LittleEndian.AppendUint32(out, uint32(len(b)))
}

// TestGzipWriterMatchesReference writes streams ending on, just before
// and just after block boundaries, in writes of odd sizes.
func TestGzipWriterMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, dictSize, blockSize - 1, blockSize, blockSize + 1, 2 * blockSize, 3*blockSize + 12345} {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.IntN(5))
		}
		var buf bytes.Buffer
		w, err := newGzipWriter(&buf, nil)
		if err != nil {
			t.Fatal(err)
		}
		for rest := b; len(rest) > 0; {
			k := min(len(rest), 1+rng.IntN(3*blockSize/2))
			if _, err := w.Write(rest[:k]); err != nil {
				t.Fatal(err)
			}
			rest = rest[k:]
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), gzipReference(b)) {
			t.Errorf("%d bytes: the streaming writer differs from the reference", n)
		}
	}
}
