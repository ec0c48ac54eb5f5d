package elfinfo

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// goTestdata returns Go's debug/elf test files directory, which holds
// objects that real compilers made for many architectures.
func goTestdata(t *testing.T) string {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Skipf("go env GOROOT: %v", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "src", "debug", "elf", "testdata")
}

// TestForeignObjects reads objects gcc and clang made for other
// architectures: the platform of each, the ARM variant from its build
// attributes (readelf -A: clang's Tag_CPU_arch v6, gcc's v7).
func TestForeignObjects(t *testing.T) {
	dir := goTestdata(t)
	for _, tt := range []struct {
		file, machine, arch, variant string
		flags                        uint32
	}{
		{"go-relocation-test-clang-arm.obj", "arm", "arm", "v6", 0x05000000},
		{"go-relocation-test-gcc492-arm.obj", "arm", "arm", "v7", 0x05000000},
		{"go-relocation-test-gcc482-aarch64.obj", "aarch64", "arm64", "v8", 0},
		{"go-relocation-test-gcc482-ppc64le.obj", "ppc64", "ppc64le", "", 0x2},
		{"go-relocation-test-gcc531-s390x.obj", "s390", "s390x", "", 0},
		{"go-relocation-test-gcc720-riscv64.obj", "riscv", "riscv64", "", 0x5},
		{"go-relocation-test-gcc441-x86-64.obj", "x86_64", "amd64", "", 0},
	} {
		b, err := os.ReadFile(filepath.Join(dir, tt.file))
		if err != nil {
			t.Skipf("debug/elf test files: %v", err)
		}
		f, err := Parse(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		arch, variant := f.GoArch()
		if f.Machine != tt.machine || arch != tt.arch || variant != tt.variant || f.ELFFlags != tt.flags {
			t.Errorf("%s: machine %s, platform %s/%s, flags %#x; want %s, %s/%s, %#x",
				tt.file, f.Machine, arch, variant, f.ELFFlags, tt.machine, tt.arch, tt.variant, tt.flags)
		}
	}
}

// attrs lays out an .ARM.attributes section with one "aeabi"
// subsection holding one file-wide attribute list.
func attrs(list ...byte) []byte {
	le := binary.LittleEndian
	file := append([]byte{tagFile, 0, 0, 0, 0}, list...)
	le.PutUint32(file[1:], uint32(len(file)))
	sub := append([]byte{0, 0, 0, 0}, "aeabi\x00"...)
	sub = append(sub, file...)
	le.PutUint32(sub, uint32(len(sub)))
	return append([]byte{'A'}, sub...)
}

// TestARMFixture reads the committed ARMv7 hard-float program
// (testdata/build.sh): readelf -A says Tag_CPU_arch v7.
func TestARMFixture(t *testing.T) {
	f, err := Open(os.DirFS("testdata"), "hello-armv7")
	if err != nil {
		t.Fatal(err)
	}
	if arch, variant := f.GoArch(); arch != "arm" || variant != "v7" || f.ELFFlags != 0x05000400 || f.Linkage != Static {
		t.Errorf("hello-armv7: %s/%s, flags %#x, %s; want arm/v7, 0x5000400, static", arch, variant, f.ELFFlags, f.Linkage)
	}
}

func TestCPUArch(t *testing.T) {
	for _, tt := range []struct {
		name string
		b    []byte
		want uint64
		ok   bool
	}{
		// Tag_CPU_name "7-A", Tag_CPU_arch v7, Tag_CPU_arch_profile 'A',
		// Tag_ARM_ISA_use, as gcc writes them for armhf.
		{"armhf", attrs(5, '7', '-', 'A', 0, 6, 10, 7, 'A', 8, 1), 10, true},
		{"after a compatibility tag", attrs(32, 1, 'g', 'n', 'u', 0, 6, 14), 14, true},
		{"after a string tag", attrs(67, '2', '.', '0', '9', 0, 6, 3), 3, true},
		{"no cpu arch", attrs(8, 1, 9, 2), 0, false},
		{"truncated uleb", attrs(6, 0x80), 0, false},
		{"unterminated string", attrs(5, 'x'), 0, false},
		{"no version byte", []byte("Xaeabi"), 0, false},
		{"length past the end", []byte{'A', 0xff, 0, 0, 0}, 0, false},
		{"empty", nil, 0, false},
	} {
		got, ok := cpuArch(tt.b, binary.LittleEndian)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: cpuArch = %d, %v; want %d, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
	for arch, want := range map[uint64]string{0: "v5", 4: "v5", 6: "v6", 9: "v6", 10: "v7", 11: "v6", 13: "v7", 14: "v8", 20: "v8"} {
		if got := armVariant(arch); got != want {
			t.Errorf("armVariant(%d) = %s, want %s", arch, got, want)
		}
	}
}

// FuzzCPUArch: any .ARM.attributes bytes give a value or none, never a
// panic or a read past the end.
func FuzzCPUArch(f *testing.F) {
	f.Add(attrs(5, '7', '-', 'A', 0, 6, 10, 7, 'A', 8, 1))
	f.Add(attrs(32, 1, 'g', 'n', 'u', 0, 6, 14))
	f.Add([]byte{'A', 0xff, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		if v, ok := cpuArch(b, binary.LittleEndian); ok {
			armVariant(v)
		}
		cpuArch(b, binary.BigEndian)
	})
}
