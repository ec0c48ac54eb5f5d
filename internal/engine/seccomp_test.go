package engine

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dietimg/diet/internal/testenv"
	"github.com/dietimg/diet/internal/trace"
)

// TestRunSeccomp runs the probe image under a profile that refuses one
// call (ptrace, which the probe's ptrace command needs) in every runtime:
// the program starts, and the call fails with the profile's errno.
func TestRunSeccomp(t *testing.T) {
	img := probeImage(t)
	profile := []byte(`{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["ptrace"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}`)
	for _, rt := range runtimes(t) {
		t.Run(rt, func(t *testing.T) {
			ctx := context.Background()
			res, err := byName(rt).Run(ctx, img, Spec{Timeout: time.Minute, Args: []string{"ptrace"}, Seccomp: profile})
			if err != nil {
				t.Fatal(err)
			}
			if res.ExitCode == 0 || strings.Contains(string(res.Stdout), "child exit 3") || !strings.Contains(string(res.Stdout), "operation not permitted") {
				t.Errorf("ptrace under a profile refusing it: exit %d, stdout %q", res.ExitCode, res.Stdout)
			}
			res, err = byName(rt).Run(ctx, img, Spec{Timeout: time.Minute, Args: []string{"ptrace"}})
			if err != nil || !strings.Contains(string(res.Stdout), "child exit 3") {
				t.Errorf("ptrace without the profile: %v, %+v", err, res)
			}
		})
	}
}

// TestRuntimeStartCalls traces runc starting a container under a filter:
// what it does before its execve of the program is there, with the
// execve itself, and not the program's own calls after it.
func TestRuntimeStartCalls(t *testing.T) {
	testenv.Runc(t)
	if os.Geteuid() != 0 {
		testenv.Missing(t, "tracing runc under a filter needs root")
	}
	diet := filepath.Join(t.TempDir(), "diet")
	build := exec.Command("go", "build", "-o", diet, "github.com/dietimg/diet/cmd/diet")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building diet: %v: %s", err, out)
	}
	calls, err := RuntimeStartCalls(context.Background(), diet)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range calls {
		if c.Arch != "amd64" || !slices.Contains(trace.SyscallNames("amd64"), c.Name) {
			t.Errorf("call %+v", c)
		}
		names = append(names, c.Name)
	}
	t.Logf("runc under its filter: %v", names)
	// runc's init: the exec FIFO (openat, write), the program's lookup
	// (newfstatat), its execve; runc exec changes user (setuid, capset).
	for _, want := range []string{"execve", "openat", "write", "capset"} {
		if !slices.Contains(names, want) {
			t.Errorf("%s not among runc's calls under its filter", want)
		}
	}
	// diet version starts after the execve: its own calls (Go's runtime
	// sets its thread pointer with arch_prctl first) are not runc's.
	if slices.Contains(names, "arch_prctl") {
		t.Errorf("calls after the execve recorded: %v", names)
	}
}
