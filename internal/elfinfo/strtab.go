package elfinfo

import "bytes"

// strtabWhole is the size up to which a string table is read at once.
const strtabWhole = 64 << 10

// strtabPage is the unit in which a larger string table is read.
const strtabPage = 8 << 10

// strtab is a string table of the file. A small one is read whole. A
// large one, of a program or library that exports many symbols (Debian
// builds Go programs that export every function: dockerd's is 6 MB), is
// read a page at a time as strings are looked up, since Parse needs few
// of its strings: the needed libraries, version names and the names of
// imported symbols.
type strtab struct {
	p     *parser
	off   uint64 // in the file
	size  uint64
	whole []byte
	pages map[uint64][]byte // by page number
}

// newStrtab checks the table lies inside the file and is at most
// maxStrtab bytes, and reads it whole if it is small.
func (p *parser) newStrtab(off, size uint64, what string) (*strtab, error) {
	t := &strtab{p: p, off: off, size: size}
	if size <= strtabWhole {
		b, err := p.readAt(off, size, maxStrtab, what)
		if err != nil {
			return nil, err
		}
		t.whole = b
		return t, nil
	}
	if size > maxStrtab {
		return nil, errCorrupt("%s of %d bytes is larger than %d", what, size, maxStrtab)
	}
	if off > uint64(p.size) || size > uint64(p.size)-off {
		return nil, errCorrupt("%s at offset %d (%d bytes) outside the file of %d bytes", what, off, size, p.size)
	}
	t.pages = map[uint64][]byte{}
	return t, nil
}

// page returns page n of a paged table, reading it the first time.
func (t *strtab) page(n uint64) []byte {
	if b, ok := t.pages[n]; ok {
		return b
	}
	start := n * strtabPage
	b := t.p.page()[:min(strtabPage, t.size-start)]
	if got, _ := t.p.r.ReadAt(b, int64(t.off+start)); got < len(b) {
		b = b[:max(got, 0)] // a short read ends the table early
	}
	t.pages[n] = b
	return b
}

// cstr returns the string at off up to its NUL or the end of the table,
// reading at most limit bytes of it. ok is false when off is outside the
// table, whole false when the string is longer than limit. The bytes may
// belong to the table: copy what must outlive the parse.
func (t *strtab) cstr(off uint64, limit int) (b []byte, whole, ok bool) {
	if t == nil || off >= t.size {
		return nil, false, false
	}
	if t.whole != nil {
		b = t.whole[off:]
		if i := bytes.IndexByte(b[:min(len(b), limit+1)], 0); i >= 0 {
			return b[:i], true, true
		}
		if len(b) <= limit {
			return b, true, true
		}
		return b[:limit], false, true
	}
	var out []byte
	for at := off; at < t.size; {
		pg := t.page(at / strtabPage)
		rest := pg[min(uint64(len(pg)), at%strtabPage):]
		if len(rest) == 0 {
			break // short read: the table ends here
		}
		if i := bytes.IndexByte(rest, 0); i >= 0 {
			rest = rest[:i]
			if out == nil && len(rest) <= limit {
				return rest, true, true // within one page: no copy
			}
			out = append(out, rest...)
			if len(out) > limit {
				return out[:limit], false, true
			}
			return out, true, true
		}
		out = append(out, rest...)
		if len(out) > limit {
			return out[:limit], false, true
		}
		at += uint64(len(rest))
	}
	return out, true, true
}

// byteAt returns the byte at off.
func (t *strtab) byteAt(off uint64) (byte, bool) {
	if t == nil || off >= t.size {
		return 0, false
	}
	if t.whole != nil {
		return t.whole[off], true
	}
	pg := t.page(off / strtabPage)
	if i := off % strtabPage; i < uint64(len(pg)) {
		return pg[i], true
	}
	return 0, false
}
