package closure

import (
	"debug/elf"

	"github.com/dietimg/diet/internal/elfinfo"
)

// Arch is what the loaders of one architecture and ABI have compiled in,
// as glibc's and musl's ports and Debian's multiarch layout define them.
// It decides the loader a library is inspected with, the default search
// directories when the loader cannot be read, $PLATFORM, which
// ld.so.cache entries count and which libraries the loader accepts.
type Arch struct {
	// Name is the architecture as Debian names it: "amd64", "arm64",
	// "armhf", "armel", "ppc64el", "ppc64", "s390x", "riscv64", ...; ""
	// for a machine diet has no rules for.
	Name string
	// GlibcInterp is the PT_INTERP of glibc programs.
	GlibcInterp string
	// Triplet is the Debian multiarch directory (lib/TRIPLET).
	Triplet string
	// MuslArch is the ARCH of musl's /lib/ld-musl-ARCH.so.1 and
	// /etc/ld-musl-ARCH.path.
	MuslArch string
	// Platform is $PLATFORM, the kernel's AT_PLATFORM on the baseline CPU
	// ("" where the kernel passes none, and glibc drops the path).
	Platform string
	// CacheFlags are the ld.so.cache entry flags glibc's loader takes
	// (_dl_cache_check_flags); nil accepts every glibc entry, checked
	// only when opened.
	CacheFlags []int32
	// HWCaps are the glibc-hwcaps subdirectories glibc knows for the
	// architecture, best first (the values of --hwcaps).
	HWCaps []string

	// abiOK is the loader's check of a library's e_flags (glibc's
	// elf_machine_matches_host and VALID_FLOAT_ABI); nil accepts all.
	abiOK func(flags uint32) bool
}

// ELF header flags that decide the ABI.
const (
	efARMEABIMask     = 0xff000000
	efARMEABIVer5     = 0x05000000
	efARMFloatSoft    = 0x00000200
	efARMFloatHard    = 0x00000400
	efRISCVFloatMask  = 0x0006
	efRISCVFloatSoft  = 0x0000
	efRISCVFloatDoubl = 0x0004
	efPPC64ABIMask    = 0x0003
)

// Flags of ld.so.cache entries: FLAG_ELF_LIBC6 with the required flag
// of the ABI (glibc's sysdeps/generic/ldconfig.h).
const (
	cacheLibc6       = 0x0003
	cacheX8664       = 0x0303
	cacheS390x       = 0x0403
	cachePPC64       = 0x0503
	cacheX32         = 0x0803
	cacheARMHF       = 0x0903
	cacheAArch64     = 0x0a03
	cacheARMSF       = 0x0b03
	cacheRISCVSoft   = 0x0f03
	cacheRISCVDouble = 0x1003
)

// ArchOf returns the loader rules for the architecture and ABI of f.
func ArchOf(f *elfinfo.File) Arch {
	return ArchFor(f.ELFClass, f.ELFData, f.ELFMachine, f.ELFFlags)
}

