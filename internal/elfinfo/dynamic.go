package elfinfo

import (
	"bytes"
	"debug/elf"
	"fmt"
	"strconv"
	"strings"
)

// dynamic holds the entries of the dynamic table that Parse uses.
type dynamic struct {
	needed, soname, rpath, runpath []uint64 // string table offsets
	strtab, strsz                  uint64
	verneed, verneednum            uint64
	verdef                         bool
}

// readDynamic fills Interpreter, Needed, Soname, RPath, RunPath and
// GlibcMin, and notes the imported symbols that are evidence of needs.
//
// It reads the dynamic table, its string table and the version needs
// once each, by hand: elf.File.DynString rereads both tables for every
// tag, and elf.File.DynamicVersionNeeds first decodes every dynamic
// symbol into a string, which costs a lot on large libraries. Addresses
// from the dynamic table are mapped through PT_LOAD, the way the loader
// sees them, so files without section headers work too.
func (p *parser) readDynamic() error {
	ef, f := p.ef, p.f
	for _, prog := range ef.Progs {
		if prog.Type != elf.PT_INTERP {
			continue
		}
		b, err := p.readAt(prog.Off, min(prog.Filesz, maxInterp), maxInterp, "PT_INTERP")
		if err != nil {
			return err
		}
		f.Interpreter = cString(b)
		break // the kernel uses the first
	}

	var raw []byte
	link := -1
	if s := ef.SectionByType(elf.SHT_DYNAMIC); s != nil {
		b, err := p.readAt(s.Offset, s.Size, maxDynamic, ".dynamic")
		if err != nil {
			return err
		}
		raw, link = b, int(s.Link)
	} else {
		for _, prog := range ef.Progs {
			if prog.Type == elf.PT_DYNAMIC {
				b, err := p.readAt(prog.Off, prog.Filesz, maxDynamic, "PT_DYNAMIC")
				if err != nil {
					return err
				}
				raw = b
				break
			}
		}
	}
	if raw == nil {
		return nil
	}
	d := p.parseDynamic(raw)
	p.verdef = d.verdef

	if err := p.readDynstr(d, link); err != nil {
		return err
	}
	budget := maxDynStrings
	strs := func(offs []uint64, tag string) ([]string, error) {
		var out []string
		for _, o := range offs {
			s, whole, ok := p.dynstr.cstr(o, budget)
			if !ok {
				return nil, errCorrupt("%s string at %d outside the dynamic string table", tag, o)
			}
			if !whole {
				return nil, errCorrupt("dynamic strings longer than %d bytes", maxDynStrings)
			}
			budget -= len(s)
			out = append(out, string(s))
		}
		return out, nil
	}
	var err error
	if f.Needed, err = strs(d.needed, "DT_NEEDED"); err != nil {
		return err
	}
	sonames, err := strs(d.soname, "DT_SONAME")
	if err != nil {
		return err
	}
	if len(sonames) > 0 {
		f.Soname = sonames[0]
	}
	rpath, err := strs(d.rpath, "DT_RPATH")
	if err != nil {
		return err
	}
	runpath, err := strs(d.runpath, "DT_RUNPATH")
	if err != nil {
		return err
	}
	f.RPath, f.RunPath = splitPaths(rpath), splitPaths(runpath)
	f.GlibcMin = p.glibcMin(d)
	return p.readDynsym(link)
}

func (p *parser) parseDynamic(raw []byte) *dynamic {
	bo := p.ef.ByteOrder
	ent := 16
	if p.ef.Class == elf.ELFCLASS32 {
		ent = 8
	}
	d := &dynamic{}
	for i := 0; i+ent <= len(raw); i += ent {
		var tag elf.DynTag
		var val uint64
		if ent == 16 {
			tag, val = elf.DynTag(bo.Uint64(raw[i:])), bo.Uint64(raw[i+8:])
		} else {
			tag, val = elf.DynTag(bo.Uint32(raw[i:])), uint64(bo.Uint32(raw[i+4:]))
		}
		switch tag {
		case elf.DT_NULL:
			return d
		case elf.DT_NEEDED:
			d.needed = append(d.needed, val)
		case elf.DT_SONAME:
			d.soname = append(d.soname, val)
		case elf.DT_RPATH:
			d.rpath = append(d.rpath, val)
		case elf.DT_RUNPATH:
			d.runpath = append(d.runpath, val)
		case elf.DT_STRTAB:
			d.strtab = val
		case elf.DT_STRSZ:
			d.strsz = val
		case elf.DT_VERNEED:
			d.verneed = val
		case elf.DT_VERNEEDNUM:
			d.verneednum = val
		case elf.DT_VERDEF:
			d.verdef = true
		}
	}
	return d
}

