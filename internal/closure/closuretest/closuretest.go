// Package closuretest builds tiny ELF files and root file systems for the
// tests of closure and of the packages that use it.
package closuretest

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"strings"
	"testing/fstest"
)

// Obj describes a tiny ELF file for table tests: just the headers and
// the dynamic section the loader's search depends on.
type Obj struct {
	Class   elf.Class   // default ELFCLASS64
	Data    elf.Data    // default ELFDATA2LSB
	Machine elf.Machine // default EM_X86_64
	Flags   uint32      // e_flags: the float ABI of arm and riscv
	Type    elf.Type    // default ET_DYN
	Interp  string
	Soname  string
	Needed  []string
	RPath   string
	RunPath string
	// Dlopen is the JSON of a .note.dlopen note (systemd's ELF dlopen
	// metadata), or "" for none.
	Dlopen string
}

// File returns the object as an executable MapFS file.
func (o Obj) File() *fstest.MapFile { return &fstest.MapFile{Data: o.Bytes(), Mode: 0o755} }

// Bytes lays the file out as: ELF header, program headers (PT_LOAD,
// PT_INTERP, PT_DYNAMIC), .interp, .dynstr, .dynamic, .shstrtab, section
// headers. Addresses equal file offsets.
func (o Obj) Bytes() []byte {
	if o.Class == 0 {
		o.Class = elf.ELFCLASS64
	}
	if o.Machine == 0 {
		o.Machine = elf.EM_X86_64
	}
	if o.Type == 0 {
		o.Type = elf.ET_DYN
	}
	if o.Data == 0 {
		o.Data = elf.ELFDATA2LSB
	}
	is64 := o.Class == elf.ELFCLASS64
	var le binary.ByteOrder = binary.LittleEndian
	if o.Data == elf.ELFDATA2MSB {
		le = binary.BigEndian
	}
	ehsize, phsize, shsize, dynsize := 52, 32, 40, 8
	if is64 {
		ehsize, phsize, shsize, dynsize = 64, 56, 64, 16
	}
	dynamic := len(o.Needed) > 0 || o.Soname != "" || o.RPath != "" || o.RunPath != "" || o.Interp != ""

	// String table and dynamic entries.
	var dynstr bytes.Buffer
	dynstr.WriteByte(0)
	str := func(s string) uint64 {
		off := dynstr.Len()
		dynstr.WriteString(s)
		dynstr.WriteByte(0)
		return uint64(off)
	}
	type dyn struct {
		tag elf.DynTag
		val uint64
	}
	var dyns []dyn
	for _, n := range o.Needed {
		dyns = append(dyns, dyn{elf.DT_NEEDED, str(n)})
	}
	if o.Soname != "" {
		dyns = append(dyns, dyn{elf.DT_SONAME, str(o.Soname)})
	}
	if o.RPath != "" {
		dyns = append(dyns, dyn{elf.DT_RPATH, str(o.RPath)})
	}
	if o.RunPath != "" {
		dyns = append(dyns, dyn{elf.DT_RUNPATH, str(o.RunPath)})
	}
	nph := 1
	if o.Interp != "" {
		nph++
	}
	if dynamic {
		nph++
	}
	interpOff := ehsize + nph*phsize
	interpLen := 0
	if o.Interp != "" {
		interpLen = len(o.Interp) + 1
	}
	dynstrOff := interpOff + interpLen
	dynOff := (dynstrOff + dynstr.Len() + 7) &^ 7
	dyns = append(dyns, dyn{elf.DT_STRTAB, uint64(dynstrOff)}, dyn{elf.DT_STRSZ, uint64(dynstr.Len())}, dyn{elf.DT_NULL, 0})
	dynLen := 0
	if dynamic {
		dynLen = len(dyns) * dynsize
	}
	shstr := "\x00.interp\x00.dynstr\x00.dynamic\x00.shstrtab\x00.note.dlopen\x00"
	shstrOff := dynOff + dynLen
	noteOff := (shstrOff + len(shstr) + 7) &^ 7
	var note []byte
	if o.Dlopen != "" {
		desc := append([]byte(o.Dlopen), 0)
		for len(desc)%4 != 0 {
			desc = append(desc, 0)
		}
		note = make([]byte, 12)
		le.PutUint32(note, 4)
		le.PutUint32(note[4:], uint32(len(desc)))
		le.PutUint32(note[8:], 0x407c0c0a)
		note = append(note, "FDO\x00"...)
		note = append(note, desc...)
	}
	shOff := (noteOff + len(note) + 7) &^ 7
	type sec struct {
		name, typ       uint32
		off, size, link int
		entsize         int
	}
	secs := []sec{{}}
	if o.Interp != "" {
		secs = append(secs, sec{name: 1, typ: uint32(elf.SHT_PROGBITS), off: interpOff, size: interpLen})
	}
	if dynamic {
		secs = append(secs, sec{name: 9, typ: uint32(elf.SHT_STRTAB), off: dynstrOff, size: dynstr.Len()})
		secs = append(secs, sec{name: 17, typ: uint32(elf.SHT_DYNAMIC), off: dynOff, size: dynLen, link: len(secs) - 1, entsize: dynsize})
	}
	if note != nil {
		secs = append(secs, sec{name: 36, typ: uint32(elf.SHT_NOTE), off: noteOff, size: len(note)})
	}
	secs = append(secs, sec{name: 26, typ: uint32(elf.SHT_STRTAB), off: shstrOff, size: len(shstr)})
	total := shOff + len(secs)*shsize

	b := make([]byte, total)
	copy(b, elf.ELFMAG)
	b[elf.EI_CLASS] = byte(o.Class)
	b[elf.EI_DATA] = byte(o.Data)
	b[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	le.PutUint16(b[16:], uint16(o.Type))
	le.PutUint16(b[18:], uint16(o.Machine))
	le.PutUint32(b[20:], uint32(elf.EV_CURRENT))
	if is64 {
		le.PutUint64(b[32:], uint64(ehsize)) // phoff
		le.PutUint64(b[40:], uint64(shOff))
		le.PutUint32(b[48:], o.Flags)
		le.PutUint16(b[52:], uint16(ehsize))
		le.PutUint16(b[54:], uint16(phsize))
		le.PutUint16(b[56:], uint16(nph))
		le.PutUint16(b[58:], uint16(shsize))
		le.PutUint16(b[60:], uint16(len(secs)))
		le.PutUint16(b[62:], uint16(len(secs)-1))
	} else {
		le.PutUint32(b[28:], uint32(ehsize))
		le.PutUint32(b[32:], uint32(shOff))
		le.PutUint32(b[36:], o.Flags)
		le.PutUint16(b[40:], uint16(ehsize))
		le.PutUint16(b[42:], uint16(phsize))
		le.PutUint16(b[44:], uint16(nph))
		le.PutUint16(b[46:], uint16(shsize))
		le.PutUint16(b[48:], uint16(len(secs)))
		le.PutUint16(b[50:], uint16(len(secs)-1))
	}
	ph := ehsize
	prog := func(typ elf.ProgType, off, size int) {
		p := b[ph:]
		if is64 {
			le.PutUint32(p, uint32(typ))
			le.PutUint32(p[4:], uint32(elf.PF_R))
			le.PutUint64(p[8:], uint64(off))
			le.PutUint64(p[16:], uint64(off))
			le.PutUint64(p[24:], uint64(off))
			le.PutUint64(p[32:], uint64(size))
			le.PutUint64(p[40:], uint64(size))
			le.PutUint64(p[48:], 8)
		} else {
			le.PutUint32(p, uint32(typ))
			le.PutUint32(p[4:], uint32(off))
			le.PutUint32(p[8:], uint32(off))
			le.PutUint32(p[12:], uint32(off))
			le.PutUint32(p[16:], uint32(size))
			le.PutUint32(p[20:], uint32(size))
			le.PutUint32(p[24:], uint32(elf.PF_R))
			le.PutUint32(p[28:], 4)
		}
		ph += phsize
	}
	prog(elf.PT_LOAD, 0, total)
	if o.Interp != "" {
		prog(elf.PT_INTERP, interpOff, interpLen)
		copy(b[interpOff:], o.Interp)
	}
	if dynamic {
		prog(elf.PT_DYNAMIC, dynOff, dynLen)
		copy(b[dynstrOff:], dynstr.Bytes())
		for i, d := range dyns {
			p := b[dynOff+i*dynsize:]
			if is64 {
				le.PutUint64(p, uint64(d.tag))
				le.PutUint64(p[8:], d.val)
			} else {
				le.PutUint32(p, uint32(d.tag))
				le.PutUint32(p[4:], uint32(d.val))
			}
		}
	}
	copy(b[shstrOff:], shstr)
	copy(b[noteOff:], note)
	for i, s := range secs {
		p := b[shOff+i*shsize:]
		if is64 {
			le.PutUint32(p, s.name)
			le.PutUint32(p[4:], s.typ)
			le.PutUint64(p[16:], uint64(s.off))
			le.PutUint64(p[24:], uint64(s.off))
			le.PutUint64(p[32:], uint64(s.size))
			le.PutUint32(p[40:], uint32(s.link))
			le.PutUint64(p[48:], 1)
			le.PutUint64(p[56:], uint64(s.entsize))
		} else {
			le.PutUint32(p, s.name)
			le.PutUint32(p[4:], s.typ)
			le.PutUint32(p[12:], uint32(s.off))
			le.PutUint32(p[16:], uint32(s.off))
			le.PutUint32(p[20:], uint32(s.size))
			le.PutUint32(p[24:], uint32(s.link))
			le.PutUint32(p[32:], 1)
			le.PutUint32(p[36:], uint32(s.entsize))
		}
	}
	return b
}

// Link is a symlink entry of a MapFS.
func Link(target string) *fstest.MapFile {
	return &fstest.MapFile{Data: []byte(target), Mode: 0o777 | 1<<27} // fs.ModeSymlink
}

// Text is a regular file of a MapFS.
func Text(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s), Mode: 0o644} }

// GlibcRoot returns a MapFS with a glibc loader and libc in the Debian
// layout, plus extra files (names without the leading slash).
func GlibcRoot(extra map[string]*fstest.MapFile) fstest.MapFS {
	const sysdirs = "\x00/lib/x86_64-linux-gnu/\x00/usr/lib/x86_64-linux-gnu/\x00/lib/\x00/usr/lib/\x00"
	ldso := append(Obj{Soname: "ld-linux-x86-64.so.2"}.Bytes(), []byte(sysdirs)...)
	m := fstest.MapFS{
		"lib":                            Link("usr/lib"),
		"lib64":                          Link("usr/lib64"),
		"usr/lib64/ld-linux-x86-64.so.2": Link("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"),
		"usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2": {Data: ldso, Mode: 0o755},
		"usr/lib/x86_64-linux-gnu/libc.so.6":            Obj{Soname: "libc.so.6", Needed: []string{"ld-linux-x86-64.so.2"}}.File(),
	}
	for k, v := range extra {
		m[strings.TrimPrefix(k, "/")] = v
	}
	return m
}

// Ldso is the loader of GlibcRoot.
const Ldso = "/lib64/ld-linux-x86-64.so.2"
