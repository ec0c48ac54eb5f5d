package layer

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"runtime"
	"sync"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/zstd"
)

// blockSize is the unit of parallel gzip compression. The output depends on
// it, never on the number of cores, so it must not change lightly: doing so
// changes every layer digest diet produces.
const blockSize = 1 << 20

// gzipLevel trades a few percent of size for half the time of the
// default level: klauspost's level 2 compresses a 10 MB Go binary to 68%
// where level 6 reaches 65%, in half the CPU time. Changing it changes
// every layer digest diet produces.
const gzipLevel = 2

// dictSize is how much of the previous block primes each block's
// compressor, the whole deflate window, so that splitting costs little.
const dictSize = 32 << 10

// gzipParallel compresses b as one gzip member whose deflate stream is made
// of independently compressed blocks: each block is compressed with the 32
// KiB before it as a preset dictionary and ends with a sync flush, the last
// one with the final block. Decompressors see a single ordinary stream; the
// bytes depend only on the input, so any number of goroutines gives the same
// result.
func gzipParallel(b []byte, progress func(done, total int64)) ([]byte, error) {
	n := (len(b) + blockSize - 1) / blockSize
	if n == 0 {
		n = 1
	}
	parts := make([][]byte, n)
	errs := make([]error, n)
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	var mu sync.Mutex
	var done int64
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer func() { <-sem; wg.Done() }()
			start := i * blockSize
			end := min(start+blockSize, len(b))
			var dict []byte
			if start > 0 {
				dict = b[max(0, start-dictSize):start]
			}
			parts[i], errs[i] = deflateBlock(b[start:end], dict, i == n-1)
			if progress != nil {
				mu.Lock()
				done += int64(end - start)
				progress(done, int64(len(b)))
				mu.Unlock()
			}
		}(i)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	size := 18
	for _, p := range parts {
		size += len(p)
	}
	out := make([]byte, 0, size)
	// Header: magic, CM=deflate, no flags, MTIME=0, XFL=0, OS=unknown (as
	// Go's compress/gzip writes it).
	out = append(out, 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255)
	for _, p := range parts {
		out = append(out, p...)
	}
	out = binary.LittleEndian.AppendUint32(out, crc32.ChecksumIEEE(b))
	out = binary.LittleEndian.AppendUint32(out, uint32(len(b)))
	return out, nil
}

func deflateBlock(block, dict []byte, last bool) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(block)/2 + 64)
	w, err := flate.NewWriterDict(&buf, gzipLevel, dict)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(block); err != nil {
		return nil, err
	}
	if last {
		err = w.Close()
	} else {
		err = w.Flush()
	}
	return buf.Bytes(), err
}

// zstdCompress compresses b as one zstd frame with fixed settings. One
// encoder goroutine keeps the output independent of the machine.
func zstdCompress(b []byte) ([]byte, error) {
	enc, err := zstd.NewWriter(nil,
		zstd.WithEncoderLevel(zstd.SpeedDefault),
		zstd.WithEncoderConcurrency(1),
		zstd.WithEncoderCRC(true))
	if err != nil {
		return nil, err
	}
	defer enc.Close()
	return enc.EncodeAll(b, make([]byte, 0, len(b)/3+64)), nil
}
