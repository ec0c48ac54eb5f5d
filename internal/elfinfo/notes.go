package elfinfo

import (
	"bytes"
	"debug/elf"
	"encoding/json"
)

// The ELF dlopen metadata note of systemd's spec
// (https://systemd.io/ELF_DLOPEN_METADATA/).
const (
	ntDlopen      = 0x407c0c0a
	dlopenOwner   = "FDO"
	maxDlopenEnts = 1024
)

// readDlopen returns the entries of every dlopen note, in file order.
// Notes are read from SHT_NOTE sections (and a section named
// .note.dlopen of any type), or from PT_NOTE segments when the file has
// no section headers. Malformed notes are skipped: they say nothing
// reliable.
func (p *parser) readDlopen() []Dlopen {
	type region struct{ off, size, align uint64 }
	var regions []region
	for _, s := range p.ef.Sections {
		if s.Type == elf.SHT_NOTE || (s.Name == ".note.dlopen" && s.Type != elf.SHT_NOBITS) {
			regions = append(regions, region{s.Offset, s.Size, s.Addralign})
		}
	}
	if len(p.ef.Sections) == 0 {
		for _, prog := range p.ef.Progs {
			if prog.Type == elf.PT_NOTE {
				regions = append(regions, region{prog.Off, prog.Filesz, prog.Align})
			}
		}
	}
	var out []Dlopen
	budget := uint64(maxNoteAll)
	for _, rg := range regions {
		if rg.size > budget {
			break
		}
		budget -= rg.size
		b, err := p.readAt(rg.off, rg.size, maxNotes, "note")
		if err != nil {
			continue
		}
		for _, desc := range notes(b, p.ef.ByteOrder.Uint32, rg.align, dlopenOwner, ntDlopen) {
			var ents []Dlopen
			if json.Unmarshal(bytes.TrimRight(desc, "\x00"), &ents) != nil {
				continue
			}
			for _, e := range ents {
				if len(out) == maxDlopenEnts {
					return out
				}
				if e.Priority == "" {
					e.Priority = "recommended" // the spec's default
				}
				out = append(out, e)
			}
		}
	}
	return out
}

// notes returns the descriptors of the notes in b with the given owner
// and type. Notes are padded to 4 bytes, or to 8 in a section or segment
// aligned to 8 (as the gABI allows for 64-bit objects).
func notes(b []byte, u32 func([]byte) uint32, align uint64, owner string, typ uint32) [][]byte {
	pad := uint64(4)
	if align == 8 {
		pad = 8
	}
	up := func(n uint64) uint64 { return (n + pad - 1) &^ (pad - 1) }
	var out [][]byte
	n := uint64(len(b))
	for off := uint64(0); off+12 <= n; {
		namesz, descsz, t := uint64(u32(b[off:])), uint64(u32(b[off+4:])), u32(b[off+8:])
		name := off + 12
		desc := name + up(namesz)
		end := desc + up(descsz)
		if desc > n || descsz > n || end > n || end < desc {
			break
		}
		if t == typ && bytes.Equal(bytes.TrimRight(b[name:name+namesz], "\x00"), []byte(owner)) {
			out = append(out, b[desc:desc+descsz])
		}
		off = end
	}
	return out
}
