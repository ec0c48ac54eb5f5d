// Package slice selects part of an input with Python's slice notation
// (start:end:step) over lines, bytes, characters, grapheme clusters or
// delimited records. It is the engine behind cmd/slice.
//
// Two code paths exist. A regular file is read at any offset: ranges
// counted from the end and negative steps read it backwards in blocks, so
// memory stays bounded whatever the file's size. Any other input is read
// once, forwards, keeping only the elements the range may still select.
package slice

import (
	"errors"
	"io"
	"strconv"
)

// Version is slice's own version, printed by --version.
const Version = "0.1.0"

// Mode is the kind of element a range counts.
type Mode int

const (
	// Records are delimited by Options.Delim ("\n" when empty): lines,
	// NUL-terminated records or any literal delimiter.
	Records Mode = iota
	// Bytes are single bytes.
	Bytes
	// Chars are UTF-8 code points; each invalid byte is one element.
	Chars
	// Graphemes are extended grapheme clusters (UAX #29); each invalid byte
	// is one element and ends the cluster before it.
	Graphemes
)

// DefaultBufSize is the read and write buffer size when none is given:
// large enough that a 1 GB file needs few system calls, small enough to
// cost little to a process that prints ten lines.
const DefaultBufSize = 1 << 20

// Options says how to split the input into elements.
type Options struct {
	Mode      Mode
	Delim     []byte // for Records; "\n" when empty
	BufSize   int    // read buffer size; DefaultBufSize when 0
	MaxRecord int64  // largest record held in memory; 0 means unlimited
}

// Input is one source. R is always read from its current position; when
// the source is a regular file, At and Size also describe it (At reads the
// same bytes, offset 0 being R's current position), and ranges counted from
// the end read it backwards.
type Input struct {
	R    io.Reader
	At   io.ReaderAt
	Size int64
}

// WriteError is a failure to write the output. The caller stops at the
// first one; a broken pipe is the reader going away, not an error to print.
type WriteError struct{ Err error }

func (e *WriteError) Error() string { return "write error: " + e.Err.Error() }
func (e *WriteError) Unwrap() error { return e.Err }

// RecordTooLargeError is a record larger than Options.MaxRecord in a range
// that holds records in memory.
type RecordTooLargeError struct{ Max int64 }

func (e *RecordTooLargeError) Error() string {
	return "record exceeds --max-record-size=" + strconv.FormatInt(e.Max, 10) +
		" bytes in line/delimiter/grapheme mode; use --max-record-size=unlimited to allow larger records"
}

// Run writes the elements of in that r selects to w.
func Run(w *Writer, in Input, r Range, o Options) error {
	if r.Empty() {
		return nil // nothing to select, whatever the input: read none of it
	}
	if o.BufSize <= 0 {
		o.BufSize = DefaultBufSize
	}
	if o.Mode == Records && len(o.Delim) == 0 {
		o.Delim = []byte{'\n'}
	}
	var err error
	var fd finder
	// A regular file read backwards holds no records; with a record size
	// limit, read it forwards like any input so that the limit applies
	// to the same records whatever the input.
	holds := o.MaxRecord > 0 && (r.NeedsLen() || r.Back) && (o.Mode == Records || o.Mode == Graphemes)
	if in.At != nil && !holds {
		fd = newFinder(in.At, in.Size, r, o)
	}
	switch {
	case fd != nil:
		err = runFile(w, fd, in.At, in.Size, r, o)
	case o.Mode == Bytes:
		err = runBytes(w, newReader(in.R, o.BufSize), r)
	default:
		err = runStream(w, newReader(in.R, o.BufSize), r, o)
	}
	if err == nil && w.err != nil {
		err = &WriteError{w.err}
	}
	return err
}

// Writer buffers the output and remembers the first write error, after
// which it writes nothing more.
type Writer struct {
	w   io.Writer
	buf []byte
	max int // the buffer grows up to max as the output proves large
	err error
}

// NewWriter returns a Writer on w with a buffer of size bytes.
func NewWriter(w io.Writer, size int) *Writer {
	if size <= 0 {
		size = DefaultBufSize
	}
	return &Writer{w: w, buf: make([]byte, 0, min(size, 4<<10)), max: size}
}

// Write buffers p; large writes go straight through.
func (b *Writer) Write(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if len(b.buf)+len(p) > cap(b.buf) {
		b.Flush()
		if cap(b.buf) < b.max {
			b.buf = make([]byte, 0, min(4*cap(b.buf), b.max))
		}
		if len(p) >= cap(b.buf) {
			if b.err == nil {
				_, b.err = b.w.Write(p)
			}
			return len(p), b.err
		}
	}
	b.buf = append(b.buf, p...)
	return len(p), nil
}

// WriteString buffers s.
func (b *Writer) WriteString(s string) {
	if len(b.buf)+len(s) <= cap(b.buf) {
		b.buf = append(b.buf, s...)
		return
	}
	b.Write([]byte(s))
}

func (b *Writer) writeByte(c byte) {
	if len(b.buf) == cap(b.buf) {
		b.Flush()
		if cap(b.buf) < b.max {
			b.buf = make([]byte, 0, min(4*cap(b.buf), b.max))
		}
	}
	b.buf = append(b.buf, c)
}

// Flush writes the buffer out and returns the first write error.
func (b *Writer) Flush() error {
	if b.err == nil && len(b.buf) > 0 {
		_, b.err = b.w.Write(b.buf)
	}
	b.buf = b.buf[:0]
	return b.err
}

// ReadError is a failure to read the input.
type ReadError struct{ Err error }

func (e *ReadError) Error() string { return e.Err.Error() }
func (e *ReadError) Unwrap() error { return e.Err }

// reader is a forward reader that keeps unconsumed bytes and grows its
// buffer only when one element does not fit.
type reader struct {
	r        io.Reader
	buf      []byte
	pos, end int
	max      int
	eof      bool
	err      error
}

func newReader(r io.Reader, size int) *reader {
	// Start small: a range that stops after a few lines should not pay for
	// a large buffer.
	return &reader{r: r, buf: make([]byte, min(size, 4<<10)), max: size}
}

// more makes sure unconsumed bytes are at hand, reading when there are
// none or when the caller wants more (the last of them are an element cut
// by the end of the buffer). It reports false at the end of the input or
// on a read error, which it returns.
func (rd *reader) more(want bool) (bool, error) {
	if rd.pos < rd.end && !want || rd.fill() {
		return true, nil
	}
	if rd.err != nil {
		return false, &ReadError{rd.err}
	}
	return rd.pos < rd.end, nil
}

// fill reads once more, keeping buf[pos:end]. It reports whether new bytes
// arrived.
func (rd *reader) fill() bool {
	if rd.eof || rd.err != nil {
		return false
	}
	if rd.pos > 0 {
		n := copy(rd.buf, rd.buf[rd.pos:rd.end])
		rd.pos, rd.end = 0, n
	}
	if rd.end == len(rd.buf) {
		nb := make([]byte, max(2*len(rd.buf), rd.max))
		copy(nb, rd.buf[:rd.end])
		rd.buf = nb
	} else if len(rd.buf) < rd.max && rd.end == 0 {
		rd.buf = make([]byte, min(2*len(rd.buf), rd.max))
	}
	for {
		n, err := rd.r.Read(rd.buf[rd.end:])
		rd.end += n
		if err != nil {
			if errors.Is(err, io.EOF) {
				rd.eof = true
			} else {
				rd.err = err
			}
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
}
