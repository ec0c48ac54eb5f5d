package closure

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// The two formats of glibc's /etc/ld.so.cache (see glibc's
// sysdeps/generic/dl-cache.h). ldconfig writes the new format alone since
// glibc 2.32; older ones wrote the old format with the new one appended.
const (
	cacheMagicOld = "ld.so-1.7.0"
	cacheMagicNew = "glibc-ld.so.cache1.1"

	oldHeaderSize = 16 // magic[11], pad, nlibs
	oldEntrySize  = 12 // flags, key, value
	newHeaderSize = 48
	newEntrySize  = 24 // flags, key, value, osversion, hwcap

	extensionMagic      = 0xeaa42174
	extensionTagHWCaps  = 1
	hwcapExtensionUpper = 1 << 30 // upper 32 bits of hwcap: 1<<62 >> 32
)

// Cache entry flags (glibc's sysdeps/generic/ldconfig.h).
const (
	flagTypeMask = 0x00ff
	flagELFLibc6 = 0x0003
)

// ErrBadCache is returned for a file that is not a valid ld.so.cache.
var ErrBadCache = errors.New("closure: not a valid ld.so.cache")

// CacheEntry is one library of an ld.so.cache.
type CacheEntry struct {
	Soname string
	Path   string
	Flags  int32
	// HWCaps is the glibc-hwcaps subdirectory ("x86-64-v3") of an entry
	// that only applies to CPUs of that level, "" for the baseline.
	HWCaps string
	// Legacy is set for entries with an old-style hardware capability
	// mask, which glibc only uses on matching CPUs.
	Legacy bool
}

// LDCache is a parsed ld.so.cache: its entries in file order.
type LDCache struct {
	Entries []CacheEntry
	bySo    map[string][]int
}

// ParseLDCache reads an ld.so.cache in either format, in the byte order
// of the machine that wrote it (big-endian on s390x): the one its header
// names, else the one under which its entry count fits the file.
func ParseLDCache(b []byte) (*LDCache, error) {
	switch {
	case bytes.HasPrefix(b, []byte(cacheMagicNew)):
		return parseNew(b)
	case bytes.HasPrefix(b, []byte(cacheMagicOld)):
		if len(b) < oldHeaderSize {
			return nil, fmt.Errorf("%w: truncated header", ErrBadCache)
		}
		bo := countOrder(b[12:], oldHeaderSize, oldEntrySize, len(b))
		n := uint64(bo.Uint32(b[12:]))
		end := oldHeaderSize + n*oldEntrySize
		if end > uint64(len(b)) {
			return nil, fmt.Errorf("%w: %d entries do not fit", ErrBadCache, n)
		}
		// The new format, when present, follows at 8-byte alignment and
		// is what glibc reads.
		off := (end + 7) &^ 7
		if off < uint64(len(b)) && bytes.HasPrefix(b[off:], []byte(cacheMagicNew)) {
			return parseNew(b[off:])
		}
		return parseOld(b, bo, int(n), int(end))
	}
	return nil, fmt.Errorf("%w: unknown magic", ErrBadCache)
}

// Byte orders of the new format's header flags (glibc's
// cache_file_new_flags_endian_*).
const (
	cacheEndianUnset   = 0
	cacheEndianInvalid = 1
	cacheEndianLittle  = 2
	cacheEndianBig     = 3
)

