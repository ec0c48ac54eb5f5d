// Package elfinfo reads the facts about one ELF file that decide what it
// needs at run time, from its bytes alone: it never executes the file or
// its loader.
package elfinfo

import (
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
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

	// ELFClass and ELFMachine are kept raw for the loader's compatibility
	// check: a library of another class or machine is skipped.
	ELFClass   elf.Class   `json:"-"`
	ELFMachine elf.Machine `json:"-"`
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
// dependency: same class and machine.
func (f *File) Compatible(lib *File) bool {
	return f.ELFClass == lib.ELFClass && f.ELFMachine == lib.ELFMachine
}

// Open parses the named file of fsys.
func Open(fsys fs.FS, name string) (*File, error) {
	fh, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	ra, ok := fh.(io.ReaderAt)
	if !ok {
		b, err := io.ReadAll(fh)
		if err != nil {
			return nil, err
		}
		ra = strings.NewReader(string(b))
	}
	return Parse(ra)
}

// Parse reads the facts of the ELF file in r.
func Parse(r io.ReaderAt) (f *File, err error) {
	var magic [4]byte
	if _, err := r.ReadAt(magic[:], 0); err != nil || string(magic[:]) != elf.ELFMAG {
		return nil, ErrNotELF
	}
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
		ELFMachine: ef.Machine,
	}
	if err := f.readDynamic(ef); err != nil {
		return nil, err
	}
	f.classify()
	return f, nil
}

func (f *File) readDynamic(ef *elf.File) error {
	for _, p := range ef.Progs {
		if p.Type != elf.PT_INTERP {
			continue
		}
		b, err := io.ReadAll(io.LimitReader(p.Open(), 4096))
		if err != nil {
			return fmt.Errorf("elfinfo: reading PT_INTERP: %w", err)
		}
		f.Interpreter = strings.TrimRight(string(b), "\x00")
	}
	if ef.Section(".dynamic") == nil && dynProg(ef) == nil {
		return nil
	}
	var err error
	if f.Needed, err = ef.DynString(elf.DT_NEEDED); err != nil {
		return fmt.Errorf("elfinfo: reading DT_NEEDED: %w", err)
	}
	if s, _ := ef.DynString(elf.DT_SONAME); len(s) > 0 {
		f.Soname = s[0]
	}
	f.RPath = splitPaths(ef, elf.DT_RPATH)
	f.RunPath = splitPaths(ef, elf.DT_RUNPATH)
	return nil
}

func dynProg(ef *elf.File) *elf.Prog {
	for _, p := range ef.Progs {
		if p.Type == elf.PT_DYNAMIC {
			return p
		}
	}
	return nil
}

func splitPaths(ef *elf.File, tag elf.DynTag) []string {
	vals, _ := ef.DynString(tag)
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

func (f *File) classify() {
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
