package slim

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/dietimg/diet/internal/engine"
	"github.com/dietimg/diet/internal/probe"
	"github.com/dietimg/diet/internal/trace"
)

// How a profile comes about (Options.Seccomp): the sensor records every
// system call of the program in the probes' traced runs (the record's
// call lines, trace.CallsAll), what runs beside the program inside the
// container (diet's helper for network probes, --probe-cmd commands) is
// traced too, into records of its own; runc's own calls under the filter
// before the program starts are traced once (engine.RuntimeStartCalls).
// The verify then runs the slimmed image under the profile, and when it
// fails, the slimmed image is traced with the same probes to name the
// calls the profile refused.

// callFlags are the sensor's flags for recording calls.
func (t *target) callFlags() []string {
	var f []string
	if t.calls {
		f = append(f, "--calls")
	}
	if t.qemuStrace {
		f = append(f, "--qemu-strace")
	}
	return f
}

// auxCmd runs args (the helper, or a probe's command) under the sensor
// with a record of its own: under the verify's filter it makes calls of
// its own, which the verify must allow and the profile must not.
func (t *target) auxCmd(args []string) []string {
	rec := "aux-" + strconv.Itoa(len(t.aux)+1) + ".jsonl"
	t.aux = append(t.aux, filepath.Join(t.recordHost, rec))
	return t.sensorCmd(rec, args)
}

// programRecords are the record files of the program's traced runs of
// the probes in only (all when nil), and of what ran beside it.
func programRecords(tgt *target, outcomes []probe.Outcome, only []int) (prog, aux []string) {
	for i, file := range tgt.recordFiles(outcomes) {
		if file != "" && (only == nil || slices.Contains(only, i)) {
			prog = append(prog, file)
		}
	}
	return prog, append(append([]string{}, tgt.aux...), tgt.probes...)
}

// readCalls reads the calls of records; for a foreign image, those of
// qemu's logs beside each record instead (the sensor traces qemu, whose
// own calls are the host's).
func readCalls(files []string, arch string) ([]trace.Call, error) {
	var all []trace.Call
	for _, f := range files {
		if foreign(arch) {
			logs, _ := filepath.Glob(f + qemuLogSuffix + "*")
			for _, l := range logs {
				cs, err := readQemuLog(l, arch)
				if err != nil {
					return nil, err
				}
				all = append(all, cs...)
			}
			continue
		}
		cs, err := trace.ReadCallsFile(f)
		if err != nil {
			return nil, fmt.Errorf("reading the calls of %s: %w", filepath.Base(f), err)
		}
		all = append(all, cs...)
	}
	return all, nil
}

// qemuLogSuffix follows a record's name in the names of the logs of
// qemu-user the sensor asks for (--qemu-strace), one per emulator
// process.
const qemuLogSuffix = ".qemu."

// qemuCall is a line of qemu-user's strace log: "PID name(args...".
var qemuCall = regexp.MustCompile(`^[0-9]+ ([a-z0-9_]+)\(`)

// qemuUnknown is a call qemu does not name: "PID Unknown syscall NR".
var qemuUnknown = regexp.MustCompile(`^[0-9]+ Unknown syscall ([0-9]+)`)

// readQemuLog reads the guest's calls from a log of qemu-user's strace
// (QEMU_LOG=strace), by the guest architecture's names; names qemu prints
// that the architecture does not have are left out. It records no
// arguments: the profile allows these calls by name.
func readQemuLog(name, arch string) ([]trace.Call, error) {
	f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	known := map[string]bool{}
	for _, n := range trace.SyscallNames(arch) {
		known[n] = true
	}
	seen := map[string]bool{}
	var out []trace.Call
	sc := bufio.NewScanner(io.LimitReader(f, 256<<20))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		n := ""
		if m := qemuCall.FindStringSubmatch(line); m != nil {
			n = m[1]
		} else if m := qemuUnknown.FindStringSubmatch(line); m != nil {
			nr, _ := strconv.ParseUint(m[1], 10, 32)
			n = trace.SyscallName(arch, nr)
		}
		if n != "" && known[n] && !seen[n] {
			seen[n] = true
			out = append(out, trace.Call{Arch: arch, Name: n})
		}
	}
	return out, sc.Err()
}

