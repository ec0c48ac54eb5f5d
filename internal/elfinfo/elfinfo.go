// Package elfinfo reads the facts about one ELF file that decide what it
// needs at run time, from its bytes alone: it never executes the file or
// its loader.
package elfinfo

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"sync"
)

// ErrNotELF is returned for a file that does not start with the ELF magic.
var ErrNotELF = errors.New("elfinfo: not an ELF file")

// Linkage says how a program is linked.
type Linkage string

const (
	Static    Linkage = "static"     // no interpreter, no DT_NEEDED, ET_EXEC
	StaticPIE Linkage = "static-pie" // ET_DYN with no interpreter and no DT_NEEDED
	Dynamic   Linkage = "dynamic"    // has an interpreter or DT_NEEDED
)

// Libc flavours.
const (
	Glibc = "glibc"
	Musl  = "musl"
	None  = "none"
)

// File holds the facts read from one ELF file.
type File struct {
	Class       string   `json:"class"`   // "ELF64" or "ELF32"
	Machine     string   `json:"machine"` // "x86_64", "aarch64", ...
	Type        string   `json:"type"`    // "exec", "dyn", "rel", "core"
	Stripped    bool     `json:"stripped"`
	DebugSize   int64    `json:"debug_size"` // bytes in .debug_* and .zdebug_* sections
	Linkage     Linkage  `json:"linkage"`
	Interpreter string   `json:"interpreter,omitempty"`
	Libc        string   `json:"libc"`
	Soname      string   `json:"soname,omitempty"`
	Needed      []string `json:"needed"`
	RPath       []string `json:"rpath,omitempty"`
	RunPath     []string `json:"runpath,omitempty"`
	GlibcMin    string   `json:"glibc_min,omitempty"` // highest GLIBC_x.y version needed
	Dlopen      []Dlopen `json:"dlopen,omitempty"`    // from .note.dlopen
	Go          *GoInfo  `json:"go,omitempty"`
	Needs       []Need   `json:"needs,omitempty"`
	// ARMArch is the OCI variant ("v5", "v6", "v7", "v8") of the oldest
	// CPU a 32-bit ARM file runs on, from its Tag_CPU_arch build
	// attribute; "" for other machines and files without attributes.
	ARMArch string `json:"arm_arch,omitempty"`

	// ELFClass, ELFData, ELFMachine and ELFFlags are kept raw for the
	// loader's compatibility check: a library of another class, byte
	// order, machine or ABI is skipped.
	ELFClass   elf.Class   `json:"-"`
	ELFData    elf.Data    `json:"-"`
	ELFMachine elf.Machine `json:"-"`
	ELFFlags   uint32      `json:"-"`
}

// Dlopen is one entry of a .note.dlopen note (the FDO dlopen metadata spec).
type Dlopen struct {
	Feature     string   `json:"feature,omitempty"`
	Description string   `json:"description,omitempty"`
	Priority    string   `json:"priority,omitempty"` // required, recommended, suggested
	Sonames     []string `json:"soname"`
}

// GoInfo is the build information of a Go binary.
type GoInfo struct {
	Version    string            `json:"version"`
	Path       string            `json:"path,omitempty"`   // main package path
	Module     string            `json:"module,omitempty"` // main module path
	CgoEnabled bool              `json:"cgo_enabled"`
	Trimpath   bool              `json:"trimpath"`
	Settings   map[string]string `json:"settings,omitempty"`
}

// Need is evidence that the program needs a system file that is not a
// library.
type Need struct {
	Kind     string `json:"kind"`     // certificates, timezone, nss, dns
	Evidence string `json:"evidence"` // what was seen, e.g. "string /etc/ssl/certs", "symbol getpwnam"
}

// Compatible reports whether the loader of f would accept lib as a
// dependency: same class, byte order and machine. The loaders' checks of
// ABI flags are the closure's.
func (f *File) Compatible(lib *File) bool {
	return f.ELFClass == lib.ELFClass && f.ELFData == lib.ELFData && f.ELFMachine == lib.ELFMachine
}

