package slim

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/dietimg/diet/internal/engine"
	"github.com/dietimg/diet/internal/trace"
)

// Seccomp is the seccomp profile of a slimmed image (Options.Seccomp)
// and how it was made: from the union of the system calls every traced
// process made in every probe run, what the runtime needs to start the
// program, and --seccomp-add. Calls the probes never made are refused:
// the profile is as good as the probes.
type Seccomp struct {
	// Arch is the image's architecture (GOARCH); Allowed is how many of
	// the architecture's Total calls the profile allows, some of them
	// only with the arguments seen (Filtered).
	Arch    string `json:"arch"`
	Allowed int    `json:"allowed"`
	Total   int    `json:"total"`
	// Calls are the calls allowed, by name.
	Calls []string `json:"calls"`
	// Traced is how many distinct calls the program made in the probes'
	// traced runs.
	Traced int `json:"traced"`
	// Runtime are the calls allowed for the runtime to start the program
	// that the program itself never made, and RuntimeFrom says how they
	// were found.
	Runtime     []string `json:"runtime"`
	RuntimeFrom string   `json:"runtime_from"`
	// Added are the calls of --seccomp-add.
	Added []string `json:"added,omitempty"`
	// Filtered describe the calls allowed only with the arguments seen:
	// "socket(family: 1, 2)".
	Filtered []string `json:"filtered,omitempty"`
	// VerifyOnly are the calls the verify allowed besides the profile,
	// because what the probes run inside the container (diet's helper for
	// network probes, --probe-cmd commands) runs under the container's
	// filter too: the program is not proven without them.
	VerifyOnly []string `json:"verify_only,omitempty"`
	// Verified says that the probes' answers from the slimmed image run
	// under the profile were the original's; NotVerified says why the
	// profile was not run.
	Verified    bool   `json:"verified"`
	NotVerified string `json:"not_verified,omitempty"`
	// Refused are the calls the slimmed image made, traced with the same
	// probes, that the profile does not allow: when the verify failed
	// under the profile, these are why.
	Refused []string `json:"refused,omitempty"`
}

// String is the one-line summary a report prints.
func (s *Seccomp) String() string {
	return fmt.Sprintf("%d of %d %s system calls allowed, from the probes' traced runs (%d), the runtime's start (%d more, %s) and --seccomp-add (%d)",
		s.Allowed, s.Total, s.Arch, s.Traced, len(s.Runtime), s.RuntimeFrom, len(s.Added))
}

// seccompArch names an architecture (GOARCH) the way profiles do.
var seccompArch = map[string]string{"amd64": "SCMP_ARCH_X86_64", "arm64": "SCMP_ARCH_AARCH64"}

// alwaysAllowed are allowed in every profile, whatever the trace saw:
// execve starts the program (the runtime's, and the sensor never sees the
// first one); a process ends with exit_group (threads with exit), which a
// program killed by the runtime never reached while traced; the kernel
// makes a program call restart_syscall after a stop signal, and
// rt_sigreturn ends a signal handler, both at times no probe controls.
var alwaysAllowed = []string{"execve", "exit", "exit_group", "restart_syscall", "rt_sigreturn"}

// newerCalls are calls newer than what most programs were written for,
// each with a fallback in the C libraries and runtimes that use it when
// the kernel says ENOSYS: glibc's clone3 (to clone), statx (to fstatat),
// faccessat2 (to faccessat), fchmodat2, rseq (registration given up),
// close_range, openat2, copy_file_range and pidfd_open in Go and coreutils,
// epoll_pwait2, futex_waitv. A profile refuses them, when the probes never
// made them, with ENOSYS rather than EPERM: a program that reaches one on
// a path no probe took falls back as on an older kernel instead of
// failing. Docker's default profile does the same for clone3.
var newerCalls = []string{"clone3", "close_range", "copy_file_range", "epoll_pwait2", "faccessat2", "fchmodat2",
	"futex_waitv", "openat2", "pidfd_getfd", "pidfd_open", "pidfd_send_signal", "rseq", "statx"}

const (
	errnoEPERM  = 1
	errnoENOSYS = 38
)

// argFiltered are the calls a profile allows only with the argument
// values (index 0) seen, where that is well understood: socket's address
// family (a program that never opened a packet socket gets none),
// personality's persona, and clone's namespace flags (as Docker's default
// profile: no new namespaces unless the program made them).
var argFiltered = map[string]bool{"socket": true, "personality": true, "clone": true}

// callSet is what a profile allows.
type callSet struct {
	arch  string
	names map[string]bool            // allowed with any arguments
	args  map[string]map[uint64]bool // allowed with these values of argument 0 only
	from  map[string]map[string]bool // kind ("traced", "runtime", "added") -> names
}

func newCallSet(arch string) *callSet {
	return &callSet{arch: arch, names: map[string]bool{}, args: map[string]map[uint64]bool{}, from: map[string]map[string]bool{}}
}

func (s *callSet) mark(kind, name string) {
	if s.from[kind] == nil {
		s.from[kind] = map[string]bool{}
	}
	s.from[kind][name] = true
}

// addTraced adds calls a trace saw: a call of argFiltered with the
// arguments seen, when they were (not under emulation), else by name.
func (s *callSet) addTraced(kind string, calls []trace.Call) {
	withArgs := map[string]bool{}
	for _, c := range calls {
		if c.Arch == s.arch && c.ArgSeen && c.Index == 0 && argFiltered[c.Name] {
			withArgs[c.Name] = true
		}
	}
	for _, c := range calls {
		if c.Arch != s.arch {
			continue
		}
		s.mark(kind, c.Name)
		switch {
		case !withArgs[c.Name]:
			s.names[c.Name] = true
		case c.ArgSeen:
			if s.args[c.Name] == nil {
				s.args[c.Name] = map[uint64]bool{}
			}
			s.args[c.Name][c.Value] = true
		}
	}
}

