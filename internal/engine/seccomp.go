package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dietimg/diet/internal/safefile"
	"github.com/dietimg/diet/internal/trace"
)

// withSeccomp puts the profile (Spec.Seccomp) into a runc config. A
// rootless run with a single-id mapping has a filter of its own already
// (rootlessSpec: changes of user succeed and change nothing); the two are
// not merged.
func withSeccomp(conf *ociSpec, profile []byte) error {
	if profile == nil {
		return nil
	}
	if conf.Linux.Seccomp != nil {
		return errors.New("runc: a seccomp profile cannot be used in a rootless run with a single-id mapping, which has its own filter")
	}
	var sc SeccompProfile
	if err := json.Unmarshal(profile, &sc); err != nil {
		return fmt.Errorf("reading the seccomp profile: %w", err)
	}
	if sc.DefaultAction == "" {
		return errors.New("the seccomp profile has no defaultAction")
	}
	conf.Linux.Seccomp = &sc
	return nil
}

// seccompFile writes the profile (Spec.Seccomp) to a file for
// `docker create --security-opt seccomp=FILE` (podman's likewise), which
// the command reads; "" when there is none. remove removes it.
func seccompFile(spec Spec) (name string, remove func(), err error) {
	if spec.Seccomp == nil {
		return "", func() {}, nil
	}
	if !json.Valid(spec.Seccomp) {
		return "", nil, errors.New("the seccomp profile is not JSON")
	}
	f, err := os.CreateTemp(bundleParent(spec.TempDir), "diet-seccomp-*.json")
	if err != nil {
		return "", nil, fmt.Errorf("writing the seccomp profile: %w", err)
	}
	if _, err := f.Write(spec.Seccomp); err != nil {
		f.Close()
		os.Remove(f.Name())
		return "", nil, fmt.Errorf("writing the seccomp profile: %w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return "", nil, err
	}
	return f.Name(), func() { os.Remove(f.Name()) }, nil
}

// measureProfile is the filter RuntimeStartCalls starts a container
// under: it refuses one call no runtime makes, so that runc installs a
// filter where it would install any profile, and allows the rest.
const measureProfile = `{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["acct"],"action":"SCMP_ACT_ERRNO"}]}`

// RuntimeStartCalls finds, by tracing it, what runc does under a
// container's seccomp filter before the program runs: runc's init
// installs the filter, then (NoNewPrivileges off, as Docker and diet run
// containers) closes its pipes, waits on its exec FIFO, looks the program
// up and executes it, with Go's runtime in between; a `runc exec`
// (probes run commands inside the container) installs it before it
// changes user and capabilities. Every one of those calls must be in a
// profile, or the program never starts. The traced sequence is runc
// create, exec and start of a container whose root holds only diet (a
// static diet; any other still gets as far as its execve), as this
// machine's runc does them, under diet's sensor (`diet sensor
// --calls-under-filter`, a process of its own: a tracer reaps every
// child of its process); the calls recorded are those of each thread from
// its filter's installation to its execve, inclusive.
func RuntimeStartCalls(ctx context.Context, diet string) ([]trace.Call, error) {
	if os.Geteuid() != 0 {
		return nil, errors.New("finding runc's calls under a filter needs root")
	}
	if _, err := exec.LookPath("runc"); err != nil {
		return nil, errors.New("runc: the runc command is not installed")
	}
	b, err := newBundle(Spec{}, func() {})
	if err != nil {
		return nil, err
	}
	defer b.remove()
	if err := os.MkdirAll(b.rootDir, 0o755); err != nil {
		return nil, err
	}
	if err := safefile.Copy(filepath.Join(b.rootDir, "prog"), diet, 0o755); err != nil {
		return nil, fmt.Errorf("copying %s into the measuring container: %w", diet, err)
	}
	cfg := &v1.ConfigFile{Config: v1.Config{Entrypoint: []string{"/prog"}}}
	if err := b.writeConfig(cfg, Spec{Seccomp: []byte(measureProfile), Network: "none"}, []string{"/prog", "version"}); err != nil {
		return nil, err
	}
	state := filepath.Join(b.dir, "state")
	id := "diet-measure-" + randomID()
	runc := "runc --root " + state + " "
	script := runc + "create --bundle " + b.dir + " " + id + " </dev/null >/dev/null 2>&1 && " +
		runc + "exec " + id + " /prog version </dev/null >/dev/null 2>&1; " +
		runc + "start " + id + " >/dev/null 2>&1; sleep 0.2; " + runc + "delete --force " + id
	rec := filepath.Join(b.dir, "calls.jsonl")
	out, err := exec.CommandContext(ctx, diet, "sensor", "--calls-under-filter", "--out", rec, "--", "sh", "-c", script).CombinedOutput()
	calls, rerr := trace.ReadCallsFile(rec)
	if rerr != nil {
		return nil, fmt.Errorf("tracing runc: %w: %s", rerr, firstLine(out, err))
	}
	if len(calls) == 0 {
		return nil, fmt.Errorf("tracing runc: no call under a filter seen: %s", firstLine(out, errors.New("no message")))
	}
	return calls, nil
}