// readDynstr finds the dynamic string table: the section the dynamic
// section links to, else DT_STRTAB and DT_STRSZ.
func (p *parser) readDynstr(d *dynamic, link int) error {
	var err error
	if link > 0 && link < len(p.ef.Sections) {
		if s := p.ef.Sections[link]; s.Type == elf.SHT_STRTAB {
			p.dynstr, err = p.newStrtab(s.Offset, s.Size, ".dynstr")
			return err
		}
	}
	if d.strtab == 0 {
		if len(d.needed)+len(d.soname)+len(d.rpath)+len(d.runpath) > 0 {
			return errCorrupt("no dynamic string table")
		}
		return nil
	}
	off, avail, ok := p.vaddrToOff(d.strtab)
	if !ok {
		return errCorrupt("DT_STRTAB address %#x outside the loaded segments", d.strtab)
	}
	p.dynstr, err = p.newStrtab(off, min(d.strsz, avail), "DT_STRTAB")
	return err
}

// vaddrToOff maps a virtual address to a file offset through PT_LOAD,
// with the number of file bytes that follow it in its segment.
func (p *parser) vaddrToOff(addr uint64) (off, avail uint64, ok bool) {
	for _, prog := range p.ef.Progs {
		if prog.Type == elf.PT_LOAD && addr >= prog.Vaddr && addr-prog.Vaddr < prog.Filesz {
			d := addr - prog.Vaddr
			return prog.Off + d, prog.Filesz - d, true
		}
	}
	return 0, 0, false
}

