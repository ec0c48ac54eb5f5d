package elfinfo

import "debug/elf"

// GoArch names f's machine as Go and OCI platforms do (GOARCH and
// variant): "amd64", "arm64" "v8", "arm" "v7" (the variant from the
// file's build attributes), "riscv64"... A machine it does not know is
// returned as elfinfo names it.
func (f *File) GoArch() (arch, variant string) {
	switch f.Machine {
	case "x86_64":
		return "amd64", ""
	case "i386":
		return "386", ""
	case "aarch64":
		return "arm64", "v8"
	case "arm":
		return "arm", f.ARMArch
	case "riscv":
		if f.Class == "ELF64" {
			return "riscv64", ""
		}
	case "ppc64":
		if f.ELFData == elf.ELFDATA2MSB {
			return "ppc64", ""
		}
		return "ppc64le", ""
	case "s390":
		return "s390x", ""
	}
	return f.Machine, ""
}
