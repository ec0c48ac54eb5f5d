package closure

import (
	"debug/elf"
	"path"
	"strings"
	"sync"

	"github.com/dietimg/diet/internal/elfinfo"
	"github.com/dietimg/diet/internal/rootfs"
)

// SearchDirs returns the directories the loader of the ELF file f (its
// PT_INTERP, or the usual loader of its machine, class and ABI) searches
// for a library named without a slash, when no DT_RPATH, DT_RUNPATH or
// LD_LIBRARY_PATH applies, in no particular order of preference. For
// glibc: the directories of the root's ld.so.cache entries the loader
// takes for f's architecture (a glibc-hwcaps entry counts for the
// directory above glibc-hwcaps), then the loader's default directories,
// read from the loader itself or else the architecture's multiarch
// layout. For musl: its system path. The names are as the cache and the
// loader spell them, not resolved.
func (r *Resolver) SearchDirs(f *elfinfo.File) []string {
	a := ArchOf(f)
	var dirs []string
	seen := map[string]bool{}
	add := func(d string) {
		if d = rootfs.Clean(d); !seen[d] {
			seen[d] = true
			dirs = append(dirs, d)
		}
	}
	if f.Libc == elfinfo.Musl {
		interp := f.Interpreter
		if interp == "" {
			interp = "/lib/ld-musl-" + a.MuslArch + ".so.1"
		}
		for _, d := range r.muslSysPath(interp) {
			add(d)
		}
		return dirs
	}
	if c := r.cache(); c != nil {
		for _, e := range c.Entries {
			if e.Legacy || !a.acceptsCache(e.Flags) {
				continue
			}
			d := path.Dir(e.Path)
			if i := strings.Index(d, "/glibc-hwcaps/"); i >= 0 {
				d = d[:i]
			}
			add(d)
		}
	}
	interp := f.Interpreter
	if interp == "" {
		interp = a.GlibcInterp
	}
	for _, d := range r.glibcLoaderFor(interp, a, f.ELFClass).systemDirs {
		add(d)
	}
	return dirs
}

// IsMultiarchDir reports whether dir is a Debian multiarch library
// directory of an architecture diet has loader rules for
// (/usr/lib/aarch64-linux-gnu, /lib/x86_64-linux-gnu), whichever the
// program's: an image may hold the libraries of several.
func IsMultiarchDir(dir string) bool {
	for _, prefix := range []string{"/lib/", "/usr/lib/"} {
		if rest, ok := strings.CutPrefix(dir, prefix); ok && triplets()[rest] {
			return true
		}
	}
	return false
}

// triplets are the multiarch triplets of the architectures ArchFor knows.
var triplets = sync.OnceValue(func() map[string]bool {
	abis := []struct {
		class   elf.Class
		data    elf.Data
		machine elf.Machine
		flags   uint32
	}{
		{elf.ELFCLASS64, elf.ELFDATA2LSB, elf.EM_X86_64, 0},
		{elf.ELFCLASS32, elf.ELFDATA2LSB, elf.EM_X86_64, 0},
		{elf.ELFCLASS32, elf.ELFDATA2LSB, elf.EM_386, 0},
		{elf.ELFCLASS64, elf.ELFDATA2LSB, elf.EM_AARCH64, 0},
		{elf.ELFCLASS32, elf.ELFDATA2LSB, elf.EM_ARM, efARMEABIVer5 | efARMFloatHard},
		{elf.ELFCLASS32, elf.ELFDATA2LSB, elf.EM_ARM, efARMEABIVer5 | efARMFloatSoft},
		{elf.ELFCLASS64, elf.ELFDATA2LSB, elf.EM_PPC64, 2},
		{elf.ELFCLASS64, elf.ELFDATA2MSB, elf.EM_PPC64, 1},
		{elf.ELFCLASS64, elf.ELFDATA2MSB, elf.EM_S390, 0},
		{elf.ELFCLASS64, elf.ELFDATA2LSB, elf.EM_RISCV, efRISCVFloatDoubl},
	}
	m := map[string]bool{}
	for _, a := range abis {
		if t := ArchFor(a.class, a.data, a.machine, a.flags).Triplet; t != "" {
			m[t] = true
		}
	}
	return m
})