// addNames adds calls by name, with any arguments; names the
// architecture does not have are left out and returned.
func (s *callSet) addNames(kind string, names []string) (unknown []string) {
	known := map[string]bool{}
	for _, n := range trace.SyscallNames(s.arch) {
		known[n] = true
	}
	for _, n := range names {
		if !known[n] {
			unknown = append(unknown, n)
			continue
		}
		s.mark(kind, n)
		s.names[n] = true
	}
	return unknown
}

// union is a copy of s with the calls of o.
func (s *callSet) union(o *callSet) *callSet {
	u := newCallSet(s.arch)
	for _, x := range []*callSet{s, o} {
		for n := range x.names {
			u.names[n] = true
		}
		for n, vs := range x.args {
			if u.args[n] == nil {
				u.args[n] = map[uint64]bool{}
			}
			for v := range vs {
				u.args[n][v] = true
			}
		}
	}
	return u
}

// allowed lists the calls allowed, by name, sorted.
func (s *callSet) allowed() []string {
	set := map[string]bool{}
	for n := range s.names {
		set[n] = true
	}
	for n := range s.args {
		set[n] = true
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// profile writes s as a profile: everything not allowed fails with EPERM
// (a program sees "operation not permitted", as from Docker's default
// profile, rather than a crash: SCMP_ACT_KILL would leave no trace of
// which call it was), but for the newer calls, which fail with ENOSYS
// (newerCalls). It returns the profile and the description of the
// calls filtered on their arguments.
func (s *callSet) profile() ([]byte, []string, error) {
	arch, ok := seccompArch[s.arch]
	if !ok {
		return nil, nil, fmt.Errorf("no seccomp profile for architecture %q (amd64 and arm64 have system call tables)", s.arch)
	}
	eperm := uint(errnoEPERM)
	doc := engine.SeccompProfile{DefaultAction: "SCMP_ACT_ERRNO", DefaultErrnoRet: &eperm, Architectures: []string{arch}}
	var plain []string
	for n := range s.names {
		plain = append(plain, n)
	}
	sort.Strings(plain)
	doc.Syscalls = append(doc.Syscalls, engine.SeccompRule{Names: plain, Action: "SCMP_ACT_ALLOW"})
	var filtered []string
	var conditional []string
	for n := range s.args {
		if !s.names[n] {
			conditional = append(conditional, n)
		}
	}
	sort.Strings(conditional)
	for _, n := range conditional {
		vals := make([]uint64, 0, len(s.args[n]))
		for v := range s.args[n] {
			vals = append(vals, v)
		}
		slices.Sort(vals)
		if n == "clone" {
			if s.cloneAny() {
				// The program made namespaces: clone with any flags.
				doc.Syscalls[0].Names = append(doc.Syscalls[0].Names, n)
				continue
			}
			doc.Syscalls = append(doc.Syscalls, engine.SeccompRule{Names: []string{n}, Action: "SCMP_ACT_ALLOW",
				Args: []engine.SeccompArg{{Index: 0, Value: trace.CloneNamespaceFlags, ValueTwo: 0, Op: "SCMP_CMP_MASKED_EQ"}}})
			filtered = append(filtered, "clone(no namespace flags)")
			continue
		}
		var desc []string
		for _, v := range vals {
			doc.Syscalls = append(doc.Syscalls, engine.SeccompRule{Names: []string{n}, Action: "SCMP_ACT_ALLOW",
				Args: []engine.SeccompArg{{Index: 0, Value: v, Op: "SCMP_CMP_EQ"}}})
			desc = append(desc, fmt.Sprint(v))
		}
		what := map[string]string{"socket": "family", "personality": "persona"}[n]
		filtered = append(filtered, fmt.Sprintf("%s(%s %s)", n, what, strings.Join(desc, ", ")))
	}
	sort.Strings(doc.Syscalls[0].Names)
	var enosys []string
	known := trace.SyscallNames(s.arch)
	for _, n := range newerCalls {
		if !s.names[n] && s.args[n] == nil && slices.Contains(known, n) {
			enosys = append(enosys, n)
		}
	}
	if len(enosys) > 0 {
		e := uint(errnoENOSYS)
		doc.Syscalls = append(doc.Syscalls, engine.SeccompRule{Names: enosys, Action: "SCMP_ACT_ERRNO", ErrnoRet: &e})
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, nil, err
	}
	return append(b, '\n'), filtered, nil
}

// refused lists the calls the profile of s does not allow: a call by
// name absent, or of argFiltered with an argument it does not list.
func (s *callSet) refused(calls []trace.Call) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range calls {
		if c.Arch != s.arch || s.names[c.Name] {
			continue
		}
		desc := c.Name
		switch {
		case s.args[c.Name] == nil:
		case !c.ArgSeen:
			continue
		case s.args[c.Name][c.Value], c.Name == "clone" && (c.Value == 0 || s.cloneAny()):
			continue
		default:
			desc = fmt.Sprintf("%s(arg %d = %#x)", c.Name, c.Index, c.Value)
		}
		if !seen[desc] {
			seen[desc] = true
			out = append(out, desc)
		}
	}
	sort.Strings(out)
	return out
}

// cloneAny says whether the profile allows clone with any flags: the
// program made namespaces while traced.
func (s *callSet) cloneAny() bool {
	for v := range s.args["clone"] {
		if v != 0 {
			return true
		}
	}
	return false
}
