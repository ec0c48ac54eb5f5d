package elfinfo

import "testing"

func TestGoArch(t *testing.T) {
	for _, tt := range []struct {
		machine, class, arch, variant string
	}{
		{"x86_64", "ELF64", "amd64", ""},
		{"aarch64", "ELF64", "arm64", "v8"},
		{"i386", "ELF32", "386", ""},
		{"riscv", "ELF64", "riscv64", ""},
		{"riscv", "ELF32", "riscv", ""},
		{"s390", "ELF64", "s390x", ""},
		{"mips", "ELF32", "mips", ""},
	} {
		f := &File{Machine: tt.machine, Class: tt.class}
		if arch, variant := f.GoArch(); arch != tt.arch || variant != tt.variant {
			t.Errorf("GoArch(%s %s) = %q %q, want %q %q", tt.machine, tt.class, arch, variant, tt.arch, tt.variant)
		}
	}
}