// ArchFor returns the loader rules for an ELF class, byte order, machine
// and header flags (e_flags: the float ABI of arm and riscv).
func ArchFor(class elf.Class, data elf.Data, machine elf.Machine, flags uint32) Arch {
	is64, le := class == elf.ELFCLASS64, data != elf.ELFDATA2MSB
	switch {
	case machine == elf.EM_X86_64 && is64:
		return Arch{Name: "amd64", GlibcInterp: "/lib64/ld-linux-x86-64.so.2", Triplet: "x86_64-linux-gnu",
			MuslArch: "x86_64", Platform: "x86_64", CacheFlags: []int32{cacheX8664},
			HWCaps: []string{"x86-64-v4", "x86-64-v3", "x86-64-v2"}}
	case machine == elf.EM_X86_64:
		return Arch{Name: "x32", GlibcInterp: "/libx32/ld-linux-x32.so.2", Triplet: "x86_64-linux-gnux32",
			MuslArch: "x32", Platform: "x86_64", CacheFlags: []int32{cacheX32}}
	case machine == elf.EM_386:
		return Arch{Name: "i386", GlibcInterp: "/lib/ld-linux.so.2", Triplet: "i386-linux-gnu",
			MuslArch: "i386", Platform: "i686", CacheFlags: []int32{0x0001, cacheLibc6}}
	case machine == elf.EM_AARCH64 && is64 && le:
		return Arch{Name: "arm64", GlibcInterp: "/lib/ld-linux-aarch64.so.1", Triplet: "aarch64-linux-gnu",
			MuslArch: "aarch64", Platform: "aarch64", CacheFlags: []int32{cacheAArch64}}
	case machine == elf.EM_ARM && !is64 && le:
		// Hard or soft float from the EABI version 5 flags; an unmarked
		// file is taken as hard float, as Debian has built since armhf.
		if flags&efARMEABIMask == efARMEABIVer5 && flags&efARMFloatSoft != 0 {
			return Arch{Name: "armel", GlibcInterp: "/lib/ld-linux.so.3", Triplet: "arm-linux-gnueabi",
				MuslArch: "arm", Platform: "v5l", CacheFlags: []int32{cacheARMSF, cacheLibc6},
				abiOK: func(f uint32) bool { return f&efARMEABIMask != efARMEABIVer5 || f&efARMFloatHard == 0 }}
		}
		return Arch{Name: "armhf", GlibcInterp: "/lib/ld-linux-armhf.so.3", Triplet: "arm-linux-gnueabihf",
			MuslArch: "armhf", Platform: "v7l", CacheFlags: []int32{cacheARMHF, cacheLibc6},
			abiOK: func(f uint32) bool { return f&efARMEABIMask != efARMEABIVer5 || f&efARMFloatSoft == 0 }}
	case machine == elf.EM_PPC64 && is64:
		// ELFv2 (little-endian Debian) or ELFv1 (big-endian); 0 is
		// either, an unmarked object glibc accepts.
		abi := uint32(1)
		a := Arch{Name: "ppc64", GlibcInterp: "/lib64/ld64.so.1", Triplet: "powerpc64-linux-gnu",
			MuslArch: "powerpc64", Platform: "power8", CacheFlags: []int32{cachePPC64}}
		if le {
			abi = 2
			a = Arch{Name: "ppc64el", GlibcInterp: "/lib64/ld64.so.2", Triplet: "powerpc64le-linux-gnu",
				MuslArch: "powerpc64le", Platform: "power8", CacheFlags: []int32{cachePPC64},
				HWCaps: []string{"power10", "power9"}}
		}
		a.abiOK = func(f uint32) bool { return f&efPPC64ABIMask == 0 || f&efPPC64ABIMask == abi }
		return a
	case machine == elf.EM_S390 && is64 && !le:
		return Arch{Name: "s390x", GlibcInterp: "/lib/ld64.so.1", Triplet: "s390x-linux-gnu",
			MuslArch: "s390x", Platform: "z900", CacheFlags: []int32{cacheS390x},
			HWCaps: []string{"z16", "z15", "z14", "z13"}}
	case machine == elf.EM_RISCV && is64 && le:
		// The loader takes only libraries of its own float ABI.
		fabi := flags & efRISCVFloatMask
		ok := func(f uint32) bool { return f&efRISCVFloatMask == fabi }
		if fabi == efRISCVFloatSoft {
			return Arch{Name: "riscv64-lp64", GlibcInterp: "/lib/ld-linux-riscv64-lp64.so.1", Triplet: "riscv64-linux-gnu",
				MuslArch: "riscv64-sf", CacheFlags: []int32{cacheRISCVSoft}, abiOK: ok}
		}
		return Arch{Name: "riscv64", GlibcInterp: "/lib/ld-linux-riscv64-lp64d.so.1", Triplet: "riscv64-linux-gnu",
			MuslArch: "riscv64", CacheFlags: []int32{cacheRISCVDouble}, abiOK: ok}
	}
	return Arch{}
}

// Accepts reports whether glibc's loader for a accepts a library with
// ELF header flags flags (class, byte order and machine are elfinfo's
// Compatible).
func (a Arch) Accepts(flags uint32) bool { return a.abiOK == nil || a.abiOK(flags) }

// acceptsCache reports whether the loader takes an ld.so.cache entry
// with these flags.
func (a Arch) acceptsCache(flags int32) bool {
	if a.CacheFlags == nil {
		return flags&flagTypeMask == flagELFLibc6
	}
	for _, f := range a.CacheFlags {
		if flags == f {
			return true
		}
	}
	return false
}