// goRuntimeCalls are what Go's runtime may do on runc's init thread
// between the filter and the program at moments no trace controls: take
// a preemption signal and return from it, wait on or wake a lock, yield,
// sleep, get and give memory, mask signals, signal another thread, and
// start one (clone, allowed below without namespace flags). One
// traced start may miss them; runc's init is a Go program, so a profile
// allows them all.
var goRuntimeCalls = []string{"futex", "getpid", "gettid", "madvise", "mmap", "munmap", "nanosleep",
	"rt_sigprocmask", "rt_sigreturn", "sched_yield", "sigaltstack", "tgkill"}

// runcStartTable is what engine.RuntimeStartCalls found with runc 1.1.5
// (Debian 12, libseccomp 2.5.4) on x86_64: used where it cannot be
// traced (no runc here, not root).
var runcStartTable = []string{"capget", "capset", "chdir", "close", "epoll_ctl", "execve", "faccessat2", "fcntl",
	"fstat", "fstatfs", "futex", "getcwd", "getdents64", "getpid", "getppid", "newfstatat", "openat", "prctl",
	"read", "setgid", "setgroups", "setuid", "write"}

// runtimeCalls finds what the runtime makes under the filter before the
// program runs, by tracing runc start a static diet (the sensor's
// binary), and says how.
func runtimeCalls(ctx context.Context, sensorHost string) ([]string, string) {
	var names []string
	from := "a traced start of a container under runc"
	calls, err := engine.RuntimeStartCalls(ctx, filepath.Join(sensorHost, "diet"))
	if err != nil {
		names = append(names, runcStartTable...)
		from = "the table measured with runc 1.1.5 (" + err.Error() + ")"
	}
	for _, c := range calls {
		names = append(names, c.Name)
	}
	return append(names, goRuntimeCalls...), from + " and Go's runtime in runc's init"
}

// makeSeccomp makes the profile from the records of the original's
// traced runs, and the verify's filter: the profile and what ran beside
// the program. Stage 8b, after the image is assembled.
func (r *run) makeSeccomp() error {
	if !r.opts.Seccomp {
		return nil
	}
	arch := r.cfg.Architecture
	if _, ok := seccompArch[arch]; !ok {
		return fmt.Errorf("--seccomp: no system call table for architecture %q (amd64 and arm64 have one)", arch)
	}
	prog, aux := programRecords(r.tgt, r.res.Original, r.opts.seccompProbes)
	traced, err := readCalls(prog, arch)
	if err != nil {
		return fmt.Errorf("--seccomp: %w", err)
	}
	set := newCallSet(arch)
	set.addTraced("traced", traced)
	sc := &Seccomp{Arch: arch, Total: len(trace.SyscallNames(arch))}
	sc.Traced = len(set.allowed())
	rt, from := runtimeCalls(r.ctx, r.tgt.sensorHost)
	sc.RuntimeFrom = from
	set.addNames("runtime", append(rt, alwaysAllowed...))
	// Go's runtime in runc's init may also start a thread from the
	// filtered one (clone, without namespace flags).
	set.addTraced("runtime", []trace.Call{{Arch: arch, Name: "clone"}, {Arch: arch, Name: "clone", ArgSeen: true}})
	if unknown := set.addNames("added", r.opts.SeccompAdd); len(unknown) > 0 {
		return fmt.Errorf("--seccomp-add: %s: no such %s system call", strings.Join(unknown, ", "), arch)
	}
	for n := range set.from["runtime"] {
		if !set.from["traced"][n] {
			sc.Runtime = append(sc.Runtime, n)
		}
	}
	slices.Sort(sc.Runtime)
	sc.Added = append(sc.Added, r.opts.SeccompAdd...)
	if r.res.Seccomp, sc.Filtered, err = set.profile(); err != nil {
		return err
	}
	sc.Calls = set.allowed()
	sc.Allowed = len(sc.Calls)
	r.res.SeccompInfo = sc
	r.seccompSet = set
	if foreign(arch) {
		sc.NotVerified = "the image runs here under qemu-user, and a filter applies to the emulator's own " + hostArch() + " calls, not to the program's " + arch + " ones: the profile was made from qemu's log of the program's calls, and was not run"
		return nil
	}
	// The verify's filter: the profile, and what the helper and the
	// probes' commands needed.
	auxCalls, err := readCalls(aux, arch)
	if err != nil {
		return fmt.Errorf("--seccomp: %w", err)
	}
	extra := newCallSet(arch)
	extra.addTraced("aux", auxCalls)
	r.verifySet = set.union(extra)
	for _, n := range r.verifySet.allowed() {
		if !containsString(sc.Calls, n) {
			sc.VerifyOnly = append(sc.VerifyOnly, n)
		}
	}
	r.verifyProfile, _, err = r.verifySet.profile()
	r.opts.logf("seccomp: %s", sc)
	return err
}

