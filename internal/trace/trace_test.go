//go:build linux && amd64

package trace

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dietimg/diet/internal/testenv"
)

// has reports whether evs holds want, whatever the program By names.
func has(evs []Event, want Event) bool {
	for _, e := range evs {
		if e.Path == want.Path && e.Op == want.Op && e.OK == want.OK {
			return true
		}
	}
	return false
}

// ev is an event of no particular program.
func ev(path string, op Op, ok bool) Event { return Event{Path: path, Op: op, OK: ok} }

func runTraced(t *testing.T, dir, script string, opts Options) (*Result, string) {
	t.Helper()
	testenv.LookPath(t, "sh")
	out, err := os.Create(filepath.Join(t.TempDir(), "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	opts.Stdout = out
	opts.Dir = dir
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := Run(ctx, []string{"sh", "-c", script}, opts)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	b, _ := os.ReadFile(out.Name())
	return res, string(b)
}

func TestRunRecordsPaths(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "hello"), []byte("hi\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sub", "inner"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("hello", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	// A child shell (a fork and an exec chain), a relative open, a listing,
	// failed stat and open, a directory created, a link read.
	script := `cat ./hello; ls sub; stat /nonexistent-diet >/dev/null 2>&1; cat /nonexistent-diet-2 2>/dev/null; ` +
		`mkdir made; sh -c 'readlink link; exec cat sub/inner'; exit 3`
	var record bytes.Buffer
	res, stdout := runTraced(t, dir, script, Options{Record: &record})
	if res.ExitCode != 3 {
		t.Errorf("exit code %d, want 3", res.ExitCode)
	}
	if stdout != "hi\ninner\nhello\n" {
		t.Errorf("stdout %q", stdout)
	}
	cat, err := exec.LookPath("cat")
	if err != nil {
		t.Fatal(err)
	}
	want := []Event{
		ev(filepath.Join(dir, "hello"), OpOpen, true),
		ev(filepath.Join(dir, "sub"), OpList, true),
		ev("/nonexistent-diet", OpStat, false),
		ev("/nonexistent-diet-2", OpOpen, false),
		ev(filepath.Join(dir, "made"), OpCreate, true),
		ev(filepath.Join(dir, "link"), OpReadlink, true),
		ev(filepath.Join(dir, "sub/inner"), OpOpen, true),
	}
	for _, w := range want {
		if !has(res.Events, w) {
			t.Errorf("missing event %+v", w)
		}
	}
	// Who changed the file system is recorded: mkdir made "made".
	mkdir, err := exec.LookPath("mkdir")
	if err != nil {
		t.Fatal(err)
	}
	realMkdir, _ := filepath.EvalSymlinks(mkdir)
	for _, e := range res.Events {
		if e.Path == filepath.Join(dir, "made") && e.Op == OpCreate && e.By != realMkdir {
			t.Errorf("made created by %q, want %q", e.By, realMkdir)
		}
		if e.Op == OpOpen && e.By != "" {
			t.Errorf("a read names its program: %+v", e)
		}
	}
	// cat ran through an exec; its path depends on the host's PATH and
	// whether /bin is a link, so look for any successful exec of a cat.
	execs := 0
	for _, e := range res.Events {
		if e.Op == OpExec && e.OK && filepath.Base(e.Path) == "cat" {
			execs++
		}
	}
	if execs == 0 {
		t.Errorf("no exec of %s recorded in %v", cat, res.Events)
	}
	// The record written along the way holds the same events.
	got, err := ReadRecord(&record)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range want {
		if !has(got, w) {
			t.Errorf("record misses %+v", w)
		}
	}
	if t.Failed() {
		for _, e := range res.Events {
			if strings.HasPrefix(e.Path, dir) || strings.Contains(e.Path, "nonexistent") {
				t.Logf("event %+v", e)
			}
		}
	}
}

func TestRunFollowsThreadsAndForks(t *testing.T) {
	py := testenv.LookPath(t, "python3")[0]
	dir := t.TempDir()
	for _, n := range []string{"a", "b"} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	script := `import os, threading
t = threading.Thread(target=lambda: open("a").close()); t.start(); t.join()
pid = os.fork()
if pid == 0:
    open("b").close(); os._exit(0)
os.waitpid(pid, 0)
`
	res, err := Run(context.Background(), []string{py, "-c", script}, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a", "b"} {
		if w := ev(filepath.Join(dir, n), OpOpen, true); !has(res.Events, w) {
			t.Errorf("missing %+v", w)
		}
	}
	if res.ExitCode != 0 {
		t.Errorf("exit code %d", res.ExitCode)
	}
}

// signalWhenReady sends sig to the test binary (and so, through Run's
// forwarding, to the traced program) once the program has made dir/ready.
func signalWhenReady(ctx context.Context, dir string, sig syscall.Signal) {
	for ctx.Err() == nil {
		if _, err := os.Stat(filepath.Join(dir, "ready")); err == nil {
			syscall.Kill(os.Getpid(), sig)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRunForwardsSignals(t *testing.T) {
	dir := t.TempDir()
	script := `trap 'exit 7' USR1; touch ready; while :; do sleep 0.05; done`
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	go signalWhenReady(ctx, dir, syscall.SIGUSR1)
	res, err := Run(ctx, []string{"sh", "-c", script}, Options{Dir: dir, Forward: []os.Signal{syscall.SIGUSR1}})
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 7 {
		t.Errorf("exit code %d, want 7 (the trap's)", res.ExitCode)
	}
}

// TestRunStopSignal sends the stop signal to a program with a handler
// for it (forwarded: the trap's exit code) and to one that ignores it
// (killed at once: as a container's first process it would never get it).
func TestRunStopSignal(t *testing.T) {
	guard := make(chan os.Signal, 1) // no SIGTERM ends the test binary
	signal.Notify(guard, syscall.SIGTERM)
	defer signal.Stop(guard)
	for _, c := range []struct {
		trap string
		want int
	}{{`trap 'exit 7' TERM`, 7}, {`trap '' TERM`, 128 + 9}} {
		dir := t.TempDir()
		script := c.trap + `; touch ready; sleep 600 & wait`
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		go signalWhenReady(ctx, dir, syscall.SIGTERM)
		res, err := Run(ctx, []string{"sh", "-c", script}, Options{Dir: dir, StopSignal: syscall.SIGTERM})
		cancel()
		if err != nil {
			t.Fatalf("%s: %v", c.trap, err)
		}
		if res.ExitCode != c.want {
			t.Errorf("%s: exit code %d, want %d", c.trap, res.ExitCode, c.want)
		}
	}
}

func TestRunKilledBySignal(t *testing.T) {
	res, err := Run(context.Background(), []string{"sh", "-c", "kill -KILL $$"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 128+9 {
		t.Errorf("exit code %d, want 137", res.ExitCode)
	}
}

func TestReadRecordToleratesCutLines(t *testing.T) {
	in := `{"path":"/a","op":"open","ok":true}
{"path":"/a","op":"open","ok":true}
{"path":"relative","op":"open","ok":true}
{"path":"/b","op":"stat","ok":false}
{"path":"/c","op":"op`
	got, err := ReadRecord(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Event{ev("/a", OpOpen, true), ev("/b", OpStat, false)}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

// FuzzReadRecord: a record comes out of a container and is not trusted.
func FuzzReadRecord(f *testing.F) {
	f.Add([]byte(`{"path":"/a","op":"open","ok":true}` + "\n" + `{"path":"/b","op":"stat","ok":false}`))
	f.Add([]byte(`{"path":"relative","op":"open"}` + "\n\n{"))
	f.Add([]byte(strings.Repeat("x", 70000)))
	f.Fuzz(func(t *testing.T, b []byte) {
		evs, err := ReadRecord(bytes.NewReader(b))
		if err != nil {
			return
		}
		seen := map[Event]bool{}
		for _, e := range evs {
			if e.Path == "" || e.Path[0] != '/' || seen[e] {
				t.Fatalf("bad event %+v", e)
			}
			seen[e] = true
		}
	})
}

func TestReadRecordFileRefusesLinks(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real")
	if err := os.WriteFile(real, []byte(`{"path":"/a","op":"open","ok":true}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if evs, err := ReadRecordFile(real); err != nil || len(evs) != 1 {
		t.Fatalf("regular record: %v, %v", evs, err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadRecordFile(link); err == nil {
		t.Error("a symlinked record was read")
	}
	if _, err := ReadRecordFile(dir); err == nil {
		t.Error("a directory was read as a record")
	}
}

func TestRunRecordsCalls(t *testing.T) {
	var record bytes.Buffer
	res, _ := runTraced(t, t.TempDir(), `uname >/dev/null; exit 0`, Options{Calls: CallsAll, Record: &record})
	got := map[string]bool{}
	cloneArg := false
	for _, c := range res.Calls {
		if c.Arch != "amd64" {
			t.Errorf("call of arch %q", c.Arch)
		}
		got[c.Name] = true
		if (c.Name == "clone" || c.Name == "clone3") && c.ArgSeen {
			cloneArg = c.Value&^CloneNamespaceFlags == 0
		}
	}
	// The shell's child executes uname, which calls uname.
	for _, n := range []string{"uname", "execve", "wait4", "exit_group"} {
		if !got[n] {
			t.Errorf("call %s not recorded in %v", n, res.Calls)
		}
	}
	if got["clone"] && !cloneArg {
		t.Errorf("clone recorded without its namespace flags: %v", res.Calls)
	}
	read, err := ReadCalls(bytes.NewReader(record.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if len(read) != len(res.Calls) {
		t.Errorf("record holds %d calls, result %d", len(read), len(res.Calls))
	}
	// Path events are untouched by the call lines.
	evs, err := ReadRecord(bytes.NewReader(record.Bytes()))
	if err != nil || len(evs) == 0 {
		t.Errorf("events of a record with calls: %v, %v", evs, err)
	}
}

// TestRunCallsAfterExec leaves out what the first process does before it
// executes the program (diet's sensor-exec).
func TestRunCallsAfterExec(t *testing.T) {
	res, _ := runTraced(t, t.TempDir(), `exec true`, Options{Calls: CallsAll, CallsAfterExec: true})
	for _, c := range res.Calls {
		// sh -c parses its command before its exec: no fstat-free shell
		// starts without reading its own environment, but rt_sigaction
		// (sh sets up signals) comes before the exec and true makes none.
		if c.Name == "rt_sigaction" {
			t.Errorf("a call of the process before its exec was recorded: %v", res.Calls)
		}
	}
	if len(res.Calls) == 0 {
		t.Error("nothing recorded after the exec")
	}
}

func TestSyscallNames(t *testing.T) {
	for _, c := range []struct {
		arch string
		nr   uint64
		want string
	}{{"amd64", 0, "read"}, {"amd64", 59, "execve"}, {"amd64", 262, "newfstatat"}, {"arm64", 221, "execve"}, {"arm64", 79, "newfstatat"}, {"arm64", 1 << 20, ""}, {"mips", 1, ""}} {
		if got := SyscallName(c.arch, c.nr); got != c.want {
			t.Errorf("SyscallName(%s, %d) = %q, want %q", c.arch, c.nr, got, c.want)
		}
	}
	if n := len(SyscallNames("amd64")); n < 350 {
		t.Errorf("%d amd64 names", n)
	}
}

func FuzzReadCalls(f *testing.F) {
	f.Add([]byte(`{"arch":"amd64","call":"read"}` + "\n" + `{"arch":"amd64","call":"socket","arg_seen":true,"value":2}` + "\n" + `{"path":"/a","op":"open","ok":true}`))
	f.Add([]byte(`{"arch":"amd64","call":"nope"}` + "\n" + `{"arch":"x","call":"read","index":9}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		cs, err := ReadCalls(bytes.NewReader(b))
		if err != nil {
			return
		}
		for _, c := range cs {
			if c.Index > 5 || !slices.Contains(SyscallNames(c.Arch), c.Name) {
				t.Fatalf("bad call %+v", c)
			}
		}
	})
}
