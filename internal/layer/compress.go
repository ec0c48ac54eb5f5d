package layer

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
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

// gzipWriter compresses what is written to it as one gzip member whose
// deflate stream is made of independently compressed blocks: each block
// of blockSize bytes is compressed with the 32 KiB before it as a preset
// dictionary and ends with a sync flush, the last one with the final
// block. Decompressors see a single ordinary stream; the bytes depend only
// on the input, so any number of goroutines gives the same result.
//
// Blocks are compressed by up to GOMAXPROCS goroutines and written to out
// in order as they finish; at most twice that many blocks are in memory
// at once, whatever the size of the stream.
type gzipWriter struct {
	out      io.Writer
	progress func(done int64)

	block   []byte // being filled
	full    []byte // a full block held back until it is known not to be the last
	dict    []byte // the dictSize bytes before full
	crc     uint32
	n       int64
	pending chan chan part // compressed blocks, in stream order
	sem     chan struct{}
	done    chan error // the result of the goroutine writing to out
	err     error
}

type part struct {
	b   []byte
	n   int // input bytes
	err error
}

var blockPool = sync.Pool{New: func() any { b := make([]byte, 0, blockSize); return &b }}

func newGzipWriter(out io.Writer, progress func(done int64)) (*gzipWriter, error) {
	// Header: magic, CM=deflate, no flags, MTIME=0, XFL=0, OS=unknown (as
	// Go's compress/gzip writes it).
	if _, err := out.Write([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255}); err != nil {
		return nil, err
	}
	procs := runtime.GOMAXPROCS(0)
	w := &gzipWriter{
		out:      out,
		progress: progress,
		block:    *blockPool.Get().(*[]byte),
		pending:  make(chan chan part, procs),
		sem:      make(chan struct{}, procs),
		done:     make(chan error, 1),
	}
	go w.drain()
	return w, nil
}

// drain writes the compressed blocks in order. After a failure it keeps
// receiving, so that the compressing goroutines never block.
func (w *gzipWriter) drain() {
	var err error
	var done int64
	for ch := range w.pending {
		p := <-ch
		if err == nil && p.err != nil {
			err = p.err
		}
		if err == nil {
			_, err = w.out.Write(p.b)
			done += int64(p.n)
			if err == nil && w.progress != nil {
				w.progress(done)
			}
		}
	}
	w.done <- err
}

func (w *gzipWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	w.crc = crc32.Update(w.crc, crc32.IEEETable, p)
	w.n += int64(len(p))
	total := len(p)
	for len(p) > 0 {
		if len(w.block) == blockSize {
			// More input follows: the held-back block was not the last.
			w.dispatch(false)
			w.full, w.block = w.block, (*blockPool.Get().(*[]byte))[:0]
		}
		k := copy(w.block[len(w.block):blockSize], p)
		w.block = w.block[:len(w.block)+k]
		p = p[k:]
	}
	return total, nil
}

// dispatch starts compressing the held-back full block, if there is one.
func (w *gzipWriter) dispatch(last bool) {
	if w.full == nil {
		return
	}
	block, dict := w.full, w.dict
	w.dict = append([]byte(nil), block[len(block)-dictSize:]...)
	w.full = nil
	w.start(block, dict, last)
}

func (w *gzipWriter) start(block, dict []byte, last bool) {
	ch := make(chan part, 1)
	w.pending <- ch // bounds the blocks in flight
	w.sem <- struct{}{}
	go func() {
		defer func() { <-w.sem }()
		b, err := deflateBlock(block, dict, last)
		ch <- part{b: b, n: len(block), err: err}
		block = block[:0]
		blockPool.Put(&block)
	}()
}

// Close compresses what is left, writes the trailer and waits for the
// last block to be written.
func (w *gzipWriter) Close() error {
	if w.err != nil {
		return w.err
	}
	w.err = errors.New("layer: gzip writer closed")
	switch {
	case len(w.block) == 0 && w.full != nil:
		// The stream ended on a block boundary: the held-back block is the last.
		w.dispatch(true)
	default:
		w.dispatch(false)
		w.start(w.block, w.dict, true)
	}
	close(w.pending)
	if err := <-w.done; err != nil {
		return err
	}
	var trailer [8]byte
	binary.LittleEndian.PutUint32(trailer[:4], w.crc)
	binary.LittleEndian.PutUint32(trailer[4:], uint32(w.n))
	_, err := w.out.Write(trailer[:])
	return err
}

func deflateBlock(block, dict []byte, last bool) ([]byte, error) {
	buf := &sliceWriter{b: make([]byte, 0, len(block)/2+64)}
	w, err := flate.NewWriterDict(buf, gzipLevel, dict)
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
	return buf.b, err
}

type sliceWriter struct{ b []byte }

func (s *sliceWriter) Write(p []byte) (int, error) { s.b = append(s.b, p...); return len(p), nil }

// newZstdWriter compresses as one zstd frame with fixed settings. One
// encoder goroutine keeps the output independent of the machine.
func newZstdWriter(out io.Writer) (*zstd.Encoder, error) {
	return zstd.NewWriter(out,
		zstd.WithEncoderLevel(zstd.SpeedDefault),
		zstd.WithEncoderConcurrency(1),
		zstd.WithEncoderCRC(true))
}
