package trace

import (
	"io"
	"sort"
)

//go:generate go run mksysnames.go

// CallMode says which system calls a Run records besides paths.
type CallMode int

// The call modes.
const (
	// CallsNone records paths only.
	CallsNone CallMode = iota
	// CallsAll records every system call of every traced process: what
	// a seccomp profile of the program must allow. The sensor stops on
	// every call already (for paths), so this costs a name lookup and a
	// set insertion per call, not another stop.
	CallsAll
	// CallsUnderFilter records only the calls a thread makes between
	// installing a seccomp filter and executing a program, inclusive: what
	// a container runtime's init (runc's runc:[2:INIT]) makes under the
	// container's filter before the program starts.
	CallsUnderFilter
)

// Call is one system call seen, by its architecture's name. ArgSeen
// says that Index and Value hold one argument it was made with, for the
// calls whose arguments a profile filters on (socket's address family,
// personality's persona, the namespace flags of clone).
type Call struct {
	Arch    string `json:"arch"` // GOARCH: amd64, arm64
	Name    string `json:"call"`
	ArgSeen bool   `json:"arg_seen,omitempty"`
	Index   uint   `json:"index,omitempty"`
	Value   uint64 `json:"value,omitempty"`
}

// CloneNamespaceFlags are clone's flags that make new namespaces
// (CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
// CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET): the part of the flags the
// sensor records, and that a profile filters on, as Docker's default
// profile does (the same mask, 0x7e020000).
const CloneNamespaceFlags = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000

// SyscallName is the name of system call nr of arch (a GOARCH: amd64 or
// arm64), or "" when it has none.
func SyscallName(arch string, nr uint64) string {
	t := sysnames[arch]
	if nr >= uint64(len(t)) {
		return ""
	}
	return t[nr]
}

// SyscallNames lists the system calls of arch, in the order of their
// numbers; nil for an architecture the tables do not hold.
func SyscallNames(arch string) []string {
	var out []string
	for _, n := range sysnames[arch] {
		if n != "" {
			out = append(out, n)
		}
	}
	return out
}

// SortCalls sorts calls by architecture, name, then argument.
func SortCalls(cs []Call) {
	sort.Slice(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		switch {
		case a.Arch != b.Arch:
			return a.Arch < b.Arch
		case a.Name != b.Name:
			return a.Name < b.Name
		case a.ArgSeen != b.ArgSeen:
			return !a.ArgSeen
		case a.Index != b.Index:
			return a.Index < b.Index
		}
		return a.Value < b.Value
	})
}

// ReadCalls reads the system calls of a record written by the sensor
// (the lines that name a call; the path events are ReadRecord's), merging
// duplicates and dropping names the architecture does not have: the
// record comes out of a container and is not trusted.
func ReadCalls(r io.Reader) ([]Call, error) {
	known := map[string]map[string]bool{}
	out, err := readLines(r, func(c Call) bool {
		if c.Name == "" || c.Index > 5 {
			return false
		}
		k := known[c.Arch]
		if k == nil {
			k = map[string]bool{}
			for _, n := range SyscallNames(c.Arch) {
				k[n] = true
			}
			known[c.Arch] = k
		}
		return k[c.Name]
	})
	if err != nil {
		return nil, err
	}
	SortCalls(out)
	return out, nil
}

// ReadCallsFile reads the calls of the record file at name, with the care
// of ReadRecordFile.
func ReadCallsFile(name string) ([]Call, error) {
	return readRecordFile(name, ReadCalls)
}
