package engine

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/dietimg/diet/internal/rootfs"
)

// Rootless runs (diet not root) put the container in a user namespace
// that maps the caller to root inside. With a range of subordinate ids in
// /etc/subuid and /etc/subgid and the setuid helpers newuidmap and
// newgidmap (Debian's uidmap), ids 1 and up inside map to that range, so
// that an image's www-data (33) stays 33; otherwise only root exists
// inside, and every owner is folded to it.

// idMap is one line of a uid_map or gid_map: size ids from Inside map to
// host ids from Host.
type idMap struct {
	Inside uint32 `json:"containerID"`
	Host   uint32 `json:"hostID"`
	Size   uint32 `json:"size"`
}

// userns is the mapping of a rootless container.
type userns struct {
	UIDs, GIDs []idMap
	// why says, for a single-id mapping, why there are no ranges.
	why string
}

// ranged says whether ids besides root exist inside.
func (n *userns) ranged() bool { return len(n.UIDs) > 1 && len(n.GIDs) > 1 }

// maps reports whether uid and gid (inside) both exist in the mapping.
func (n *userns) maps(uid, gid int) bool {
	in := func(m []idMap, id int) bool {
		for _, r := range m {
			if id >= int(r.Inside) && id < int(r.Inside)+int(r.Size) {
				return true
			}
		}
		return false
	}
	return in(n.UIDs, uid) && in(n.GIDs, gid)
}

// callerNS returns the mapping for the calling user: the caller as root,
// then its subordinate ranges when they exist and newuidmap/newgidmap
// are installed.
func callerNS() *userns {
	uid, gid := os.Getuid(), os.Getgid()
	n := &userns{UIDs: []idMap{{0, uint32(uid), 1}}, GIDs: []idMap{{0, uint32(gid), 1}}}
	names := []string{strconv.Itoa(uid)}
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		names = append(names, u.Username)
	}
	for _, tool := range []string{"newuidmap", "newgidmap"} {
		if _, err := exec.LookPath(tool); err != nil {
			n.why = tool + " is not installed (apt-get install uidmap)"
			return n
		}
	}
	subu := subIDs("/etc/subuid", names)
	subg := subIDs("/etc/subgid", names)
	if len(subu) == 0 || len(subg) == 0 {
		n.why = fmt.Sprintf("user %s has no range in /etc/subuid and /etc/subgid (usermod --add-subuids 100000-165535 --add-subgids 100000-165535 %s)", names[len(names)-1], names[len(names)-1])
		return n
	}
	n.UIDs = append(n.UIDs, subu...)
	n.GIDs = append(n.GIDs, subg...)
	return n
}

// subIDs reads the ranges of names from a subuid or subgid file, laid
// out inside from id 1 on, in the order of the file.
func subIDs(file string, names []string) []idMap {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	var out []idMap
	next := uint64(1)
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Split(strings.TrimSpace(sc.Text()), ":")
		if len(f) != 3 || !slices.Contains(names, f[0]) {
			continue
		}
		start, err1 := strconv.ParseUint(f[1], 10, 32)
		count, err2 := strconv.ParseUint(f[2], 10, 32)
		if err1 != nil || err2 != nil || count == 0 || next+count > 1<<32-1 {
			continue
		}
		out = append(out, idMap{Inside: uint32(next), Host: uint32(start), Size: uint32(count)})
		next += count
	}
	return out
}

// newuidmapArgs is the argument list of newuidmap or newgidmap for pid.
func newuidmapArgs(pid int, m []idMap) []string {
	args := []string{strconv.Itoa(pid)}
	for _, r := range m {
		args = append(args, strconv.FormatUint(uint64(r.Inside), 10), strconv.FormatUint(uint64(r.Host), 10), strconv.FormatUint(uint64(r.Size), 10))
	}
	return args
}

// userNamespacesAllowed says, in one line with what to do, why this
// kernel refuses unprivileged user namespaces, or returns nil.
func userNamespacesAllowed() error {
	return nsRefusal(func(name string) string {
		b, err := os.ReadFile("/proc/sys/" + strings.ReplaceAll(name, ".", "/"))
		if err != nil {
			return ""
		}
		return strings.TrimSpace(string(b))
	}, tryUserNamespace)
}

// nsRefusal is userNamespacesAllowed over sysctl, which reads a setting
// ("" when absent), and try, which makes a user namespace.
func nsRefusal(sysctl func(name string) string, try func() error) error {
	const hint = ", or run diet as root"
	if sysctl("kernel.unprivileged_userns_clone") == "0" {
		return errors.New("rootless runc: the kernel forbids unprivileged user namespaces (kernel.unprivileged_userns_clone=0): run `sysctl -w kernel.unprivileged_userns_clone=1` as root" + hint)
	}
	if sysctl("user.max_user_namespaces") == "0" {
		return errors.New("rootless runc: the kernel allows no user namespaces (user.max_user_namespaces=0): run `sysctl -w user.max_user_namespaces=15000` as root" + hint)
	}
	// The kernel may still refuse (an AppArmor policy, seccomp in a
	// container): try it.
	err := try()
	if err == nil {
		return nil
	}
	if sysctl("kernel.apparmor_restrict_unprivileged_userns") == "1" {
		return errors.New("rootless runc: AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns=1): run `sysctl -w kernel.apparmor_restrict_unprivileged_userns=0` as root, or give runc an AppArmor profile with `userns,`" + hint)
	}
	return fmt.Errorf("rootless runc: this system refuses an unprivileged user namespace (%v): in a container, allow unshare(CLONE_NEWUSER) in its seccomp and AppArmor profiles%s", err, hint)
}

