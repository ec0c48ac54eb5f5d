package rootfs

import "io"

// readAhead reads its source in a goroutine of its own, a few chunks ahead
// of the caller, so that decompressing a layer (one core) overlaps with
// writing its files (the file system's time): an unpack then takes about
// the longer of the two rather than their sum.
type readAhead struct {
	full chan chunk  // chunks read, in order
	free chan []byte // buffers the reader is done with
	stop chan struct{}
	done chan struct{} // closed when the goroutine no longer reads
	cur  []byte        // what is left of the chunk being read
	buf  []byte        // the buffer cur is in, returned to free when used up
	err  error         // the error that ended the source, after cur
}

type chunk struct {
	b   []byte
	err error
}

const (
	readAheadChunk   = 1 << 20
	readAheadBuffers = 4
)

func newReadAhead(r io.Reader) *readAhead {
	ra := &readAhead{
		full: make(chan chunk, readAheadBuffers),
		free: make(chan []byte, readAheadBuffers),
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	for range readAheadBuffers {
		ra.free <- make([]byte, readAheadChunk)
	}
	go ra.fill(r)
	return ra
}

func (ra *readAhead) fill(r io.Reader) {
	defer close(ra.done)
	for {
		var b []byte
		select {
		case b = <-ra.free:
		case <-ra.stop:
			return
		}
		n, err := io.ReadFull(r, b)
		if err == io.ErrUnexpectedEOF {
			err = io.EOF
		}
		select {
		case ra.full <- chunk{b[:n], err}:
		case <-ra.stop:
			return
		}
		if err != nil {
			return
		}
	}
}

func (ra *readAhead) Read(p []byte) (int, error) {
	for len(ra.cur) == 0 {
		if ra.err != nil {
			return 0, ra.err
		}
		if ra.buf != nil {
			ra.free <- ra.buf[:cap(ra.buf)]
			ra.buf = nil
		}
		c := <-ra.full
		ra.buf, ra.cur, ra.err = c.b, c.b, c.err
	}
	n := copy(p, ra.cur)
	ra.cur = ra.cur[n:]
	return n, nil
}

// Close stops the goroutine and waits until it no longer reads the source,
// which the caller may then close.
func (ra *readAhead) Close() error {
	close(ra.stop)
	<-ra.done
	return nil
}