func containsString(xs []string, x string) bool { return slices.Contains(xs, x) }

// checkSeccomp completes the verify's err for the profile: a verify that
// passed under it proves it; one that failed is explained by tracing the
// slimmed image with the same probes, without a filter, and naming the
// calls it made that the profile refuses.
func (r *run) checkSeccomp(err error) error {
	sc := r.res.SeccompInfo
	if sc == nil || r.verifyProfile == nil {
		return err
	}
	if err == nil {
		sc.Verified = true
		return nil
	}
	if !errors.Is(err, ErrDifferent) {
		return err
	}
	r.opts.logf("seccomp: the verify failed under the profile: tracing the slimmed image with the same probes to find the calls it refused")
	refused, terr := r.refusedCalls()
	if terr != nil {
		r.opts.logf("seccomp: %v", terr)
		return err
	}
	sc.Refused = refused
	if len(refused) == 0 {
		return err
	}
	return fmt.Errorf("%w: the seccomp profile refused %s, which the probes' traced runs of the original never made (--seccomp-add NAME allows a call)", err, strings.Join(refused, ", "))
}

// refusedCalls traces the slimmed image with the probes, without a
// filter, and lists its calls that the verify's filter refuses.
func (r *run) refusedCalls() ([]string, error) {
	ctx, opts, tgt, res := r.ctx, r.opts, r.tgt, r.res
	recs := filepath.Join(r.work, "record-seccomp")
	os.RemoveAll(recs)
	if err := os.MkdirAll(recs, 0o777); err != nil {
		return nil, err
	}
	os.Chmod(recs, 0o777)
	st := &target{img: res.Image, cfg: r.cfg, eng: r.eng, tmp: r.work, timeout: opts.Timeout, notes: r.notes,
		network: opts.Network, ports: tgt.ports, sensorHost: tgt.sensorHost, sensorArgv: tgt.sensorArgv,
		trace: true, calls: true, recordHost: recs}
	held, err := r.hold(res.Image)
	if err != nil {
		return nil, err
	}
	st.held = held
	popts := r.popts
	popts.Replay = true
	outcomes, err := probe.Run(ctx, st, probe.OutcomeProbes(res.Original), popts)
	if held != nil {
		held.Release()
	}
	if err != nil {
		return nil, err
	}
	prog, _ := programRecords(st, outcomes, nil)
	calls, err := readCalls(prog, r.cfg.Architecture)
	if err != nil {
		return nil, err
	}
	return r.verifySet.refused(calls), nil
}