// tryUserNamespace starts diet's helper in a new user namespace.
func tryUserNamespace() error {
	cmd := exec.Command("/proc/self/exe")
	cmd.Env = append(os.Environ(), helperEnv+"=probe")
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:  syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}},
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return errors.New(firstLine(out, err))
	}
	return nil
}

// The user-namespace helper: diet runs itself again inside a new user
// namespace with the container's mapping, to give an unpacked tree the
// owners its layers recorded (which the caller cannot do on the host) and
// to remove such a tree again. Stage "wait" is started in the new
// namespace before its mapping exists; once newuidmap and newgidmap have
// written it, it executes itself again as stage "work", as root of the
// namespace with its capabilities there.
const helperEnv = "DIET_USERNS_HELPER"

func init() {
	switch os.Getenv(helperEnv) {
	case "":
		return
	case "probe":
		os.Exit(0)
	case "wait":
		var b [1]byte
		if n, _ := os.NewFile(3, "sync").Read(b[:]); n != 1 {
			os.Exit(1) // the parent gave up
		}
		env := append(slices.DeleteFunc(os.Environ(), func(e string) bool { return strings.HasPrefix(e, helperEnv+"=") }), helperEnv+"=work")
		err := syscall.Exec("/proc/self/exe", os.Args[:1], env)
		fmt.Fprintln(os.Stderr, "executing the user namespace helper:", err)
		os.Exit(1)
	case "work":
		if err := helperWork(os.Stdin); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
}

// helperJob is what the helper is asked to do.
type helperJob struct {
	// Dir is the tree.
	Dir string `json:"dir"`
	// Remove removes Dir; otherwise Owners are applied in it.
	Remove bool `json:"remove,omitempty"`
	// Owners are the entries to give an owner, by name in Dir.
	Owners map[string]rootfs.Owner `json:"owners,omitempty"`
}

func helperWork(r io.Reader) error {
	var job helperJob
	if err := json.NewDecoder(r).Decode(&job); err != nil {
		return fmt.Errorf("reading the helper's job: %w", err)
	}
	if job.Remove {
		return os.RemoveAll(job.Dir)
	}
	root, err := os.OpenRoot(job.Dir)
	if err != nil {
		return err
	}
	defer root.Close()
	for name, o := range job.Owners {
		if err := root.Lchown(name, o.UID, o.GID); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return fmt.Errorf("chown %s: %w", name, err)
		}
		// chown clears setuid and setgid: set the mode again.
		if o.Mode&(fs.ModeSetuid|fs.ModeSetgid) != 0 {
			if fi, err := root.Lstat(name); err == nil && fi.Mode().IsRegular() {
				if err := root.Chmod(name, o.Mode); err != nil {
					return fmt.Errorf("chmod %s: %w", name, err)
				}
			}
		}
	}
	return nil
}

// inNamespace runs job in a new user namespace with mapping n.
func (n *userns) run(job helperJob) error {
	data, err := json.Marshal(job)
	if err != nil {
		return err
	}
	rd, wr, err := os.Pipe()
	if err != nil {
		return err
	}
	defer wr.Close()
	cmd := exec.Command("/proc/self/exe")
	cmd.Env = append(os.Environ(), helperEnv+"=wait")
	cmd.Stdin = bytes.NewReader(data)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.ExtraFiles = []*os.File{rd}
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUSER}
	err = cmd.Start()
	rd.Close()
	if err != nil {
		return fmt.Errorf("starting the user namespace helper: %w", err)
	}
	for _, m := range []struct {
		tool string
		ids  []idMap
	}{{"newuidmap", n.UIDs}, {"newgidmap", n.GIDs}} {
		if o, err := exec.Command(m.tool, newuidmapArgs(cmd.Process.Pid, m.ids)...).CombinedOutput(); err != nil {
			cmd.Process.Kill()
			cmd.Wait()
			return fmt.Errorf("%s: %s", m.tool, firstLine(o, err))
		}
	}
	wr.Write([]byte{1})
	wr.Close()
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("user namespace helper: %s", firstLine(out.Bytes(), err))
	}
	return nil
}

// chownTree gives the entries of the tree at dir the owners owners holds,
// as seen inside n. Entries owned by root need nothing (they belong to
// the caller, root inside). It returns the owners it folded to root,
// which a single-id mapping cannot hold.
func (n *userns) chownTree(dir string, owners map[string]rootfs.Owner) (folded []int, err error) {
	todo := map[string]rootfs.Owner{}
	seen := map[int]bool{}
	for name, o := range owners {
		if o.UID == 0 && o.GID == 0 {
			continue
		}
		if !n.maps(o.UID, o.GID) {
			for _, id := range []int{o.UID, o.GID} {
				if id != 0 && !seen[id] {
					seen[id] = true
					folded = append(folded, id)
				}
			}
			continue
		}
		todo[name] = o
	}
	slices.Sort(folded)
	if len(todo) == 0 {
		return folded, nil
	}
	return folded, n.run(helperJob{Dir: dir, Owners: todo})
}

// removeTree removes a tree that may hold files of the subordinate ids,
// which the caller cannot remove on the host.
func (n *userns) removeTree(dir string) {
	if os.RemoveAll(dir) == nil || !n.ranged() {
		return
	}
	n.run(helperJob{Dir: dir, Remove: true})
}
