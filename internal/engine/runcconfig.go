package engine

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// DefaultPath is the PATH of a container whose image sets none, as Docker
// gives it.
const DefaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

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
