package procsig

import (
	"bufio"
	"os/exec"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParse(t *testing.T) {
	for in, want := range map[string]unix.Signal{
		"": unix.SIGTERM, "SIGTERM": unix.SIGTERM, "TERM": unix.SIGTERM, "sigint": unix.SIGINT,
		"SIGWINCH": unix.SIGWINCH, "28": unix.SIGWINCH, "9": unix.SIGKILL, "SIGRTMIN": 0,
	} {
		got, err := Parse(in)
		if want == 0 {
			if err == nil {
				t.Errorf("Parse(%q) = %v, want an error", in, got)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"0", "65", "-1", "NOPE"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q): no error", bad)
		}
	}
}

// TestCaught asks about real processes: a shell with a trap for TERM,
// one that ignores it, and one that leaves it to the default action.
func TestCaught(t *testing.T) {
	for _, c := range []struct {
		script string
		want   bool
	}{
		{`trap 'exit 0' TERM; echo up; while :; do sleep 1; done`, true},
		{`trap '' TERM; echo up; while :; do sleep 1; done`, false},
		{`echo up; while :; do sleep 1; done`, false},
	} {
		cmd := exec.Command("sh", "-c", c.script)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		bufio.NewReader(out).ReadString('\n') // the trap is set
		got, err := Caught(cmd.Process.Pid, unix.SIGTERM)
		cmd.Process.Kill()
		cmd.Wait()
		if err != nil || got != c.want {
			t.Errorf("%s: Caught = %v, %v; want %v", c.script, got, err, c.want)
		}
		if k, _ := Caught(cmd.Process.Pid, unix.SIGKILL); !k {
			t.Errorf("SIGKILL not reported as acting")
		}
	}
	if _, err := Caught(1<<30, unix.SIGTERM); err == nil {
		t.Error("no error for a process that does not exist")
	}
}

func TestCaughtIn(t *testing.T) {
	status := []byte("Name:\tsh\nSigIgn:\t0000000000000004\nSigCgt:\t0000000000010002\n")
	for sig, want := range map[unix.Signal]bool{unix.SIGTERM: false, unix.SIGINT: true, unix.SIGCHLD: true, unix.SIGQUIT: false, unix.SIGPIPE: false, 64: false} {
		if got, err := caughtIn(status, sig); err != nil || got != want {
			t.Errorf("%v: %v, %v; want %v", sig, got, err, want)
		}
	}
	for _, bad := range []string{"Name: x\n", "SigCgt:\tzz\n", "SigCgt:\t1ffffffffffffffff\n"} {
		if _, err := caughtIn([]byte(bad), unix.SIGTERM); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func FuzzCaughtIn(f *testing.F) {
	f.Add([]byte("SigIgn:\t0000000000000004\nSigCgt:\t0000000000014002\n"), 15)
	f.Add([]byte("SigCgt:\n"), 1)
	f.Fuzz(func(t *testing.T, status []byte, sig int) {
		caughtIn(status, unix.Signal(sig))
	})
}
