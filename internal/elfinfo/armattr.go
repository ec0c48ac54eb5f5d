package elfinfo

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
)

// shtARMAttributes is the type of the .ARM.attributes section.
const shtARMAttributes = elf.SHT_LOPROC + 3

// maxAttributes caps the .ARM.attributes section read: a real one holds a
// few dozen bytes.
const maxAttributes = 64 << 10

// readARMArch sets f.ARMArch from the Tag_CPU_arch build attribute of a
// 32-bit ARM file (the ARM EABI's "Addenda", section 2.4): the OCI
// variant of the oldest CPU that runs it.
func (p *parser) readARMArch() {
	if p.ef.Machine != elf.EM_ARM {
		return
	}
	for _, s := range p.ef.Sections {
		if s.Type != shtARMAttributes {
			continue
		}
		b, err := p.readAt(s.Offset, s.FileSize, maxAttributes, ".ARM.attributes")
		if err != nil {
			return
		}
		if arch, ok := cpuArch(b, p.ef.ByteOrder); ok {
			p.f.ARMArch = armVariant(arch)
		}
		return
	}
}

// armVariant names a Tag_CPU_arch value as an OCI platform variant.
func armVariant(arch uint64) string {
	switch {
	case arch <= 5: // pre-v4 to v5TEJ
		return "v5"
	case arch == 10 || arch == 13: // v7, v7E-M
		return "v7"
	case arch <= 12: // v6, v6KZ, v6T2, v6K, v6-M, v6S-M
		return "v6"
	}
	return "v8" // v8-A and later
}

// Attribute tags of the "aeabi" vendor section that decide how a value
// is encoded.
const (
	tagFile          = 1
	tagCPURawName    = 4
	tagCPUName       = 5
	tagCPUArch       = 6
	tagCompatibility = 32
)

// cpuArch finds Tag_CPU_arch in the file-wide attributes of the "aeabi"
// vendor subsection of an .ARM.attributes section.
func cpuArch(b []byte, bo binary.ByteOrder) (uint64, bool) {
	if len(b) < 1 || b[0] != 'A' {
		return 0, false
	}
	b = b[1:]
	for len(b) >= 4 {
		n := uint64(bo.Uint32(b))
		if n < 4 || n > uint64(len(b)) {
			return 0, false
		}
		sub := b[4:n]
		b = b[n:]
		name, rest, ok := cutString(sub)
		if !ok || name != "aeabi" {
			continue
		}
		for len(rest) >= 5 {
			tag, size := rest[0], uint64(bo.Uint32(rest[1:]))
			if size < 5 || size > uint64(len(rest)) {
				return 0, false
			}
			attrs := rest[5:size]
			rest = rest[size:]
			if tag != tagFile {
				continue
			}
			if v, ok := findAttr(attrs, tagCPUArch); ok {
				return v, true
			}
		}
	}
	return 0, false
}

// findAttr walks tag-value pairs to want's integer value. Tags 4, 5 and
// odd tags from 32 on carry NUL-terminated strings, 32 an integer and a
// string, the others ULEB128 integers.
func findAttr(b []byte, want uint64) (uint64, bool) {
	for len(b) > 0 {
		tag, n := uleb(b)
		if n == 0 {
			return 0, false
		}
		b = b[n:]
		switch {
		case tag == tagCompatibility:
			if _, n = uleb(b); n == 0 {
				return 0, false
			}
			b = b[n:]
			fallthrough
		case tag == tagCPURawName, tag == tagCPUName, tag > tagCompatibility && tag%2 == 1:
			var ok bool
			if _, b, ok = cutString(b); !ok {
				return 0, false
			}
		default:
			v, n := uleb(b)
			if n == 0 {
				return 0, false
			}
			if tag == want {
				return v, true
			}
			b = b[n:]
		}
	}
	return 0, false
}

func cutString(b []byte) (string, []byte, bool) {
	i := bytes.IndexByte(b, 0)
	if i < 0 {
		return "", nil, false
	}
	return string(b[:i]), b[i+1:], true
}

// uleb decodes an unsigned LEB128 number; n is 0 for a truncated or
// overlong one.
func uleb(b []byte) (v uint64, n int) {
	for i, c := range b {
		if i == 10 {
			return 0, 0
		}
		v |= uint64(c&0x7f) << (7 * i)
		if c&0x80 == 0 {
			return v, i + 1
		}
	}
	return 0, 0
}