// maxOpenRead bounds how much of a file without ReadAt Open copies into
// memory.
const maxOpenRead = 1 << 30

// Open parses the named file of fsys.
func Open(fsys fs.FS, name string) (*File, error) {
	fh, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	if ra, ok := fh.(io.ReaderAt); ok {
		if fi, err := fh.Stat(); err == nil && fi.Mode().IsRegular() {
			return ParseSize(ra, fi.Size())
		}
		return Parse(ra)
	}
	b, err := io.ReadAll(io.LimitReader(fh, maxOpenRead+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if len(b) > maxOpenRead {
		return nil, fmt.Errorf("reading %s: larger than %d bytes", name, maxOpenRead)
	}
	return ParseSize(bytes.NewReader(b), int64(len(b)))
}

// Parse reads the facts of the ELF file in r. It finds the size of r
// through a Size or Stat method when r has one (bytes.Reader,
// io.SectionReader, os.File), else by probing; use ParseSize when the size
// is known.
func Parse(r io.ReaderAt) (*File, error) {
	return ParseSize(r, sizeOf(r))
}

// ParseSize reads the facts of the ELF file in r, which holds size bytes.
// Nothing beyond size is read, and no table larger than the file is
// allocated, whatever the headers claim.
func ParseSize(r io.ReaderAt, size int64) (f *File, err error) {
	// One read of the head of the file serves the ELF and program
	// headers, and in most programs the interpreter, notes and dynamic
	// symbols: a dozen reads fewer per file.
	hp := heads.Get().(*[headSize]byte)
	defer heads.Put(hp)
	n, _ := r.ReadAt(hp[:min(max(size, 0), headSize)], 0)
	r = &headReader{r: r, head: hp[:max(n, 0)]}
	var magic [4]byte
	if _, err := r.ReadAt(magic[:], 0); err != nil || string(magic[:]) != elf.ELFMAG {
		return nil, ErrNotELF
	}
	if err := checkHeader(r, size); err != nil {
		return nil, err
	}
	r = io.NewSectionReader(r, 0, size)
	// debug/elf is hardened by fuzzing upstream, but a corrupt file must
	// never take the process down: turn any panic into an error.
	defer func() {
		if p := recover(); p != nil {
			f, err = nil, fmt.Errorf("elfinfo: corrupt ELF file: %v", p)
		}
	}()
	ef, err := elf.NewFile(r)
	if err != nil {
		return nil, fmt.Errorf("elfinfo: %w", err)
	}
	defer ef.Close()
	f = &File{
		Class:      classString(ef.Class),
		Machine:    machineString(ef.Machine),
		Type:       typeString(ef.Type),
		ELFClass:   ef.Class,
		ELFData:    ef.Data,
		ELFMachine: ef.Machine,
		ELFFlags:   headerFlags(r, ef),
	}
	p := &parser{ef: ef, r: r, size: size, f: f}
	defer p.release()
	f.readSections(ef)
	p.readARMArch()
	if err := p.readDynamic(); err != nil {
		return nil, err
	}
	p.classify()
	f.Dlopen = p.readDlopen()
	f.Go = p.readGo()
	f.Needs = p.readNeeds()
	return f, nil
}

// headerFlags reads e_flags, which debug/elf does not keep: the ABI
// (float ABI of arm and riscv, ELF ABI version of ppc64).
func headerFlags(r io.ReaderAt, ef *elf.File) uint32 {
	off := int64(36)
	if ef.Class == elf.ELFCLASS64 {
		off = 48
	}
	var b [4]byte
	if _, err := r.ReadAt(b[:], off); err != nil {
		return 0
	}
	return ef.ByteOrder.Uint32(b[:])
}

// headSize is how much of the start of a file ParseSize reads at once.
const headSize = 16 << 10

var heads = sync.Pool{New: func() any { return new([headSize]byte) }}

// headReader serves reads inside head, the start of the file, from
// memory.
type headReader struct {
	r    io.ReaderAt
	head []byte
}

func (h *headReader) ReadAt(p []byte, off int64) (int, error) {
	if off >= 0 && off <= int64(len(h.head)) && int64(len(p)) <= int64(len(h.head))-off {
		return copy(p, h.head[off:]), nil
	}
	return h.r.ReadAt(p, off)
}

// parser carries the state shared by the steps of one Parse.
type parser struct {
	ef   *elf.File
	r    io.ReaderAt // bounded to size
	size int64
	f    *File

	dynstr  *strtab
	imports []string    // imported symbols of interest, from .dynsym
	verdef  bool        // has DT_VERDEF: the object defines symbol versions
	isLibc  bool        // the object is the C library (defines __libc_start_main)
	pooled  []pooledBuf // buffers to give back at the end of the parse
}

// readSections fills Stripped and DebugSize from the section headers.
func (f *File) readSections(ef *elf.File) {
	f.Stripped = true
	for _, s := range ef.Sections {
		switch {
		case s.Type == elf.SHT_SYMTAB:
			f.Stripped = false
		case s.Type == elf.SHT_NOBITS:
		case strings.HasPrefix(s.Name, ".debug_"), strings.HasPrefix(s.Name, ".zdebug_"):
			f.DebugSize += int64(s.FileSize)
		}
	}
}

func (p *parser) classify() {
	f := p.f
	switch {
	case f.Interpreter != "" || len(f.Needed) > 0:
		f.Linkage = Dynamic
	case f.Type == "dyn":
		f.Linkage = StaticPIE
	default:
		f.Linkage = Static
	}
	f.Libc = None
	switch {
	case strings.Contains(f.Interpreter, "ld-musl"):
		f.Libc = Musl
	case strings.Contains(f.Interpreter, "ld-linux"), strings.Contains(f.Interpreter, "ld64.so"):
		f.Libc = Glibc
	}
	if f.Libc == None {
		for _, n := range f.Needed {
			switch {
			case strings.HasPrefix(n, "libc.so.6"), strings.HasPrefix(n, "ld-linux"):
				f.Libc = Glibc
			case strings.HasPrefix(n, "libc.musl-"), n == "libc.so":
				f.Libc = Musl
			}
		}
	}
	if f.Libc != None {
		return
	}
	// Shared objects: the C library and its loader name themselves; a
	// library that only needs other libraries still shows glibc through
	// the GLIBC_ versions it needs.
	switch so := f.Soname; {
	case so == "libc.so.6", strings.HasPrefix(so, "ld-linux"), strings.HasPrefix(so, "ld64.so"):
		f.Libc = Glibc
	case strings.HasPrefix(so, "libc.musl-"), strings.HasPrefix(so, "ld-musl-"):
		f.Libc = Musl
	case f.GlibcMin != "":
		f.Libc = Glibc
	case p.isLibc && p.verdef:
		f.Libc = Glibc
	case p.isLibc:
		// musl's libc.so has no soname and no symbol versions.
		f.Libc = Musl
	}
}

func classString(c elf.Class) string {
	switch c {
	case elf.ELFCLASS32:
		return "ELF32"
	case elf.ELFCLASS64:
		return "ELF64"
	}
	return c.String()
}

func typeString(t elf.Type) string {
	switch t {
	case elf.ET_EXEC:
		return "exec"
	case elf.ET_DYN:
		return "dyn"
	case elf.ET_REL:
		return "rel"
	case elf.ET_CORE:
		return "core"
	}
	return t.String()
}

func machineString(m elf.Machine) string {
	switch m {
	case elf.EM_X86_64:
		return "x86_64"
	case elf.EM_386:
		return "i386"
	case elf.EM_AARCH64:
		return "aarch64"
	case elf.EM_ARM:
		return "arm"
	case elf.EM_RISCV:
		return "riscv"
	case elf.EM_PPC64:
		return "ppc64"
	case elf.EM_S390:
		return "s390"
	}
	return strings.ToLower(strings.TrimPrefix(m.String(), "EM_"))
}
