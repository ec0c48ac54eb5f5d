package closure_test

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/dietimg/diet/internal/closure"
	"github.com/dietimg/diet/internal/testenv"
)

const x8664 = 0x0303 // FLAG_ELF_LIBC6 | FLAG_X8664_LIB64

// mkCache writes an ld.so.cache in the new format, preceded by the old
// format when old is set, as ldconfig does (glibc's elf/cache.c).
func mkCache(entries []closure.CacheEntry, old bool) []byte {
	return mkCacheOrder(binary.LittleEndian, entries, old)
}

// mkCacheOrder is mkCache in byte order le, as ldconfig writes it on a
// machine of that byte order.
func mkCacheOrder(le binary.ByteOrder, entries []closure.CacheEntry, old bool) []byte {
	var hwcaps []string
	hwIndex := map[string]int{}
	for _, e := range entries {
		if e.HWCaps != "" {
			if _, ok := hwIndex[e.HWCaps]; !ok {
				hwIndex[e.HWCaps] = len(hwcaps)
				hwcaps = append(hwcaps, e.HWCaps)
			}
		}
	}
	// The new format: header, entries, strings, extension.
	var strs bytes.Buffer
	strOff := map[string]uint32{}
	base := 48 + 24*len(entries)
	str := func(s string) uint32 {
		if o, ok := strOff[s]; ok {
			return o
		}
		o := uint32(base + strs.Len())
		strs.WriteString(s)
		strs.WriteByte(0)
		strOff[s] = o
		return o
	}
	ents := make([]byte, 24*len(entries))
	for i, e := range entries {
		p := ents[24*i:]
		le.PutUint32(p, uint32(e.Flags))
		le.PutUint32(p[4:], str(e.Soname))
		le.PutUint32(p[8:], str(e.Path))
		var hw uint64
		switch {
		case e.HWCaps != "":
			hw = 1<<62 | uint64(hwIndex[e.HWCaps])
		case e.Legacy:
			hw = 1 << 3
		}
		le.PutUint64(p[16:], hw)
	}
	for _, h := range hwcaps {
		str(h)
	}
	for (base+strs.Len())%8 != 0 {
		strs.WriteByte(0)
	}
	extOff := base + strs.Len()
	var ext []byte
	if len(hwcaps) > 0 {
		ext = make([]byte, 8+16+4*len(hwcaps))
		le.PutUint32(ext, 0xeaa42174)
		le.PutUint32(ext[4:], 1)
		le.PutUint32(ext[8:], 1) // glibc-hwcaps
		le.PutUint32(ext[16:], uint32(extOff+24))
		le.PutUint32(ext[20:], uint32(4*len(hwcaps)))
		for i, h := range hwcaps {
			le.PutUint32(ext[24+4*i:], strOff[h])
		}
	}
	hdr := make([]byte, 48)
	copy(hdr, "glibc-ld.so.cache1.1")
	le.PutUint32(hdr[20:], uint32(len(entries)))
	le.PutUint32(hdr[24:], uint32(strs.Len()))
	hdr[28] = 2 // little endian
	if le == binary.BigEndian {
		hdr[28] = 3
	}
	if ext != nil {
		le.PutUint32(hdr[32:], uint32(extOff))
	}
	newFmt := append(append(append(hdr, ents...), strs.Bytes()...), ext...)
	if !old {
		return newFmt
	}
	// The old format holds the same entries with garbage offsets here:
	// the loader must read the new part that follows.
	oldFmt := make([]byte, 16+12*len(entries))
	copy(oldFmt, "ld.so-1.7.0")
	le.PutUint32(oldFmt[12:], uint32(len(entries)))
	for i := range entries {
		le.PutUint32(oldFmt[16+12*i:], x8664&0xff)
		le.PutUint32(oldFmt[16+12*i+4:], 1<<30)
		le.PutUint32(oldFmt[16+12*i+8:], 1<<30)
	}
	for len(oldFmt)%8 != 0 {
		oldFmt = append(oldFmt, 0)
	}
	return append(oldFmt, newFmt...)
}

// mkOldCache writes a cache in the old format alone (glibc before 2.32
// could be configured so).
func mkOldCache(entries []closure.CacheEntry) []byte {
	le := binary.LittleEndian
	b := make([]byte, 16+12*len(entries))
	copy(b, "ld.so-1.7.0")
	le.PutUint32(b[12:], uint32(len(entries)))
	var strs bytes.Buffer
	for i, e := range entries {
		le.PutUint32(b[16+12*i:], uint32(e.Flags))
		le.PutUint32(b[16+12*i+4:], uint32(strs.Len()))
		strs.WriteString(e.Soname + "\x00")
		le.PutUint32(b[16+12*i+8:], uint32(strs.Len()))
		strs.WriteString(e.Path + "\x00")
	}
	return append(b, strs.Bytes()...)
}

var cacheEntries = []closure.CacheEntry{
	{Soname: "libfoo.so.1", Path: "/opt/v3/libfoo.so.1", Flags: x8664, HWCaps: "x86-64-v3"},
	{Soname: "libfoo.so.1", Path: "/opt/v2/libfoo.so.1", Flags: x8664, HWCaps: "x86-64-v2"},
	{Soname: "libfoo.so.1", Path: "/opt/legacy/libfoo.so.1", Flags: x8664, Legacy: true},
	{Soname: "libfoo.so.1", Path: "/opt/i386/libfoo.so.1", Flags: 0x0003},
	{Soname: "libfoo.so.1", Path: "/opt/base/libfoo.so.1", Flags: x8664},
	{Soname: "libfoo.so.1", Path: "/opt/later/libfoo.so.1", Flags: x8664},
	{Soname: "libbar.so.2", Path: "/opt/i386/libbar.so.2", Flags: 0x0003},
}

