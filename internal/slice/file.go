package slice

import (
	"bytes"
	"io"
)

// finder locates element boundaries in a regular file and walks a region
// of it backwards.
type finder interface {
	// at returns the offset where the element that b designates starts,
	// or def when b is unset.
	at(b Bound, def int64) (int64, error)
	// walkBack writes the elements of [lo, hi), the last one first, then
	// every step-th one before it.
	walkBack(w *Writer, lo, hi int64, step uint64) error
}

// newFinder returns a finder for o's mode, or nil when the file must be
// read forwards (a delimiter whose occurrences may overlap).
func newFinder(f io.ReaderAt, size int64, r Range, o Options) finder {
	l := &locator{f: f, size: size, bufSize: o.BufSize, bytes: o.Mode == Bytes, bwdOff: size}
	switch {
	case o.Mode == Bytes:
		return l
	case o.Mode == Records && len(o.Delim) == 1:
		l.d = o.Delim[0]
		return l
	case o.Mode == Records && !selfOverlapping(o.Delim):
		return newSegFinder(l, o)
	case o.Mode == Chars || o.Mode == Graphemes:
		return newSegFinder(l, o)
	}
	return nil
}

// runFile selects from a regular file of the given size. It turns the
// range into a byte region whose ends are element boundaries, found by
// counting forwards from the start or backwards from the end (so '-10:'
// reads only the last blocks), then copies the region forwards or walks
// it backwards.
func runFile(w *Writer, l finder, f io.ReaderAt, size int64, r Range, o Options) error {
	var lo, hi int64
	var err error
	if !r.Back {
		// elements [start, end)
		s, e := r.Start, r.End
		if s.Set && e.Set && s.Neg == e.Neg && (s.Neg && e.N >= s.N || !s.Neg && e.N <= s.N) {
			return nil // empty whatever the length
		}
		// Find the boundary nearer the end first, so a backward scan
		// for the other continues from it.
		if e.Neg && s.Neg {
			if hi, err = l.at(e, size); err == nil {
				lo, err = l.at(s, 0)
			}
		} else if lo, err = l.at(s, 0); err == nil {
			hi, err = l.at(e, size)
		}
		if err != nil || hi <= lo {
			return err
		}
		if r.Step == 1 {
			return copyRegion(w, f, lo, hi, o.BufSize)
		}
		sub := Range{Step: r.Step}
		sec := io.NewSectionReader(f, lo, hi-lo)
		if o.Mode == Bytes {
			return runBytes(w, newReader(sec, o.BufSize), sub)
		}
		return runStream(w, newReader(sec, o.BufSize), sub, o)
	}
	// Elements (end, start] walked backwards: the region runs from the
	// element after end to the element after start.
	s, e := r.Start, r.End
	// A bound -1 becomes -0: the end of the file.
	if s.Set {
		s.N = next(s)
	}
	if e.Set {
		e.N = next(e)
	}
	if e.Neg || !s.Set {
		if hi, err = l.at(s, size); err == nil {
			lo, err = l.at(e, 0)
		}
	} else if lo, err = l.at(e, 0); err == nil {
		hi, err = l.at(s, size)
	}
	if err != nil || hi <= lo {
		return err
	}
	return l.walkBack(w, lo, hi, r.Step)
}

func (l *locator) walkBack(w *Writer, lo, hi int64, step uint64) error {
	if l.bytes {
		return backBytes(w, l.f, lo, hi, step, l.bufSize)
	}
	return l.backRecords(w, lo, hi, step)
}

// next is the bound of the element after b: s+1 from the start, or -(k-1)
// from the end.
func next(b Bound) uint64 {
	if b.Neg {
		return b.N - 1
	}
	return satAdd(b.N, 1)
}

// locator finds element boundaries in a regular file, keeping a cursor in
// each direction so that a second, farther boundary continues the scan.
type locator struct {
	f       io.ReaderAt
	size    int64
	bufSize int
	bytes   bool
	d       byte
	buf     []byte

	fwdI   uint64 // fwdOff is where element fwdI starts
	fwdOff int64
	bwdJ   uint64 // bwdOff is where element len-bwdJ starts
	bwdOff int64
}

