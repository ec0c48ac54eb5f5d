package analyze

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/dietimg/diet/internal/trace"
)

// Seccomp summarises the seccomp profile published with an image (diet
// slim --seccomp): how many of its architecture's system calls it
// allows.
type Seccomp struct {
	// From says where the profile was found: a sidecar file, or attached.
	From string `json:"from"`
	// Arch is the architecture (GOARCH) of the profile's first
	// architecture; Allowed how many distinct calls it allows there, of
	// Total (0 when diet has no table of that architecture).
	Arch    string `json:"arch"`
	Allowed int    `json:"allowed"`
	Total   int    `json:"total,omitempty"`
	// DefaultAction is what a call not allowed gets.
	DefaultAction string `json:"default_action"`
	Bytes         int    `json:"bytes"`
}

var goArch = map[string]string{"SCMP_ARCH_X86_64": "amd64", "SCMP_ARCH_AARCH64": "arm64"}

// AddSeccomp adds the summary of profile, found at from, to a; a nil
// profile adds nothing.
func (a *Analysis) AddSeccomp(profile []byte, from string) error {
	if profile == nil {
		return nil
	}
	var doc struct {
		DefaultAction string   `json:"defaultAction"`
		Architectures []string `json:"architectures"`
		Syscalls      []struct {
			Names  []string `json:"names"`
			Action string   `json:"action"`
		} `json:"syscalls"`
	}
	if err := json.Unmarshal(profile, &doc); err != nil {
		return fmt.Errorf("reading the seccomp profile %s: %w", from, err)
	}
	s := &Seccomp{From: from, DefaultAction: doc.DefaultAction, Bytes: len(profile)}
	if len(doc.Architectures) > 0 {
		s.Arch = goArch[doc.Architectures[0]]
		if s.Arch == "" {
			s.Arch = strings.ToLower(strings.TrimPrefix(doc.Architectures[0], "SCMP_ARCH_"))
		}
	}
	allowed := map[string]bool{}
	for _, r := range doc.Syscalls {
		if r.Action == "SCMP_ACT_ALLOW" {
			for _, n := range r.Names {
				allowed[n] = true
			}
		}
	}
	s.Allowed = len(allowed)
	s.Total = len(trace.SyscallNames(s.Arch))
	a.Seccomp = s
	return nil
}

// String is the line diet inspect prints.
func (s *Seccomp) String() string {
	of := ""
	if s.Total > 0 {
		of = fmt.Sprintf(" of %d", s.Total)
	}
	return fmt.Sprintf("a profile allows %d%s %s system calls, the rest %s (%s, %d bytes)", s.Allowed, of, s.Arch, s.DefaultAction, s.From, s.Bytes)
}
