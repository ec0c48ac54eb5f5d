package engine

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"slices"
	"strings"
	"time"
)

// A container can share the network namespace of another one that is
// running: Spec.Network "container:ID" (Docker's and podman's own
// syntax, passed on as it is). runc joins the namespace of the other
// container's first process; rootless, also its user namespace, which
// owns that network namespace (a namespace of its own could not enter
// it). The servers of one then answer the other on 127.0.0.1: a
// database beside the application, or a probe's client tool run from
// another image.

// JoinNetwork is the Spec.Network of a container that shares c's
// network namespace.
func (c *Container) JoinNetwork() string { return "container:" + c.ID }

// joined returns the container a Spec.Network "container:ID" names.
func joined(network string) (id string, ok bool) {
	id, ok = strings.CutPrefix(network, "container:")
	return id, ok && id != ""
}

// joinRunc makes conf enter the network namespace of runc container id
// (and, rootless, its user namespace).
func (b *bundle) joinRunc(conf *ociSpec, id string) error {
	runc, err := runcCommand(b.ns != nil)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// The other container may still be starting: runc run returns
	// before the container exists.
	var pid int
	for {
		if pid, err = runcPID(ctx, runc, id); err == nil {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("joining the network of container %s: %w", id, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
	conf.Linux.Namespaces = append(conf.Linux.Namespaces, ociNamespace{Type: "network", Path: fmt.Sprintf("/proc/%d/ns/net", pid)})
	if b.ns != nil {
		for i, ns := range conf.Linux.Namespaces {
			if ns.Type == "user" {
				conf.Linux.Namespaces[i].Path = fmt.Sprintf("/proc/%d/ns/user", pid)
			}
		}
	}
	return nil
}

// RootDir is where the container's root file system is on this machine
// (for podman without root and its overlay driver: inside podman's own
// mount namespace), while
// it runs: what the program writes there, such as the unix sockets it
// makes, is seen there too.
func (c *Container) RootDir(ctx context.Context) (string, error) {
	switch c.Runtime {
	case Runc:
		if c.runtimeCmd == nil {
			return "", fmt.Errorf("container %s: no runc command", c.ID)
		}
		out, err := c.runtimeCmd(ctx, "state", c.ID).Output()
		if err != nil {
			return "", fmt.Errorf("runc state %s: %w", c.ID, err)
		}
		var st struct {
			Rootfs string `json:"rootfs"`
		}
		if err := json.Unmarshal(out, &st); err != nil || st.Rootfs == "" {
			return "", fmt.Errorf("runc state %s: no root file system in %q", c.ID, out)
		}
		return st.Rootfs, nil
	case Docker, Podman:
		dir, err := cliEngine(c.Runtime).run(ctx, nil, "container", "inspect", "--format", "{{.GraphDriver.Data.MergedDir}}", c.ID)
		if err != nil {
			return "", err
		}
		if dir == "" || dir == "<no value>" {
			// vfs, podman's driver without root where overlay fails
			return "", fmt.Errorf("%s inspect %s: its storage driver gives no merged directory", c.Runtime, c.ID)
		}
		return dir, nil
	}
	return "", fmt.Errorf("runtime %s: no root file system known", c.Runtime)
}

// UnixSockets are the paths of the unix sockets bound in the container's
// network namespace, as the programs named them (absolute ones only;
// abstract and relative names are left out), without repeats. Another
// container of the same namespace may have bound some of them in its
// own file system.
func (c *Container) UnixSockets(ctx context.Context) ([]string, error) {
	if c.initPID == nil {
		return nil, fmt.Errorf("container %s: its process is not known", c.ID)
	}
	pid, err := c.initPID(ctx)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/unix", pid))
	if err != nil {
		return nil, err
	}
	return parseUnix(data), nil
}

// parseUnix reads the paths of /proc/net/unix: "Num RefCount Protocol
// Flags Type St Inode Path", the path last when the socket has one.
func parseUnix(data []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 8 || !strings.HasPrefix(f[7], "/") {
			continue
		}
		p := path.Clean(f[7])
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}
