package image

import (
	"fmt"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// linuxArches are the GOARCH values Go supports on Linux, with the
// variants an OCI platform may name for them.
var linuxArches = map[string][]string{
	"386":      nil,
	"amd64":    {"v1", "v2", "v3", "v4"},
	"arm":      {"v5", "v6", "v7"},
	"arm64":    {"v8", "v8.0", "v8.1", "v8.2", "v8.3", "v8.4", "v8.5", "v8.6", "v8.7", "v8.8", "v8.9", "v9.0", "v9.1", "v9.2", "v9.3", "v9.4", "v9.5"},
	"loong64":  nil,
	"mips":     nil,
	"mipsle":   nil,
	"mips64":   nil,
	"mips64le": nil,
	"ppc64":    nil,
	"ppc64le":  nil,
	"riscv64":  nil,
	"s390x":    nil,
}

// aliases maps architecture names people use to GOARCH.
var aliases = map[string]string{
	"x86_64":  "amd64",
	"x86-64":  "amd64",
	"aarch64": "arm64",
	"i386":    "386",
	"i686":    "386",
	"armhf":   "arm",
	"armv7":   "arm",
	"armv7l":  "arm",
}

// ParsePlatform parses one "os/arch[/variant]" platform ("linux/arm64",
// "linux/arm/v7"), as --platform names the image to take from an index.
// It is ParsePlatforms held to a single platform.
func ParsePlatform(s string) (v1.Platform, error) {
	ps, err := ParsePlatforms(s)
	if err != nil {
		return v1.Platform{}, err
	}
	if len(ps) != 1 {
		return v1.Platform{}, fmt.Errorf("platform %q: want one platform, not %d", s, len(ps))
	}
	return ps[0], nil
}

// ParsePlatforms parses a comma-separated list of "os/arch[/variant]"
// platforms ("linux/amd64,linux/arm64"). Only Linux is accepted: diet builds
// and runs Linux container images. Architecture names people use (x86_64,
// aarch64, armv7) are taken for their GOARCH.
func ParsePlatforms(s string) ([]v1.Platform, error) {
	var out []v1.Platform
	seen := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			return nil, fmt.Errorf("platform list %q: empty entry", s)
		}
		parts := strings.Split(f, "/")
		if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
			return nil, fmt.Errorf("platform %q: want os/arch or os/arch/variant, like linux/amd64", f)
		}
		p := v1.Platform{OS: strings.ToLower(parts[0]), Architecture: strings.ToLower(parts[1])}
		if len(parts) == 3 {
			p.Variant = strings.ToLower(parts[2])
		}
		if a, ok := aliases[p.Architecture]; ok {
			if p.Architecture == "armv7" || p.Architecture == "armv7l" || p.Architecture == "armhf" {
				if p.Variant == "" {
					p.Variant = "v7"
				}
			}
			p.Architecture = a
		}
		if err := CheckPlatform(p); err != nil {
			return nil, fmt.Errorf("platform %q: %w", f, err)
		}
		key := p.String()
		if seen[key] {
			return nil, fmt.Errorf("platform list %q: %s given twice", s, key)
		}
		seen[key] = true
		out = append(out, p)
	}
	return out, nil
}

// CheckPlatform says what is wrong with p for diet, if anything: an OS
// other than Linux, an architecture Go does not know for Linux (by its
// GOARCH name), a variant the architecture does not have.
func CheckPlatform(p v1.Platform) error {
	if p.OS != "linux" {
		return fmt.Errorf("unsupported OS %q (diet makes and reads linux images only)", p.OS)
	}
	variants, ok := linuxArches[p.Architecture]
	if !ok {
		known := make([]string, 0, len(linuxArches))
		for a := range linuxArches {
			known = append(known, a)
		}
		slices.Sort(known)
		return fmt.Errorf("unknown architecture %q (known: %s)", p.Architecture, strings.Join(known, ", "))
	}
	if p.Variant != "" && !slices.Contains(variants, p.Variant) {
		if len(variants) == 0 {
			return fmt.Errorf("architecture %s has no variants", p.Architecture)
		}
		return fmt.Errorf("unknown variant %q of %s (known: %s)", p.Variant, p.Architecture, strings.Join(variants, ", "))
	}
	return nil
}
