package engine

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// BinfmtDir is where the kernel's binfmt_misc file system is mounted.
const BinfmtDir = "/proc/sys/fs/binfmt_misc"

// ErrNoEmulator is returned for an image of an architecture this machine
// cannot run: not its own, and no binfmt_misc handler takes its programs.
var ErrNoEmulator = errors.New("engine: no emulator for the image's architecture")

// elfMachine is what the ELF header of a program of one OCI architecture
// says, and qemu-user's name for it.
type elfMachine struct {
	class, data byte // EI_CLASS, EI_DATA
	machine     uint16
	qemu        string
}

var elfMachines = map[string]elfMachine{
	"amd64":    {2, 1, 62, "x86_64"},
	"386":      {1, 1, 3, "i386"},
	"arm64":    {2, 1, 183, "aarch64"},
	"arm":      {1, 1, 40, "arm"},
	"ppc64le":  {2, 1, 21, "ppc64le"},
	"ppc64":    {2, 2, 21, "ppc64"},
	"s390x":    {2, 2, 22, "s390x"},
	"riscv64":  {2, 1, 243, "riscv64"},
	"mips64le": {2, 1, 8, "mips64el"},
	"loong64":  {2, 1, 258, "loongarch64"},
}

// header returns the first 20 bytes of an ELF file of m with type typ.
func (m elfMachine) header(typ uint16) []byte {
	h := make([]byte, 20)
	copy(h, "\x7fELF")
	h[4], h[5], h[6] = m.class, m.data, 1
	var bo binary.ByteOrder = binary.LittleEndian
	if m.data == 2 {
		bo = binary.BigEndian
	}
	bo.PutUint16(h[16:], typ)
	bo.PutUint16(h[18:], m.machine)
	return h
}

// checkPlatform refuses an image built for another OS, or for an
// architecture this machine runs neither natively nor through a
// binfmt_misc handler in dir (qemu-user-static's), with one line that
// says how to register one: without it the container would die with
// "exec format error".
func checkPlatform(cfg *v1.ConfigFile, dir string) error {
	if cfg.OS != "" && cfg.OS != "linux" {
		return fmt.Errorf("the image is for %s, not linux", cfg.OS)
	}
	arch := cfg.Architecture
	if arch == "" || arch == runtime.GOARCH || (arch == "386" && runtime.GOARCH == "amd64") {
		return nil
	}
	m, ok := elfMachines[arch]
	if !ok {
		return fmt.Errorf("%w: the image is for linux/%s, which diet cannot run on linux/%s", ErrNoEmulator, arch, runtime.GOARCH)
	}
	h, err := findHandler(dir, m)
	if err != nil {
		return fmt.Errorf("%w: the image is for linux/%s and this machine (linux/%s) %v", ErrNoEmulator, arch, runtime.GOARCH, err)
	}
	if !strings.Contains(h.flags, "F") {
		return fmt.Errorf("%w: the image is for linux/%s and binfmt_misc handler %s lacks the F (fix-binary) flag, so containers cannot reach its interpreter %s: register qemu-user-static's (update-binfmts --enable qemu-%s)", ErrNoEmulator, arch, h.name, h.interpreter, m.qemu)
	}
	return nil
}

// handler is one binfmt_misc entry.
type handler struct {
	name, interpreter, flags string
	enabled                  bool
	offset                   int
	magic, mask              []byte
}

// findHandler returns the enabled handler in dir that takes programs of
// m (executables or position-independent ones), matching its magic and
// mask as the kernel does, whatever the handler is called.
func findHandler(dir string, m elfMachine) (*handler, error) {
	fix := fmt.Sprintf("(apt-get install qemu-user-static binfmt-support, then update-binfmts --enable qemu-%s)", m.qemu)
	if b, err := os.ReadFile(filepath.Join(dir, "status")); err != nil || strings.TrimSpace(string(b)) != "enabled" {
		return nil, fmt.Errorf("has no binfmt_misc enabled at %s %s", dir, fix)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %v %s", dir, err, fix)
	}
	for _, e := range ents {
		if e.Name() == "status" || e.Name() == "register" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		h := parseHandler(e.Name(), b)
		if h.enabled && (h.matches(m.header(2)) || h.matches(m.header(3))) {
			return h, nil
		}
	}
	return nil, fmt.Errorf("has no binfmt_misc handler for %s %s", m.qemu, fix)
}

// parseHandler reads an entry of binfmt_misc ("enabled", "interpreter
// PATH", "flags: PF", "offset N", "magic HEX", "mask HEX"). An extension
// entry has no magic and matches nothing.
func parseHandler(name string, b []byte) *handler {
	h := &handler{name: name}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch k {
		case "enabled":
			h.enabled = true
		case "interpreter":
			h.interpreter = v
		case "flags:":
			h.flags = v
		case "offset":
			h.offset, _ = strconv.Atoi(v)
		case "magic":
			h.magic, _ = hex.DecodeString(v)
		case "mask":
			h.mask, _ = hex.DecodeString(v)
		}
	}
	return h
}

// matches reports whether the kernel hands a file starting with data to h.
func (h *handler) matches(data []byte) bool {
	if len(h.magic) == 0 || h.offset < 0 || h.offset+len(h.magic) > len(data) {
		return false
	}
	data = data[h.offset:]
	for i, c := range h.magic {
		mask := byte(0xff)
		if i < len(h.mask) {
			mask = h.mask[i]
		}
		if (data[i]^c)&mask != 0 {
			return false
		}
	}
	return true
}