// at returns the offset where the element b starts; def when b is unset.
func (l *locator) at(b Bound, def int64) (int64, error) {
	switch {
	case !b.Set:
		return def, nil
	case l.bytes && b.Neg:
		return l.size - int64(min(b.N, uint64(l.size))), nil
	case l.bytes:
		return int64(min(b.N, uint64(l.size))), nil
	case b.Neg:
		return l.back(b.N)
	}
	return l.fwd(b.N)
}

// block returns the scan buffer. It starts small, so that '-10:' reads a
// few kilobytes, and grows while a scan goes on.
func (l *locator) block() []byte {
	switch {
	case l.buf == nil:
		l.buf = make([]byte, max(1, min(int64(l.bufSize), 16<<10, l.size)))
	case len(l.buf) < l.bufSize && int64(len(l.buf)) < l.size:
		l.buf = make([]byte, min(int64(4*len(l.buf)), int64(l.bufSize), l.size))
	}
	return l.buf
}

// fwd returns where element i starts: just after the i-th delimiter, or
// the end of the file.
func (l *locator) fwd(i uint64) (int64, error) {
	if i < l.fwdI {
		l.fwdI, l.fwdOff = 0, 0
	}
	for l.fwdI < i && l.fwdOff < l.size {
		buf := l.block()
		n, err := readFull(l.f, buf, l.fwdOff, l.size)
		if err != nil {
			return 0, err
		}
		p := buf[:n]
		want := i - l.fwdI
		if c := uint64(bytes.Count(p, []byte{l.d})); c < want {
			l.fwdI += c
			l.fwdOff += int64(n)
			continue
		}
		l.fwdI = i
		l.fwdOff += int64(afterNth(p, l.d, want))
		return l.fwdOff, nil
	}
	if l.fwdI < i {
		return l.size, nil
	}
	return l.fwdOff, nil
}

// back returns where element len-j starts, reading backwards from the end:
// just after the j-th delimiter before the file's last byte, or 0.
func (l *locator) back(j uint64) (int64, error) {
	if j < l.bwdJ {
		l.bwdJ, l.bwdOff = 0, l.size
	}
	end := l.bwdOff - 1 // the byte before an element start ends the previous one
	for l.bwdJ < j {
		if end <= 0 {
			l.bwdJ, l.bwdOff = j, 0
			break
		}
		buf := l.block()
		start := max(0, end-int64(len(buf)))
		p := buf[:end-start]
		if _, err := readFull(l.f, p, start, end); err != nil {
			return 0, err
		}
		if c := uint64(bytes.Count(p, []byte{l.d})); c < j-l.bwdJ {
			l.bwdJ += c
			end = start
			continue
		}
		for l.bwdJ < j {
			i := bytes.LastIndexByte(p, l.d)
			l.bwdJ++
			l.bwdOff = start + int64(i) + 1
			p = p[:i]
		}
	}
	return l.bwdOff, nil
}

// afterNth is the offset just after the n-th d in p, which has at least n.
func afterNth(p []byte, d byte, n uint64) int {
	k := 0
	for ; n > 0; n-- {
		k += bytes.IndexByte(p[k:], d) + 1
	}
	return k
}

