package closure_test

import (
	"debug/elf"
	"encoding/binary"
	"slices"
	"testing"
	"testing/fstest"

	"github.com/dietimg/diet/internal/closure"
)

// archCase is one architecture's loader rules as its glibc port and
// Debian define them, and a file of another ABI its loader skips.
type archCase struct {
	name     string // Debian's
	class    elf.Class
	data     elf.Data
	machine  elf.Machine
	flags    uint32 // e_flags of its programs and libraries
	interp   string
	triplet  string
	platform string
	cache    int32    // the ld.so.cache flags of its libraries
	other    int32    // ld.so.cache flags of another ABI of the machine
	wrong    obj      // a library its loader must skip
	hwcaps   []string // glibc-hwcaps subdirectories glibc knows
}

var archCases = []archCase{
	{name: "arm64", class: elf.ELFCLASS64, data: elf.ELFDATA2LSB, machine: elf.EM_AARCH64,
		interp: "/lib/ld-linux-aarch64.so.1", triplet: "aarch64-linux-gnu", platform: "aarch64",
		cache: 0x0a03, other: 0x0303,
		wrong: obj{Class: elf.ELFCLASS32, Machine: elf.EM_ARM, Flags: 0x05000400}},
	{name: "armhf", class: elf.ELFCLASS32, data: elf.ELFDATA2LSB, machine: elf.EM_ARM, flags: 0x05000400,
		interp: "/lib/ld-linux-armhf.so.3", triplet: "arm-linux-gnueabihf", platform: "v7l",
		cache: 0x0903, other: 0x0b03,
		wrong: obj{Class: elf.ELFCLASS32, Machine: elf.EM_ARM, Flags: 0x05000200}}, // soft float
	{name: "armel", class: elf.ELFCLASS32, data: elf.ELFDATA2LSB, machine: elf.EM_ARM, flags: 0x05000200,
		interp: "/lib/ld-linux.so.3", triplet: "arm-linux-gnueabi", platform: "v5l",
		cache: 0x0b03, other: 0x0903,
		wrong: obj{Class: elf.ELFCLASS32, Machine: elf.EM_ARM, Flags: 0x05000400}}, // hard float
	{name: "ppc64el", class: elf.ELFCLASS64, data: elf.ELFDATA2LSB, machine: elf.EM_PPC64, flags: 2,
		interp: "/lib64/ld64.so.2", triplet: "powerpc64le-linux-gnu", platform: "power8",
		cache: 0x0503, other: 0x0303,
		wrong:  obj{Class: elf.ELFCLASS64, Machine: elf.EM_PPC64, Flags: 1}, // ELFv1
		hwcaps: []string{"power10", "power9"}},
	{name: "s390x", class: elf.ELFCLASS64, data: elf.ELFDATA2MSB, machine: elf.EM_S390,
		interp: "/lib/ld64.so.1", triplet: "s390x-linux-gnu", platform: "z900",
		cache: 0x0403, other: 0x0003,
		wrong:  obj{Class: elf.ELFCLASS64, Data: elf.ELFDATA2LSB, Machine: elf.EM_S390}, // little-endian
		hwcaps: []string{"z16", "z15", "z14", "z13"}},
	{name: "riscv64", class: elf.ELFCLASS64, data: elf.ELFDATA2LSB, machine: elf.EM_RISCV, flags: 0x5,
		interp: "/lib/ld-linux-riscv64-lp64d.so.1", triplet: "riscv64-linux-gnu",
		cache: 0x1003, other: 0x0f03,
		wrong: obj{Class: elf.ELFCLASS64, Machine: elf.EM_RISCV, Flags: 0x1}}, // soft float
}

func (a archCase) obj(o obj) obj {
	o.Class, o.Data, o.Machine, o.Flags = a.class, a.data, a.machine, a.flags
	return o
}