func TestLDCacheLookup(t *testing.T) {
	formats := map[string][]byte{
		"new":     mkCache(cacheEntries, false),
		"old+new": mkCache(cacheEntries, true),
	}
	tests := []struct {
		soname  string
		class   elf.Class
		machine elf.Machine
		hwcaps  []string
		want    string
	}{
		{"libfoo.so.1", elf.ELFCLASS64, elf.EM_X86_64, nil, "/opt/base/libfoo.so.1"},
		{"libfoo.so.1", elf.ELFCLASS64, elf.EM_X86_64, []string{"x86-64-v3", "x86-64-v2"}, "/opt/v3/libfoo.so.1"},
		{"libfoo.so.1", elf.ELFCLASS64, elf.EM_X86_64, []string{"x86-64-v2"}, "/opt/v2/libfoo.so.1"},
		{"libfoo.so.1", elf.ELFCLASS64, elf.EM_X86_64, []string{"x86-64-v4"}, "/opt/base/libfoo.so.1"},
		{"libfoo.so.1", elf.ELFCLASS32, elf.EM_386, nil, "/opt/i386/libfoo.so.1"},
		{"libbar.so.2", elf.ELFCLASS64, elf.EM_X86_64, nil, ""},
		{"libbar.so.2", elf.ELFCLASS32, elf.EM_386, nil, "/opt/i386/libbar.so.2"},
		{"libfoo.so.1", elf.ELFCLASS64, elf.EM_AARCH64, nil, ""},
		{"libnone.so", elf.ELFCLASS64, elf.EM_X86_64, nil, ""},
	}
	for name, b := range formats {
		c, err := closure.ParseLDCache(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(c.Entries) != len(cacheEntries) {
			t.Fatalf("%s: %d entries, want %d", name, len(c.Entries), len(cacheEntries))
		}
		for i, e := range c.Entries {
			if e != cacheEntries[i] {
				t.Errorf("%s: entry %d = %+v, want %+v", name, i, e, cacheEntries[i])
			}
		}
		for _, tt := range tests {
			if got := c.Lookup(tt.soname, closure.ArchFor(tt.class, elf.ELFDATA2LSB, tt.machine, 0), tt.hwcaps); got != tt.want {
				t.Errorf("%s: Lookup(%s, %v, %v, %v) = %q, want %q", name, tt.soname, tt.class, tt.machine, tt.hwcaps, got, tt.want)
			}
		}
	}
}

func TestLDCacheOldFormat(t *testing.T) {
	entries := []closure.CacheEntry{
		{Soname: "libz.so.1", Path: "/usr/lib/libz.so.1", Flags: x8664},
		{Soname: "libc.so.6", Path: "/lib/libc.so.6", Flags: x8664},
	}
	c, err := closure.ParseLDCache(mkOldCache(entries))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Lookup("libc.so.6", amd64, nil); got != "/lib/libc.so.6" {
		t.Errorf("Lookup(libc.so.6) = %q", got)
	}
}

func TestLDCacheBad(t *testing.T) {
	good := mkCache(cacheEntries, false)
	bad := map[string][]byte{
		"empty":       nil,
		"other magic": []byte("not a cache at all, not at all"),
		"truncated":   good[:60],
		"old header":  []byte("ld.so-1.7.0"),
		"old entries": append([]byte("ld.so-1.7.0\x00\xff\xff\x00\x00"), make([]byte, 20)...),
	}
	outside := bytes.Clone(good)
	binary.LittleEndian.PutUint32(outside[48+4:], 1<<31)
	bad["string outside"] = outside
	for name, b := range bad {
		if _, err := closure.ParseLDCache(b); !errors.Is(err, closure.ErrBadCache) {
			t.Errorf("%s: err = %v, want ErrBadCache", name, err)
		}
	}
}

// TestLDCacheReal parses the caches ldconfig wrote on this machine and in
// the Debian tree: libc must be there, under a path that exists.
func TestLDCacheReal(t *testing.T) {
	roots := map[string]string{"host": "/"}
	if _, err := os.Stat(filepath.Join(testenv.CacheDir(), "debian-minbase", ".complete")); err == nil {
		roots["debian"] = filepath.Join(testenv.CacheDir(), "debian-minbase")
	}
	for name, root := range roots {
		b, err := os.ReadFile(filepath.Join(root, "etc/ld.so.cache"))
		if err != nil {
			testenv.Missing(t, "%s has no ld.so.cache: %v", name, err)
		}
		c, err := closure.ParseLDCache(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(c.Entries) < 5 {
			t.Errorf("%s: only %d entries", name, len(c.Entries))
		}
		p := c.Lookup("libc.so.6", amd64, nil)
		if p == "" {
			t.Fatalf("%s: no libc.so.6 in the cache", name)
		}
		if _, err := os.Stat(filepath.Join(root, p)); err != nil {
			t.Errorf("%s: cache names %s: %v", name, p, err)
		}
	}
}

func FuzzParseLDCache(f *testing.F) {
	f.Add(mkCache(cacheEntries, false))
	f.Add(mkCache(cacheEntries, true))
	f.Add(mkOldCache(cacheEntries))
	if b, err := os.ReadFile("/etc/ld.so.cache"); err == nil && len(b) < 1<<20 {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := closure.ParseLDCache(b)
		if err != nil {
			return
		}
		for _, e := range c.Entries {
			c.Lookup(e.Soname, amd64, []string{"x86-64-v3"})
		}
	})
}

var amd64 = closure.ArchFor(elf.ELFCLASS64, elf.ELFDATA2LSB, elf.EM_X86_64, 0)
