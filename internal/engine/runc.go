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
	"strconv"
	"strings"
	"syscall"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sys/unix"

	"github.com/dietimg/diet/internal/rootfs"
)

// DefaultPath is the PATH of a container whose image sets none, as Docker
// gives it.
const DefaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

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

// bundle is the directory of one runc run: its root file system and
// config.json, and what to undo when the run ends.
type bundle struct {
	dir     string
	rootDir string
	// ns is the user namespace of a rootless run (not root), which maps
	// the caller to root; nil as root.
	ns      *userns
	closers []func()
	release func()
}

func newBundle(spec Spec, release func()) (*bundle, error) {
	dir, err := os.MkdirTemp(bundleParent(spec.TempDir), "diet-runc-")
	if err != nil {
		return nil, fmt.Errorf("making runc bundle: %w", err)
	}
	b := &bundle{dir: dir, rootDir: filepath.Join(dir, "rootfs"), release: release}
	if os.Geteuid() != 0 {
		b.ns = callerNS()
	}
	return b, nil
}

// remove undoes the mounts and namespaces, removes the bundle and lets the
// held image go.
func (b *bundle) remove() {
	for _, f := range b.closers {
		f()
	}
	if b.ns != nil {
		b.ns.removeTree(b.dir)
	} else {
		os.RemoveAll(b.dir)
	}
	b.release()
}

// tree makes the root file system: an overlay of the held tree (as
// root), else the image unpacked, with its owners inside the user
// namespace when rootless.
func (b *bundle) tree(ctx context.Context, img v1.Image, h *Held, spec Spec) error {
	if h != nil && h.root != "" && b.ns == nil {
		if undo, mounted := mountHeld(h.root, b.dir, b.rootDir); mounted {
			b.closers = append(b.closers, undo)
			return nil
		}
	}
	rep, err := rootfs.Unpack(ctx, img, b.rootDir, rootfs.UnpackOptions{KeepOwners: true})
	if err != nil {
		return fmt.Errorf("unpacking image for runc: %w", err)
	}
	if b.ns == nil {
		return nil
	}
	folded, err := b.ns.chownTree(b.rootDir, rep.Owners)
	if err != nil {
		return fmt.Errorf("giving the unpacked image its owners: %w", err)
	}
	if len(folded) > 0 {
		spec.Log.Printf("rootless runc: ids %s of the image are root in the container: %s", joinIDs(folded), b.ns.why)
	}
	return nil
}

// user resolves the user the program runs as in the tree, as far as a
// rootless namespace maps it.
func (b *bundle) user(cfg *v1.ConfigFile, spec Spec) (ExecUser, error) {
	fsys, err := rootfs.Dir(b.rootDir)
	if err != nil {
		return ExecUser{}, err
	}
	user := cfg.Config.User
	if spec.User != "" {
		user = spec.User
	}
	eu, err := ResolveUser(fsys, user)
	if err != nil {
		return ExecUser{}, err
	}
	if b.ns == nil {
		return eu, nil
	}
	if !b.ns.maps(int(eu.UID), int(eu.GID)) {
		spec.Log.Printf("rootless runc: the program runs as root instead of %d:%d: %s", eu.UID, eu.GID, b.ns.why)
		eu.UID, eu.GID = 0, 0
	}
	eu.Additional = slices.DeleteFunc(eu.Additional, func(g uint32) bool { return !b.ns.maps(0, int(g)) })
	return eu, nil
}

// writeConfig writes the bundle's config.json: the program, its user,
// environment and working directory, namespaces (a loopback network of
// its own unless host), capabilities and mounts.
func (b *bundle) writeConfig(cfg *v1.ConfigFile, spec Spec, args []string) error {
	eu, err := b.user(cfg, spec)
	if err != nil {
		return err
	}
	conf := ociSpec{
		OCIVersion: "1.0.2",
		Hostname:   "diet",
		Root:       ociRoot{Path: "rootfs"},
		Mounts:     standardMounts(),
		Process: ociProcess{
			User:    ociUser{UID: eu.UID, GID: eu.GID, AdditionalGids: eu.Additional},
			Args:    args,
			Env:     environ(cfg.Config.Env, spec.Env, eu.Home),
			Cwd:     "/",
			Rlimits: []ociRlimit{{Type: "RLIMIT_NOFILE", Hard: 1024, Soft: 1024}},
		},
		Linux: ociLinux{
			Namespaces: []ociNamespace{
				{Type: "pid"}, {Type: "ipc"}, {Type: "uts"}, {Type: "mount"},
			},
			MaskedPaths:   maskedPaths,
			ReadonlyPaths: readonlyPaths,
		},
	}
	if cfg.Config.WorkingDir != "" {
		conf.Process.Cwd = cfg.Config.WorkingDir
	}
	if spec.WorkingDir != "" {
		conf.Process.Cwd = spec.WorkingDir
	}
	if b.ns != nil {
		rootlessSpec(&conf, b.ns)
	}
	if err := withSeccomp(&conf, spec.Seccomp); err != nil {
		return err
	}
	caps := capSet(spec.CapAdd)
	conf.Process.Capabilities = ociCapabilities{Bounding: caps, Effective: caps, Permitted: caps}
	if id, ok := joined(spec.Network); ok {
		if err := b.joinRunc(&conf, id); err != nil {
			return err
		}
	} else if spec.Network != "host" {
		netns := ociNamespace{Type: "network"}
		if b.ns == nil {
			if p, closeNS, err := loopbackNetns(); err == nil {
				netns.Path = p
				b.closers = append(b.closers, closeNS)
			}
		}
		conf.Linux.Namespaces = append(conf.Linux.Namespaces, netns)
	}
	if err := b.addMounts(&conf, spec); err != nil {
		return err
	}
	data, err := json.MarshalIndent(conf, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(b.dir, "config.json"), data, 0o600); err != nil {
		return fmt.Errorf("writing runc config: %w", err)
	}
	return nil
}

