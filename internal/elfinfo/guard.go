package elfinfo

import (
	"encoding/binary"
	"fmt"
	"io"
	"io/fs"
	"sync"
)

// Caps on what one Parse reads, whatever the headers of the file claim.
const (
	maxInterp     = 4096     // PT_INTERP
	maxDynamic    = 1 << 20  // .dynamic: 65536 entries
	maxStrtab     = 64 << 20 // .dynstr
	maxSymtab     = 64 << 20 // .dynsym
	maxVerneed    = 1 << 20  // .gnu.version_r
	maxNotes      = 1 << 20  // one note section or segment
	maxNoteAll    = 4 << 20  // all note sections or segments
	maxDynStrings = 1 << 20  // DT_NEEDED, DT_SONAME, DT_RPATH and DT_RUNPATH strings together
	maxScan       = 64 << 20 // bytes searched for evidence strings
)

// errCorrupt builds the error for a file whose headers do not fit it.
func errCorrupt(format string, args ...any) error {
	return fmt.Errorf("elfinfo: corrupt ELF file: "+format, args...)
}

// sizeOf returns the size of r from its Size or Stat method, or by
// probing with one-byte reads.
func sizeOf(r io.ReaderAt) int64 {
	switch v := r.(type) {
	case interface{ Size() int64 }:
		return v.Size()
	case interface{ Stat() (fs.FileInfo, error) }:
		if fi, err := v.Stat(); err == nil && fi.Mode().IsRegular() {
			return fi.Size()
		}
	}
	return probeSize(r)
}