func splitPaths(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, p := range strings.Split(v, ":") {
			if p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// glibcMin returns the highest GLIBC_x.y version named in the version
// needs (.gnu.version_r, DT_VERNEED), without its prefix: "2.34".
func (p *parser) glibcMin(d *dynamic) string {
	var raw []byte
	count := d.verneednum
	if s := p.ef.SectionByType(elf.SHT_GNU_VERNEED); s != nil {
		raw, _ = p.readAt(s.Offset, s.Size, maxVerneed, ".gnu.version_r")
		if count == 0 {
			count = uint64(s.Info)
		}
	} else if d.verneed != 0 {
		if off, avail, ok := p.vaddrToOff(d.verneed); ok {
			raw, _ = p.readAt(off, min(avail, maxVerneed), maxVerneed, "DT_VERNEED")
		}
	}
	if raw == nil {
		return ""
	}
	if count == 0 || count > 4096 {
		count = 4096
	}
	bo := p.ef.ByteOrder
	best, bestV := "", []int(nil)
	consider := func(name uint64) {
		b, whole, ok := p.dynstr.cstr(name, 39) // versions are short
		if !ok || !whole || !bytes.HasPrefix(b, []byte("GLIBC_")) {
			return
		}
		b = b[len("GLIBC_"):]
		v, ok := parseVersion(string(b))
		if ok && compareVersions(v, bestV) > 0 {
			best, bestV = string(b), v
		}
	}
	// Elf_Verneed: vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32,
	// vn_next u32. Elf_Vernaux: vna_hash u32, vna_flags u16, vna_other
	// u16, vna_name u32, vna_next u32. Same layout in both classes.
	n := uint64(len(raw))
	off := uint64(0)
	visits := 0 // bounds the work on a corrupt table
	for i := uint64(0); i < count && off+16 <= n; i++ {
		cnt := uint64(bo.Uint16(raw[off+2:]))
		aux := off + uint64(bo.Uint32(raw[off+8:]))
		next := uint64(bo.Uint32(raw[off+12:]))
		for j := uint64(0); j < cnt && aux+16 <= n && visits < 1<<14; j++ {
			visits++
			consider(uint64(bo.Uint32(raw[aux+8:])))
			an := uint64(bo.Uint32(raw[aux+12:]))
			if an == 0 {
				break
			}
			aux += an
		}
		if next == 0 {
			break
		}
		off += next
	}
	return best
}

// parseVersion parses "2.34" or "2.2.5" into its numbers.
func parseVersion(s string) ([]int, bool) {
	parts := strings.Split(s, ".")
	v := make([]int, 0, len(parts))
	for _, part := range parts {
		n, err := strconv.Atoi(part)
		if err != nil || n < 0 {
			return nil, false
		}
		v = append(v, n)
	}
	return v, true
}

// compareVersions compares version numbers numerically, part by part:
// 2.34 > 2.4 > 2.3.4.
func compareVersions(a, b []int) int {
	for i := 0; i < len(a) || i < len(b); i++ {
		var x, y int
		if i < len(a) {
			x = a[i]
		} else {
			x = -1
		}
		if i < len(b) {
			y = b[i]
		} else {
			y = -1
		}
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
	}
	return 0
}

// readDynsym walks the dynamic symbol table once: the undefined symbols
// that are evidence of needs, and whether the object defines
// __libc_start_main, which only a C library does. The names of defined
// symbols are only read when the object may be a C library (mayBeLibc):
// a program that exports thousands of functions needs no lookup of
// each.
func (p *parser) readDynsym(dynLink int) error {
	s := p.ef.SectionByType(elf.SHT_DYNSYM)
	if s == nil {
		return nil
	}
	ent, shndxAt := 24, 6
	if p.ef.Class == elf.ELFCLASS32 {
		ent, shndxAt = 16, 14
	}
	if s.Size > maxSymtab {
		return errCorrupt(".dynsym of %d bytes is larger than %d", s.Size, maxSymtab)
	}
	if s.Offset > uint64(p.size) || s.Size > uint64(p.size)-s.Offset {
		return errCorrupt(".dynsym at offset %d (%d bytes) outside the file of %d bytes", s.Offset, s.Size, p.size)
	}
	var err error
	strtab := p.dynstr
	if l := int(s.Link); l != dynLink && l > 0 && l < len(p.ef.Sections) && p.ef.Sections[l].Type == elf.SHT_STRTAB {
		ls := p.ef.Sections[l]
		if strtab, err = p.newStrtab(ls.Offset, ls.Size, ".dynsym strings"); err != nil {
			return err
		}
	}
	checkLibc := p.mayBeLibc()
	var seen map[string]bool
	// Read in chunks: Go programs built by distributions export every
	// function, megabytes of symbols, through one reused buffer.
	bufp := scanBufs.Get().(*[]byte)
	defer scanBufs.Put(bufp)
	step := uint64(len(*bufp) / ent * ent)
	for off := uint64(0); off < s.Size; off += step {
		syms := (*bufp)[:min(step, s.Size-off)]
		if _, err := p.r.ReadAt(syms, int64(s.Offset+off)); err != nil {
			return fmt.Errorf("elfinfo: reading .dynsym: %w", err)
		}
		first := 0
		if off == 0 {
			first = min(ent, len(syms)) // entry 0 is the null symbol
		}
		seen = p.symbols(syms[first:], ent, shndxAt, strtab, checkLibc, seen)
	}
	return nil
}

// symbols notes the imports of interest among the symbol entries in
// syms, and whether one defines __libc_start_main when checkLibc.
func (p *parser) symbols(syms []byte, ent, shndxAt int, strtab *strtab, checkLibc bool, seen map[string]bool) map[string]bool {
	const start = "__libc_start_main"
	bo := p.ef.ByteOrder
	for i := 0; i+ent <= len(syms); i += ent {
		name := uint64(bo.Uint32(syms[i:]))
		if bo.Uint16(syms[i+shndxAt:]) != uint16(elf.SHN_UNDEF) {
			if !checkLibc {
				continue
			}
			if b, whole, _ := strtab.cstr(name, len(start)); whole && string(b) == start {
				p.isLibc = true
			}
			continue
		}
		if c, ok := strtab.byteAt(name); !ok || !symbolFirst[c] {
			continue
		}
		b, whole, _ := strtab.cstr(name, symbolMaxLen)
		if !whole {
			continue
		}
		if _, ok := symbolNeeds[string(b)]; ok && !seen[string(b)] {
			if seen == nil {
				seen = map[string]bool{}
			}
			seen[string(b)] = true
			p.imports = append(p.imports, string(b))
		}
	}
	return seen
}

// mayBeLibc reports whether the object may be a C library: one whose
// soname names a C library or loader, or one without a soname that is
// not a program (musl's libc.so). glibc's libc.so.6 has an interpreter,
// so that it runs, but also its soname.
func (p *parser) mayBeLibc() bool {
	if so := p.f.Soname; so != "" {
		return strings.HasPrefix(so, "libc.") || strings.HasPrefix(so, "ld-") || strings.HasPrefix(so, "ld64.")
	}
	return p.f.Interpreter == ""
}
