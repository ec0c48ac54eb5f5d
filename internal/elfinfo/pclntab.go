package elfinfo

import (
	"bytes"
	"debug/elf"
)

// goNameRegions lists where a Go binary keeps its function names: the
// name table of its pclntab. The Go linker gives the pclntab a section
// of its own (.gopclntab) when it links alone; linked by the system
// linker (cgo, -buildmode=pie, as distributions build) the pclntab lies
// inside .data.rel.ro or .rodata, and a file without section headers
// has it somewhere in a loaded segment: there its header is searched
// for.
func (p *parser) goNameRegions(budget *int64) []region {
	if s := p.ef.Section(".gopclntab"); s != nil && s.Type != elf.SHT_NOBITS {
		return []region{p.funcnametab(s)}
	}
	var where []region
	for _, name := range []string{".data.rel.ro", ".rodata"} {
		for _, s := range p.ef.Sections {
			if s.Name == name && s.Type != elf.SHT_NOBITS {
				where = append(where, region{s.Offset, s.Size})
			}
		}
	}
	if len(p.ef.Sections) == 0 {
		where = p.dataRegions()
	}
	if rg, ok := p.findPCHeader(where, budget); ok {
		return []region{rg}
	}
	return nil
}

// funcnametab narrows a Go .gopclntab section to its table of function
// names; the whole section when the header is not understood.
func (p *parser) funcnametab(s *elf.Section) region {
	if rg, ok := p.funcnametabAt(s.Offset, s.Size); ok {
		return rg
	}
	return region{s.Offset, s.Size}
}

// funcnametabAt reads the pclntab header (runtime.pcHeader, Go 1.16 and
// later) at off, in a range of size bytes that holds the pclntab, and
// returns where its table of function names lies.
func (p *parser) funcnametabAt(off, size uint64) (region, bool) {
	var h [8 + 8*8]byte
	if size < uint64(len(h)) {
		return region{}, false
	}
	if _, err := p.r.ReadAt(h[:], int64(off)); err != nil {
		return region{}, false
	}
	bo := p.ef.ByteOrder
	ps := int(h[7])
	var at int // index of funcnameOffset among the pointer-sized fields
	switch bo.Uint32(h[:]) {
	case 0xfffffff1, 0xfffffff0: // Go 1.20+, 1.18: nfunc, nfiles, textStart, funcnameOffset, cuOffset
		at = 3
	case 0xfffffffa: // Go 1.16: nfunc, nfiles, funcnameOffset, cuOffset
		at = 2
	default:
		return region{}, false
	}
	if h[4] != 0 || h[5] != 0 {
		return region{}, false
	}
	word := func(i int) uint64 {
		switch ps {
		case 8:
			return bo.Uint64(h[8+8*i:])
		case 4:
			return uint64(bo.Uint32(h[8+4*i:]))
		}
		return 0
	}
	start, end := word(at), word(at+1)
	if start < uint64(len(h)) || start >= end || end > size {
		return region{}, false
	}
	return region{off + start, end - start}, true
}

// pcMagics are the first bytes of pcHeader in a little-endian file: the
// magic of Go 1.20+, 1.18 and 1.16, then two zero bytes.
var pcMagics = [][]byte{
	[]byte("\xf1\xff\xff\xff\x00\x00"),
	[]byte("\xf0\xff\xff\xff\x00\x00"),
	[]byte("\xfa\xff\xff\xff\x00\x00"),
}

// findPCHeader searches the regions for a pclntab header whose name
// table fits the region, reading at most budget bytes.
func (p *parser) findPCHeader(regions []region, budget *int64) (region, bool) {
	magics := pcMagics
	if p.ef.ByteOrder.Uint16([]byte{0, 1}) == 1 { // big-endian
		magics = nil
		for _, m := range pcMagics {
			magics = append(magics, []byte{m[3], m[2], m[1], m[0], 0, 0})
		}
	}
	bufp := scanBufs.Get().(*[]byte)
	defer scanBufs.Put(bufp)
	buf := *bufp
	const overlap = 8
	for _, rg := range regions {
		off, end, ok := p.clip(rg)
		for ok && off < end && *budget > 0 {
			n := min(scanChunk, end-off, uint64(*budget))
			got, _ := p.r.ReadAt(buf[:n], int64(off))
			if got <= 0 {
				break
			}
			*budget -= int64(got)
			chunk := buf[:got]
			for _, m := range magics {
				for pos := 0; ; {
					i := bytes.Index(chunk[pos:], m)
					if i < 0 {
						break
					}
					at := off + uint64(pos+i)
					if tab, ok := p.funcnametabAt(at, end-at); ok {
						return tab, true
					}
					pos += i + 1
				}
			}
			if off+uint64(got) >= end || got <= overlap {
				break
			}
			off += uint64(got - overlap)
		}
	}
	return region{}, false
}