// readFull reads buf's worth of bytes at off, or up to size.
func readFull(f io.ReaderAt, buf []byte, off, size int64) (int, error) {
	n := int(min(int64(len(buf)), size-off))
	m, err := f.ReadAt(buf[:n], off)
	if m == n {
		return n, nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return m, &ReadError{err}
}

// copyRegion writes bytes [lo, hi) of f.
func copyRegion(w *Writer, f io.ReaderAt, lo, hi int64, bufSize int) error {
	buf := make([]byte, min(int64(bufSize), hi-lo, 64<<10))
	for lo < hi && w.err == nil {
		n, err := readFull(f, buf, lo, hi)
		if err != nil {
			return err
		}
		w.Write(buf[:n])
		lo += int64(n)
		if len(buf) < bufSize && int64(len(buf)) < hi-lo {
			buf = make([]byte, min(int64(2*len(buf)), int64(bufSize), hi-lo))
		}
	}
	return nil
}

// backBytes writes bytes hi-1, hi-1-step, ... down to lo.
func backBytes(w *Writer, f io.ReaderAt, lo, hi int64, step uint64, bufSize int) error {
	buf := make([]byte, min(int64(bufSize), hi-lo))
	out := make([]byte, 0, len(buf))
	for k := hi - 1; k >= lo && w.err == nil; {
		start := max(lo, k+1-int64(len(buf)))
		p := buf[:k+1-start]
		if _, err := readFull(f, p, start, k+1); err != nil {
			return err
		}
		out = out[:0]
		for k >= start {
			out = append(out, p[k-start])
			if uint64(k-lo) < step {
				k = lo - 1
				break
			}
			k -= int64(step)
		}
		w.Write(out)
	}
	return nil
}

// backRecords writes the records in [lo, hi) from the last one backwards,
// every step-th one. It reads blocks from the end of the region, finds the
// record boundaries in each with a forward SIMD scan, and writes the
// block's records in reverse; a record longer than a block is found with a
// backward scan and copied forwards.
func (l *locator) backRecords(w *Writer, lo, hi int64, step uint64) error {
	unterminated := false
	if hi == l.size && hi > 0 {
		last := make([]byte, 1)
		if _, err := readFull(l.f, last, hi-1, hi); err != nil {
			return err
		}
		unterminated = last[0] != l.d
	}
	buf := make([]byte, min(int64(l.bufSize), hi-lo))
	var bounds []int
	var skip uint64
	moveDelim := false
	// emit writes record [start, end); rec holds its bytes unless it was
	// too long for the buffer.
	emit := func(start, end int64, rec []byte) error {
		if skip > 0 {
			skip--
			return nil
		}
		skip = step - 1
		switch {
		case moveDelim:
			w.writeByte(l.d)
			end--
			if rec != nil {
				rec = rec[:len(rec)-1]
			}
		case end == l.size && unterminated:
			moveDelim = true
		}
		if rec != nil {
			w.Write(rec)
			return nil
		}
		return copyRegion(w, l.f, start, end, l.bufSize)
	}
	for end := hi; end > lo && w.err == nil; {
		bOff := max(lo, end-int64(len(buf)))
		p := buf[:end-bOff]
		if _, err := readFull(l.f, p, bOff, end); err != nil {
			return err
		}
		bounds = bounds[:0]
		if bOff == lo {
			bounds = append(bounds, 0)
		}
		for k := 0; k < len(p)-1; {
			i := bytes.IndexByte(p[k:len(p)-1], l.d)
			if i < 0 {
				break
			}
			k += i + 1
			bounds = append(bounds, k)
		}
		if len(bounds) == 0 {
			start, err := l.recordStart(lo, bOff)
			if err != nil {
				return err
			}
			if err := emit(start, end, nil); err != nil {
				return err
			}
			end = start
			continue
		}
		e := len(p)
		for k := len(bounds) - 1; k >= 0; k-- {
			if err := emit(bOff+int64(bounds[k]), bOff+int64(e), p[bounds[k]:e]); err != nil {
				return err
			}
			e = bounds[k]
		}
		end = bOff + int64(bounds[0])
	}
	return nil
}

// recordStart finds where the record that contains offset at-1 starts:
// after the last delimiter before at, or lo.
func (l *locator) recordStart(lo, at int64) (int64, error) {
	for at > lo {
		buf := l.block()
		start := max(lo, at-int64(len(buf)))
		p := buf[:at-start]
		if _, err := readFull(l.f, p, start, at); err != nil {
			return 0, err
		}
		if i := bytes.LastIndexByte(p, l.d); i >= 0 {
			return start + int64(i) + 1, nil
		}
		at = start
	}
	return lo, nil
}