// countOrder picks the byte order under which the entry count at b
// describes entries that fit in a file of size bytes, little-endian when
// both or neither do.
func countOrder(b []byte, header, entry uint64, size int) binary.ByteOrder {
	fits := func(bo binary.ByteOrder) bool { return header+uint64(bo.Uint32(b))*entry <= uint64(size) }
	if !fits(binary.LittleEndian) && fits(binary.BigEndian) {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

func parseOld(b []byte, bo binary.ByteOrder, n, strtab int) (*LDCache, error) {
	c := &LDCache{}
	for i := range n {
		e := b[oldHeaderSize+i*oldEntrySize:]
		flags := int32(bo.Uint32(e))
		key, ok1 := cstring(b, uint64(strtab)+uint64(bo.Uint32(e[4:])))
		val, ok2 := cstring(b, uint64(strtab)+uint64(bo.Uint32(e[8:])))
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("%w: entry %d points outside the file", ErrBadCache, i)
		}
		c.Entries = append(c.Entries, CacheEntry{Soname: key, Path: val, Flags: flags})
	}
	c.index()
	return c, nil
}

func parseNew(b []byte) (*LDCache, error) {
	if len(b) < newHeaderSize {
		return nil, fmt.Errorf("%w: truncated header", ErrBadCache)
	}
	var le binary.ByteOrder
	switch b[28] & 3 {
	case cacheEndianLittle:
		le = binary.LittleEndian
	case cacheEndianBig:
		le = binary.BigEndian
	case cacheEndianInvalid:
		return nil, fmt.Errorf("%w: marked invalid", ErrBadCache)
	case cacheEndianUnset:
		le = countOrder(b[20:], newHeaderSize, newEntrySize, len(b))
	}
	n := uint64(le.Uint32(b[20:]))
	if newHeaderSize+n*newEntrySize > uint64(len(b)) {
		return nil, fmt.Errorf("%w: %d entries do not fit", ErrBadCache, n)
	}
	hwcaps := readHWCapsExtension(b, le, uint64(le.Uint32(b[32:])))
	c := &LDCache{}
	for i := range int(n) {
		e := b[newHeaderSize+i*newEntrySize:]
		flags := int32(le.Uint32(e))
		key, ok1 := cstring(b, uint64(le.Uint32(e[4:])))
		val, ok2 := cstring(b, uint64(le.Uint32(e[8:])))
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("%w: entry %d points outside the file", ErrBadCache, i)
		}
		ce := CacheEntry{Soname: key, Path: val, Flags: flags}
		hw := le.Uint64(e[16:])
		switch {
		case hw>>32 == hwcapExtensionUpper:
			idx := uint32(hw)
			if int(idx) >= len(hwcaps) {
				return nil, fmt.Errorf("%w: entry %d names hwcaps %d of %d", ErrBadCache, i, idx, len(hwcaps))
			}
			ce.HWCaps = hwcaps[idx]
		case hw != 0:
			ce.Legacy = true
		}
		c.Entries = append(c.Entries, ce)
	}
	c.index()
	return c, nil
}

// readHWCapsExtension returns the glibc-hwcaps subdirectory names of the
// cache's extension section, nil when there is none or it is damaged
// (glibc ignores a damaged extension too).
func readHWCapsExtension(b []byte, le binary.ByteOrder, off uint64) []string {
	if off == 0 || off+8 > uint64(len(b)) || le.Uint32(b[off:]) != extensionMagic {
		return nil
	}
	count := uint64(le.Uint32(b[off+4:]))
	var names []string
	for i := range count {
		s := off + 8 + i*16
		if s+16 > uint64(len(b)) {
			return names
		}
		if le.Uint32(b[s:]) != extensionTagHWCaps {
			continue
		}
		start, size := uint64(le.Uint32(b[s+8:])), uint64(le.Uint32(b[s+12:]))
		if start+size > uint64(len(b)) || size%4 != 0 {
			return names
		}
		for j := start; j < start+size; j += 4 {
			name, ok := cstring(b, uint64(le.Uint32(b[j:])))
			if !ok {
				return names
			}
			names = append(names, name)
		}
	}
	return names
}

func cstring(b []byte, off uint64) (string, bool) {
	if off >= uint64(len(b)) {
		return "", false
	}
	i := bytes.IndexByte(b[off:], 0)
	if i < 0 {
		return "", false
	}
	return string(b[off : off+uint64(i)]), true
}

func (c *LDCache) index() {
	c.bySo = make(map[string][]int, len(c.Entries))
	for i, e := range c.Entries {
		c.bySo[e.Soname] = append(c.bySo[e.Soname], i)
	}
}

// Lookup returns the path glibc's loader would take from the cache for
// soname, for a program of architecture a, and the glibc-hwcaps
// subdirectories the CPU supports (best first). It returns "" when the
// cache has no usable entry.
func (c *LDCache) Lookup(soname string, a Arch, hwcaps []string) string {
	best, bestPrio := "", len(hwcaps)+1
	for _, i := range c.bySo[soname] {
		e := c.Entries[i]
		if !a.acceptsCache(e.Flags) {
			continue
		}
		switch {
		case e.HWCaps != "":
			for p, h := range hwcaps {
				if h == e.HWCaps && p < bestPrio {
					best, bestPrio = e.Path, p
				}
			}
		case e.Legacy:
			// Old-style hwcap entries depend on the CPU; glibc 2.37
			// dropped them. Skip, as on a CPU without the capability.
		default:
			if best == "" {
				best = e.Path
			}
			if bestPrio > len(hwcaps) {
				return best
			}
		}
	}
	return best
}
