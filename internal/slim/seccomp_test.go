package slim

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/dietimg/diet/internal/engine"
	"github.com/dietimg/diet/internal/trace"
)

func call(name string) trace.Call { return trace.Call{Arch: "amd64", Name: name} }

func argCall(name string, v uint64) trace.Call {
	return trace.Call{Arch: "amd64", Name: name, ArgSeen: true, Value: v}
}

func TestSeccompProfile(t *testing.T) {
	for _, tc := range []struct {
		name       string
		traced     []trace.Call
		allow      []string // allowed unconditionally
		notAllow   []string
		enosys     []string // refused with ENOSYS
		notEnosys  []string
		conditions map[string]int // name -> conditional rules
	}{{
		name:       "server",
		traced:     []trace.Call{call("read"), call("socket"), argCall("socket", 2), argCall("socket", 10), call("clone"), argCall("clone", 0), call("rseq"), call("arm64-only-name")},
		allow:      []string{"read", "rseq", "execve", "exit_group"},
		notAllow:   []string{"socket", "clone", "open"},
		enosys:     []string{"clone3", "statx"},
		notEnosys:  []string{"rseq"},
		conditions: map[string]int{"socket": 2, "clone": 1},
	}, {
		// A program that made namespaces gets clone with any flags.
		name:   "namespaces",
		traced: []trace.Call{call("clone"), argCall("clone", 0x20000000)},
		allow:  []string{"clone"},
	}, {
		// Under emulation no arguments are seen: allowed by name.
		name:   "no arguments",
		traced: []trace.Call{call("socket")},
		allow:  []string{"socket"},
	}, {
		// A trace that saw nothing still starts and ends the program.
		name:  "nothing traced",
		allow: []string{"execve", "exit", "exit_group"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			s := newCallSet("amd64")
			s.addTraced("traced", tc.traced)
			s.addNames("runtime", alwaysAllowed)
			b, _, err := s.profile()
			if err != nil {
				t.Fatal(err)
			}
			var doc engine.SeccompProfile
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatalf("profile is not JSON: %v\n%s", err, b)
			}
			if doc.DefaultAction != "SCMP_ACT_ERRNO" || doc.DefaultErrnoRet == nil || *doc.DefaultErrnoRet != errnoEPERM || !slices.Equal(doc.Architectures, []string{"SCMP_ARCH_X86_64"}) {
				t.Errorf("header %+v", doc)
			}
			plain := doc.Syscalls[0].Names
			if !slices.IsSorted(plain) || doc.Syscalls[0].Action != "SCMP_ACT_ALLOW" || len(doc.Syscalls[0].Args) != 0 {
				t.Errorf("first rule %+v", doc.Syscalls[0])
			}
			for _, n := range tc.allow {
				if !slices.Contains(plain, n) {
					t.Errorf("%s not allowed: %v", n, plain)
				}
			}
			for _, n := range tc.notAllow {
				if slices.Contains(plain, n) {
					t.Errorf("%s allowed with any arguments", n)
				}
			}
			conds := map[string]int{}
			var enosys []string
			for _, r := range doc.Syscalls[1:] {
				switch {
				case r.Action == "SCMP_ACT_ALLOW" && len(r.Args) == 1:
					conds[r.Names[0]]++
					if r.Names[0] == "clone" && (r.Args[0].Op != "SCMP_CMP_MASKED_EQ" || r.Args[0].Value != 0x7e020000 || r.Args[0].ValueTwo != 0) {
						t.Errorf("clone rule %+v", r.Args[0])
					}
				case r.Action == "SCMP_ACT_ERRNO" && r.ErrnoRet != nil && *r.ErrnoRet == errnoENOSYS:
					enosys = append(enosys, r.Names...)
				default:
					t.Errorf("unexpected rule %+v", r)
				}
			}
			for n, want := range tc.conditions {
				if conds[n] != want {
					t.Errorf("%d rules for %s, want %d", conds[n], n, want)
				}
			}
			for _, n := range tc.enosys {
				if !slices.Contains(enosys, n) {
					t.Errorf("%s not refused with ENOSYS: %v", n, enosys)
				}
			}
			for _, n := range tc.notEnosys {
				if slices.Contains(enosys, n) {
					t.Errorf("%s refused with ENOSYS though traced", n)
				}
			}
		})
	}
}

func TestSeccompRefused(t *testing.T) {
	s := newCallSet("amd64")
	s.addTraced("traced", []trace.Call{call("read"), call("socket"), argCall("socket", 1), call("clone"), argCall("clone", 0)})
	got := s.refused([]trace.Call{call("read"), call("write"), call("socket"), argCall("socket", 1), argCall("socket", 2),
		call("clone"), argCall("clone", 0), argCall("clone", 0x40000000), {Arch: "arm64", Name: "uname"}})
	want := []string{"clone(arg 0 = 0x40000000)", "socket(arg 0 = 0x2)", "write"}
	if !slices.Equal(got, want) {
		t.Errorf("refused %q, want %q", got, want)
	}
}

func TestSeccompUnknownArch(t *testing.T) {
	if _, _, err := newCallSet("riscv64").profile(); err == nil {
		t.Error("a profile for an architecture without a table")
	}
	if unknown := newCallSet("amd64").addNames("added", []string{"read", "no_such_call"}); !slices.Equal(unknown, []string{"no_such_call"}) {
		t.Errorf("unknown %v", unknown)
	}
}

func TestReadQemuLog(t *testing.T) {
	log := `5799 brk(NULL) = 0x0000005500033000
5799 openat(AT_FDCWD,"/etc/ld.so.cache",O_RDONLY|O_CLOEXEC) = 4
5799 newfstatat(4,"",0x00000055028327c0,0x1000) = 0
5799 Unknown syscall 293
5799 open("/x",O_RDONLY) = 3
--- SIGCHLD {si_signo=SIGCHLD} ---
5801 wait4(-1,0x5502,0,0)
 = 5802
+++ exited with 0 +++
`
	f := filepath.Join(t.TempDir(), "run-1.jsonl.qemu.5799")
	if err := os.WriteFile(f, []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := readQemuLog(f, "arm64")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range got {
		if c.Arch != "arm64" || c.ArgSeen {
			t.Errorf("call %+v", c)
		}
		names = append(names, c.Name)
	}
	// open is no arm64 call; 293 is arm64's rseq.
	want := []string{"brk", "openat", "newfstatat", "rseq", "wait4"}
	if !slices.Equal(names, want) {
		t.Errorf("calls %v, want %v", names, want)
	}
}
