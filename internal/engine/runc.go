package engine

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// startRunc starts img with runc: on an overlay of the tree h holds, if
// any, else on a bundle unpacked for this run. release is called once the
// container is gone.
func startRunc(ctx context.Context, img v1.Image, cfg *v1.ConfigFile, spec Spec, h *Held, release func()) (c *Container, err error) {
	args, err := command(cfg, spec)
	if err != nil {
		return nil, err
	}
	b, err := newBundle(spec, release)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			b.remove()
		}
	}()
	if err := b.tree(ctx, img, h, spec); err != nil {
		return nil, err
	}
	if err := b.writeConfig(cfg, spec, args); err != nil {
		return nil, err
	}
	runc, err := runcCommand(b.ns != nil)
	if err != nil {
		return nil, err
	}
	id := "diet-" + randomID()
	logFile := filepath.Join(b.dir, "runc.log")
	c = &Container{ID: id, Runtime: Runc, stopSignal: cfg.Config.StopSignal, runtimeCmd: runc}
	c.cleanup = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		runc(ctx, "delete", "--force", id).Run()
		b.remove()
	}
	c.kill = func(ctx context.Context, sig string) error { return runcKill(ctx, c, runc, id, sig) }
	c.initPID = func(ctx context.Context) (int, error) { return runcPID(ctx, runc, id) }
	c.exitCode = func(ctx context.Context, attached int) (int, error) { return runcExitCode(logFile, attached) }
	c.cmd = runc(context.WithoutCancel(ctx), "--log", logFile, "--log-format", "json", "run", "--bundle", b.dir, id)
	c.cmd.Stdin = stdin(spec)
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := c.launch(spec); err != nil {
		return nil, err
	}
	return c, nil
}

// runcKill sends sig to container id. The container may not exist yet, or
// any more: it tries until the container has ended or ctx has.
func runcKill(ctx context.Context, c *Container, runc func(context.Context, ...string) *exec.Cmd, id, sig string) error {
	var last error
	for {
		out, err := runc(ctx, "kill", id, sig).CombinedOutput()
		if err == nil {
			return nil
		}
		last = fmt.Errorf("runc kill: %s", firstLine(out, err))
		select {
		case <-c.done:
			return nil
		case <-ctx.Done():
			return last
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// runcPID is the host's process ID of container id's first process.
func runcPID(ctx context.Context, runc func(context.Context, ...string) *exec.Cmd, id string) (int, error) {
	out, err := runc(ctx, "state", id).Output()
	if err != nil {
		return 0, fmt.Errorf("runc state %s: %w", id, err)
	}
	var st struct {
		Pid int `json:"pid"`
	}
	if err := json.Unmarshal(out, &st); err != nil || st.Pid <= 0 {
		return 0, fmt.Errorf("runc state %s: no process in %q", id, out)
	}
	return st.Pid, nil
}

// runcExitCode is the program's exit code from runc's (attached): runc
// exits 1 with a message in its log when it could not start the program;
// otherwise its exit code is the program's.
func runcExitCode(logFile string, attached int) (int, error) {
	if attached == 0 {
		return 0, nil
	}
	msg := runcError(logFile)
	if msg == "" {
		return attached, nil
	}
	if strings.Contains(msg, "exec:") {
		// As Docker: 127 for a program that is not there, 126 for one
		// that cannot be executed.
		switch {
		case strings.Contains(msg, "executable file not found"), strings.Contains(msg, "no such file or directory"):
			return 127, nil
		case strings.Contains(msg, "permission denied"), strings.Contains(msg, "exec format error"):
			return 126, nil
		}
	}
	return attached, fmt.Errorf("runc: %s", msg)
}

// runcCommand returns how to run runc: as root, with its defaults; rootless,
// with a state directory of the caller's own (runc's default, /run/runc,
// is root's).
func runcCommand(rootless bool) (func(ctx context.Context, args ...string) *exec.Cmd, error) {
	var global []string
	if rootless {
		dir := os.Getenv("XDG_RUNTIME_DIR")
		if dir == "" {
			dir = bundleParent("")
		}
		dir = filepath.Join(dir, fmt.Sprintf("diet-runc-%d", os.Getuid()))
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("making runc's state directory: %w", err)
		}
		if fi, err := os.Lstat(dir); err != nil || !fi.IsDir() || fi.Sys().(*syscall.Stat_t).Uid != uint32(os.Getuid()) {
			return nil, fmt.Errorf("runc's state directory %s is not the caller's own directory", dir)
		}
		global = []string{"--root", dir}
	}
	return func(ctx context.Context, args ...string) *exec.Cmd {
		return exec.CommandContext(ctx, "runc", append(slices.Clone(global), args...)...)
	}, nil
}

// runcError returns the last error runc logged, or "".
func runcError(logFile string) string {
	data, err := os.ReadFile(logFile)
	if err != nil {
		return ""
	}
	var last string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var e struct {
			Level string `json:"level"`
			Msg   string `json:"msg"`
		}
		if json.Unmarshal(sc.Bytes(), &e) == nil && (e.Level == "error" || e.Level == "fatal") {
			last = e.Msg
		}
	}
	return last
}