// probeSize finds the size of r by bisection: about two reads per bit of
// the size.
func probeSize(r io.ReaderAt) int64 {
	var b [1]byte
	has := func(off int64) bool {
		n, _ := r.ReadAt(b[:], off)
		return n == 1
	}
	if !has(0) {
		return 0
	}
	lo, hi := int64(0), int64(4096) // has(lo) holds
	for has(hi) {
		lo = hi
		if hi >= 1<<52 {
			return hi + 1
		}
		hi *= 2
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if has(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo + 1
}

// checkHeader checks that the program and section header tables named by
// the ELF header lie inside the file, before debug/elf sizes its tables
// from their counts.
func checkHeader(r io.ReaderAt, size int64) error {
	var h [64]byte
	n, _ := r.ReadAt(h[:], 0)
	if n < 16 {
		return errCorrupt("truncated ELF header")
	}
	var bo binary.ByteOrder
	switch h[5] {
	case 1:
		bo = binary.LittleEndian
	case 2:
		bo = binary.BigEndian
	default:
		return errCorrupt("unknown data encoding %d", h[5])
	}
	var phoff, shoff uint64
	var phentsize, phnum, shentsize, shnum uint64
	switch h[4] {
	case 1:
		if n < 52 {
			return errCorrupt("truncated ELF header")
		}
		phoff = uint64(bo.Uint32(h[28:]))
		shoff = uint64(bo.Uint32(h[32:]))
		phentsize = uint64(bo.Uint16(h[42:]))
		phnum = uint64(bo.Uint16(h[44:]))
		shentsize = uint64(bo.Uint16(h[46:]))
		shnum = uint64(bo.Uint16(h[48:]))
	case 2:
		if n < 64 {
			return errCorrupt("truncated ELF header")
		}
		phoff = bo.Uint64(h[32:])
		shoff = bo.Uint64(h[40:])
		phentsize = uint64(bo.Uint16(h[54:]))
		phnum = uint64(bo.Uint16(h[56:]))
		shentsize = uint64(bo.Uint16(h[58:]))
		shnum = uint64(bo.Uint16(h[60:]))
	default:
		return errCorrupt("unknown class %d", h[4])
	}
	usize := uint64(max(size, 0))
	fits := func(off, count, entsize uint64) bool {
		return off <= usize && (entsize == 0 || count <= (usize-off)/entsize)
	}
	if shoff != 0 && (shnum == 0 || phnum == 0xffff) {
		// Extended numbering: the real counts sit in section header 0.
		need := uint64(48)
		if h[4] == 1 {
			need = 32
		}
		if shentsize < need || !fits(shoff, 1, shentsize) {
			return errCorrupt("section header 0 outside the file")
		}
		var s0 [48]byte
		if _, err := r.ReadAt(s0[:need], int64(shoff)); err != nil {
			return errCorrupt("reading section header 0: %v", err)
		}
		var s0size, s0info uint64
		if h[4] == 1 {
			s0size, s0info = uint64(bo.Uint32(s0[20:])), uint64(bo.Uint32(s0[28:]))
		} else {
			s0size, s0info = bo.Uint64(s0[32:]), uint64(bo.Uint32(s0[44:]))
		}
		if shnum == 0 {
			shnum = s0size
		}
		if phnum == 0xffff {
			phnum = max(phnum, s0info) // check the larger reading
		}
	}
	if phnum > 0 && !fits(phoff, phnum, phentsize) {
		return errCorrupt("%d program headers at offset %d outside the file of %d bytes", phnum, phoff, size)
	}
	if shoff != 0 && !fits(shoff, shnum, shentsize) {
		return errCorrupt("%d section headers at offset %d outside the file of %d bytes", shnum, shoff, size)
	}
	return nil
}

// readAt reads n bytes at off, refusing ranges outside the file or
// larger than limit. Large reads land in pooled buffers that the next
// Parse reuses: nothing Parse returns may point into them.
func (p *parser) readAt(off, n uint64, limit int, what string) ([]byte, error) {
	if n > uint64(limit) {
		return nil, errCorrupt("%s of %d bytes is larger than %d", what, n, limit)
	}
	if off > uint64(p.size) || n > uint64(p.size)-off {
		return nil, errCorrupt("%s at offset %d (%d bytes) outside the file of %d bytes", what, off, n, p.size)
	}
	b := p.buffer(n)
	if _, err := p.r.ReadAt(b, int64(off)); err != nil {
		return nil, fmt.Errorf("elfinfo: reading %s: %w", what, err)
	}
	return b, nil
}

// minPooled is the smallest read that takes a pooled buffer: smaller ones
// are cheap to allocate, larger ones cost zeroing, page faults and
// garbage collection (a large library's symbol tables take megabytes).
const minPooled = 32 << 10

// tableBufs pools buffers by size class: class k holds buffers of
// minPooled<<k bytes.
var tableBufs [16]sync.Pool // of *[]byte

// buffer returns n bytes to read into, pooled when large; release gives
// the pooled ones back.
func (p *parser) buffer(n uint64) []byte {
	k := 0
	for k < len(tableBufs) && uint64(minPooled)<<k < n {
		k++
	}
	if n < minPooled || k == len(tableBufs) {
		return make([]byte, n)
	}
	bp, _ := tableBufs[k].Get().(*[]byte)
	if bp == nil {
		b := make([]byte, minPooled<<k)
		bp = &b
	}
	p.pooled = append(p.pooled, pooledBuf{k, bp})
	return (*bp)[:n]
}

// pooledBuf is a buffer of tableBufs[class].
type pooledBuf struct {
	class int
	buf   *[]byte
}

// pages pools the pages of large string tables (class -1).
var pages = sync.Pool{New: func() any { b := make([]byte, strtabPage); return &b }}

// page returns a pooled buffer of strtabPage bytes.
func (p *parser) page() []byte {
	bp := pages.Get().(*[]byte)
	p.pooled = append(p.pooled, pooledBuf{-1, bp})
	return *bp
}

func (p *parser) release() {
	for _, b := range p.pooled {
		if b.class < 0 {
			pages.Put(b.buf)
		} else {
			tableBufs[b.class].Put(b.buf)
		}
	}
	p.pooled = nil
}