// root lays out a root of a's architecture: its loader, whose compiled-in
// directories name a sysroot-like /usr/TRIPLET/lib, libc there, and
// libraries the program finds through the cache, RUNPATH and $PLATFORM,
// each with a decoy the loader must pass over.
func (a archCase) root() fstest.MapFS {
	sysdir := "/usr/" + a.triplet + "/lib"
	bo := binary.ByteOrder(binary.LittleEndian)
	if a.data == elf.ELFDATA2MSB {
		bo = binary.BigEndian
	}
	cache := mkCacheOrder(bo, []closure.CacheEntry{
		{Soname: "libfoo.so.1", Path: "/opt/other-abi/libfoo.so.1", Flags: a.other},
		{Soname: "libfoo.so.1", Path: "/opt/cache/libfoo.so.1", Flags: a.cache},
	}, false)
	ldso := append(a.obj(obj{Soname: "ld.so"}).Bytes(), "\x00"+sysdir+"/\x00/lib/\x00/usr/lib/\x00"...)
	wrong := a.wrong
	wrong.Soname = "libabi.so.1"
	m := fstest.MapFS{
		a.interp[1:]:                {Data: ldso, Mode: 0o755},
		sysdir[1:] + "/libc.so.6":   a.obj(obj{Soname: "libc.so.6"}).File(),
		"etc/ld.so.cache":           {Data: cache, Mode: 0o644},
		"opt/other-abi/libfoo.so.1": a.obj(obj{Soname: "libfoo.so.1"}).File(),
		"opt/cache/libfoo.so.1":     a.obj(obj{Soname: "libfoo.so.1", Needed: []string{"libc.so.6"}}).File(),
		"opt/first/libabi.so.1":     wrong.File(),
		"opt/second/libabi.so.1":    a.obj(obj{Soname: "libabi.so.1"}).File(),
		"usr/bin/p":                 a.obj(obj{Interp: a.interp, Needed: []string{"libfoo.so.1", "libabi.so.1", "libplat.so.1", "libc.so.6"}, RunPath: "/opt/$PLATFORM:/opt/first:/opt/second"}).File(),
	}
	if a.platform != "" {
		m["opt/"+a.platform+"/libplat.so.1"] = a.obj(obj{Soname: "libplat.so.1"}).File()
	}
	return m
}

func TestArchitectures(t *testing.T) {
	for _, a := range archCases {
		t.Run(a.name, func(t *testing.T) {
			got := closure.ArchFor(a.class, a.data, a.machine, a.flags)
			if got.Name != a.name || got.GlibcInterp != a.interp || got.Triplet != a.triplet || got.Platform != a.platform || !slices.Equal(got.HWCaps, a.hwcaps) {
				t.Errorf("ArchFor = %+v, want %s %s %s %q %v", got, a.name, a.interp, a.triplet, a.platform, a.hwcaps)
			}
			if got.Accepts(a.wrong.Flags) && a.wrong.Class == a.class && a.wrong.Data == 0 {
				t.Errorf("%s accepts e_flags %#x of another ABI", a.name, a.wrong.Flags)
			}
			fsys := a.root()
			res, err := closure.New(fsys, closure.Options{}).Resolve("/usr/bin/p")
			if err != nil {
				t.Fatal(err)
			}
			libc := "libc.so.6 /usr/" + a.triplet + "/lib/libc.so.6 /usr/" + a.triplet + "/lib/libc.so.6"
			want := []string{
				"libfoo.so.1 /opt/cache/libfoo.so.1 /opt/cache/libfoo.so.1",
				"libabi.so.1 /opt/second/libabi.so.1 /opt/second/libabi.so.1",
			}
			if a.platform != "" {
				want = append(want, "libplat.so.1 /opt/"+a.platform+"/libplat.so.1 /opt/"+a.platform+"/libplat.so.1")
			}
			want = append(want, libc)
			if a.platform == "" {
				want = append(want, "missing libplat.so.1")
			}
			if d := describe(res); !slices.Equal(d, want) {
				t.Errorf("closure of p:\n got %q\nwant %q", d, want)
			}
			if res.Interpreter == nil || res.Interpreter.Path != a.interp {
				t.Errorf("interpreter %+v, want %s", res.Interpreter, a.interp)
			}
			// A library has no PT_INTERP: it is resolved with the
			// architecture's usual loader and its directories.
			res, err = closure.New(fsys, closure.Options{}).Resolve("/opt/cache/libfoo.so.1")
			if err != nil {
				t.Fatal(err)
			}
			if d := describe(res); !slices.Equal(d, []string{libc}) {
				t.Errorf("closure of libfoo: %q, want %q", d, libc)
			}
		})
	}
}