// addMounts adds the /etc files of the run and the caller's bind mounts.
func (b *bundle) addMounts(conf *ociSpec, spec Spec) error {
	etc, err := etcFiles(b.dir, spec.Network)
	if err != nil {
		return err
	}
	conf.Mounts = append(conf.Mounts, etc...)
	for _, m := range spec.Mounts {
		src, err := filepath.Abs(m.Source)
		if err != nil {
			return err
		}
		opts := []string{"rbind", "rprivate"}
		if m.ReadOnly {
			opts = append(opts, "ro")
		}
		conf.Mounts = append(conf.Mounts, ociMount{Destination: m.Target, Type: "bind", Source: src, Options: opts})
	}
	return nil
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

// rootlessSpec changes conf for a container run without root: a user
// namespace with mapping ns, and the mounts an unprivileged namespace may
// make (runc spec --rootless): the host's /sys bound read-only, devpts
// without gid=5 unless that group exists inside.
//
// With a single-id mapping only root exists inside, and a program that
// drops to its user (nginx's workers: setuid to www-data) would fail with
// EINVAL. The owners of the image are folded to root; so are the changes
// of user: those system calls succeed and change nothing (seccomp, errno
// 0), as under fakeroot.
func rootlessSpec(conf *ociSpec, ns *userns) {
	conf.Linux.Namespaces = append(conf.Linux.Namespaces, ociNamespace{Type: "user"})
	conf.Linux.UIDMappings, conf.Linux.GIDMappings = ns.UIDs, ns.GIDs
	if !ns.ranged() {
		var zero uint
		conf.Linux.Seccomp = &SeccompProfile{DefaultAction: "SCMP_ACT_ALLOW", Syscalls: []SeccompRule{{
			Names: []string{"setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid",
				"setfsuid", "setfsgid", "setgroups", "chown", "fchown", "lchown", "fchownat"},
			Action: "SCMP_ACT_ERRNO", ErrnoRet: &zero,
		}}}
	}
	for i, m := range conf.Mounts {
		switch m.Destination {
		case "/sys":
			conf.Mounts[i] = ociMount{Destination: "/sys", Type: "none", Source: "/sys", Options: []string{"rbind", "nosuid", "noexec", "nodev", "ro"}}
		case "/dev/pts":
			if !ns.maps(0, 5) {
				conf.Mounts[i].Options = slices.DeleteFunc(slices.Clone(m.Options), func(o string) bool { return o == "gid=5" })
			}
		}
	}
}

func joinIDs(ids []int) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.Itoa(id)
	}
	return strings.Join(s, ", ")
}

// environ is the container's environment: the image's, then extra, with a
// default PATH and HOME when neither sets one.
func environ(image, extra []string, home string) []string {
	var env []string
	index := map[string]int{}
	set := func(kv string) {
		k, _, _ := strings.Cut(kv, "=")
		if i, ok := index[k]; ok {
			env[i] = kv // as Docker: a later value replaces the image's
			return
		}
		index[k] = len(env)
		env = append(env, kv)
	}
	set(DefaultPath)
	set("HOSTNAME=diet")
	set("HOME=" + home)
	for _, e := range image {
		set(e)
	}
	for _, e := range extra {
		set(e)
	}
	return env
}

// etcFiles writes the /etc/hosts, /etc/hostname and /etc/resolv.conf that
// Docker gives every container into the bundle, and returns their mounts.
func etcFiles(bundle, network string) ([]ociMount, error) {
	hosts := "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\tdiet\n"
	resolv := ""
	if network == "host" {
		if b, err := os.ReadFile("/etc/resolv.conf"); err == nil {
			resolv = string(b)
		}
		if b, err := os.ReadFile("/etc/hosts"); err == nil {
			hosts = string(b)
		}
	}
	files := []struct{ name, data string }{
		{"hosts", hosts}, {"hostname", "diet\n"}, {"resolv.conf", resolv},
	}
	var mounts []ociMount
	for _, f := range files {
		p := filepath.Join(bundle, f.name)
		if err := os.WriteFile(p, []byte(f.data), 0o644); err != nil {
			return nil, fmt.Errorf("writing %s: %w", p, err)
		}
		mounts = append(mounts, ociMount{Destination: "/etc/" + f.name, Type: "bind", Source: p, Options: []string{"rbind", "rprivate"}})
	}
	return mounts, nil
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

// bundleParent is where bundles go: dir, or the temporary directory unless
// it is mounted noexec (a tmpfs /tmp often is), where no program of the
// image could start; /var/tmp then.
func bundleParent(dir string) string {
	if dir != "" {
		return dir
	}
	dir = os.TempDir()
	var st unix.Statfs_t
	if unix.Statfs(dir, &st) == nil && st.Flags&unix.ST_NOEXEC != 0 {
		return "/var/tmp"
	}
	return dir
}
