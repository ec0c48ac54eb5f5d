package slice

import (
	"bytes"
	"io"
	"unicode/utf8"
)

// segFinder is the finder for elements found by splitting: characters,
// grapheme clusters and multi-byte delimiters. Reading backwards, it
// looks in each block for a sync point, an offset known to start an
// element whatever came before, and splits forwards from there.
type segFinder struct {
	*locator
	o     Options
	sp    splitter
	sync  func(p []byte) int // -1: no sync point in p
	delim []byte             // Records: the delimiter
}

func newSegFinder(l *locator, o Options) *segFinder {
	g := &segFinder{locator: l, o: o, sp: newSplitter(o)}
	switch o.Mode {
	case Chars:
		g.sync = charSync
	case Graphemes:
		// Nothing joins a cluster across a line feed (UAX #29, GB4).
		g.sync = func(p []byte) int {
			if i := bytes.IndexByte(p, '\n'); i >= 0 {
				return i + 1
			}
			return -1
		}
	default:
		g.delim = o.Delim
		// A delimiter that cannot overlap itself ends an element wherever
		// it occurs.
		g.sync = func(p []byte) int {
			if i := bytes.Index(p, o.Delim); i >= 0 {
				return i + len(o.Delim)
			}
			return -1
		}
	}
	return g
}

// charSync: a byte that is not a UTF-8 continuation byte starts an element;
// so does the fourth of a run of continuation bytes, which no sequence
// begun before it can reach.
func charSync(p []byte) int {
	for i := 0; i < len(p) && i < 4; i++ {
		if p[i]&0xC0 != 0x80 || i == 3 {
			return i
		}
	}
	return -1
}

// selfOverlapping reports whether d has a proper prefix that is also a
// suffix ("aa", "abab"): then where an element ends depends on where the
// scan began, and only a forward read is exact.
func selfOverlapping(d []byte) bool {
	for k := 1; k < len(d); k++ {
		if bytes.Equal(d[:k], d[len(d)-k:]) {
			return true
		}
	}
	return false
}

func (g *segFinder) at(b Bound, def int64) (int64, error) {
	switch {
	case !b.Set:
		return def, nil
	case b.Neg:
		return g.back(b.N)
	}
	return g.fwd(b.N)
}

// fwd returns where element i starts, splitting forwards from a cursor.
func (g *segFinder) fwd(i uint64) (int64, error) {
	if i < g.fwdI {
		g.fwdI, g.fwdOff = 0, 0
	}
	if g.fwdI == i || g.fwdOff >= g.size {
		return min(g.fwdOff, g.size), nil
	}
	rd := newReader(io.NewSectionReader(g.f, g.fwdOff, g.size-g.fwdOff), g.bufSize)
	needMore := false
	for g.fwdI < i {
		if ok, err := rd.more(needMore); !ok {
			if err != nil {
				return 0, err
			}
			return g.size, nil
		}
		needMore = false
		p := rd.buf[rd.pos:rd.end]
		if g.o.Mode == Chars {
			if m, c := skipRunes(p, i-g.fwdI); m > 0 {
				g.fwdI += c
				g.fwdOff += int64(m)
				rd.pos += m
				continue
			}
		}
		n, done := g.sp.split(p, rd.eof)
		if n == 0 && !done {
			needMore = true
			continue
		}
		rd.pos += n
		g.fwdOff += int64(n)
		if done || rd.eof && rd.pos == rd.end {
			g.fwdI++
		}
	}
	return g.fwdOff, nil
}

// block reads the block that ends at end, at least as far back as needed
// to hold a sync point (or lo), and returns it with its offset and the
// sync point in it.
func (g *segFinder) blockBefore(lo, end int64) ([]byte, int64, int, error) {
	size := int64(len(g.block()))
	for {
		bOff := max(lo, end-size)
		if int64(len(g.buf)) < end-bOff {
			g.buf = make([]byte, end-bOff)
		}
		p := g.buf[:end-bOff]
		if _, err := readFull(g.f, p, bOff, end); err != nil {
			return nil, 0, 0, err
		}
		if bOff == lo {
			return p, bOff, 0, nil
		}
		// A sync point at the very end makes no progress.
		if s := g.sync(p[:len(p)-1]); s >= 0 {
			return p, bOff, s, nil
		}
		size *= 2 // a long element: look further back
	}
}

// bounds returns the start offsets of the elements in p[from:], p ending
// at an element boundary.
func (g *segFinder) bounds(dst []int, p []byte, from int) []int {
	dst = dst[:0]
	for k := from; k < len(p); {
		dst = append(dst, k)
		n, _ := g.sp.split(p[k:], true)
		k += n
	}
	return dst
}

// back returns where element len-j starts, reading backwards.
func (g *segFinder) back(j uint64) (int64, error) {
	if j < g.bwdJ {
		g.bwdJ, g.bwdOff = 0, g.size
	}
	var starts []int
	for g.bwdJ < j && g.bwdOff > 0 {
		p, bOff, s, err := g.blockBefore(0, g.bwdOff)
		if err != nil {
			return 0, err
		}
		starts = g.bounds(starts, p, s)
		e := int64(len(p))
		for k := len(starts) - 1; k >= 0 && g.bwdJ < j; k-- {
			e = int64(starts[k])
			g.bwdJ++
			g.bwdOff = bOff + e
		}
	}
	if g.bwdJ < j {
		g.bwdJ = j
	}
	return g.bwdOff, nil
}

func (g *segFinder) walkBack(w *Writer, lo, hi int64, step uint64) error {
	moveDelim, unterminated := false, false
	if d := g.delim; len(d) > 0 && hi == g.size {
		tail := make([]byte, min(int64(len(d)), hi))
		if _, err := readFull(g.f, tail, hi-int64(len(tail)), hi); err != nil {
			return err
		}
		unterminated = !bytes.Equal(tail, d)
	}
	var starts []int
	var skip uint64
	for end := hi; end > lo && w.err == nil; {
		p, bOff, s, err := g.blockBefore(lo, end)
		if err != nil {
			return err
		}
		starts = g.bounds(starts, p, s)
		e := len(p)
		for k := len(starts) - 1; k >= 0; k-- {
			rec := p[starts[k]:e]
			e = starts[k]
			if skip > 0 {
				skip--
				continue
			}
			skip = step - 1
			moveDelim = writeBack(w, rec, g.delim, moveDelim, unterminated && bOff+int64(e)+int64(len(rec)) == g.size)
		}
		end = bOff + int64(starts[0])
	}
	return nil
}

// skipRunes steps over up to want characters at the start of p, in bulk,
// stopping before the last rune start of p (that rune may be cut). It
// returns the bytes and characters stepped over. utf8 counts an invalid
// byte as one character, as slice does.
func skipRunes(p []byte, want uint64) (int, uint64) {
	k := len(p)
	for j := len(p) - 1; j >= 0 && j >= len(p)-4; j-- {
		if utf8.RuneStart(p[j]) {
			k = j
			break
		}
	}
	if c := uint64(utf8.RuneCount(p[:k])); c <= want {
		return k, c
	}
	m := 0
	for w := want; w > 0; w-- {
		_, n := utf8.DecodeRune(p[m:k])
		m += n
	}
	return m, want
}
