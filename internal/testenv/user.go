package testenv

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// User is an ordinary user made for tests that run diet without root.
type User struct {
	Name     string
	UID, GID int
	Home     string
	// SubIDs says whether the user has ranges in /etc/subuid and
	// /etc/subgid.
	SubIDs bool
}

// Unprivileged returns a test user, made on first use (the test runs as
// root: useradd, usermod and setpriv do the work), with a range of
// subordinate ids when subIDs is true and none otherwise. Its programs
// run through Command.
func Unprivileged(t testing.TB, subIDs bool) *User {
	t.Helper()
	Root(t)
	LookPath(t, "useradd", "usermod", "setpriv")
	if subIDs {
		LookPath(t, "newuidmap", "newgidmap")
	}
	name := "diet-test-nosub"
	if subIDs {
		name = "diet-test-sub"
	}
	lock, err := os.OpenFile(filepath.Join(os.TempDir(), "diet-test-users.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	if _, err := user.Lookup(name); err != nil {
		if out, err := exec.Command("useradd", "--create-home", "--shell", "/bin/sh", name).CombinedOutput(); err != nil {
			t.Fatalf("useradd %s: %v: %s", name, err, out)
		}
	}
	// useradd gives ranges of its own where /etc/subuid exists: make
	// the ranges exactly what the test asks for.
	for _, f := range []struct{ file, flag string }{{"/etc/subuid", "--del-subuids"}, {"/etc/subgid", "--del-subgids"}} {
		for _, r := range subRanges(f.file, name) {
			if subIDs && r == "200000-265535" {
				continue
			}
			if out, err := exec.Command("usermod", f.flag, r, name).CombinedOutput(); err != nil {
				t.Fatalf("usermod %s %s %s: %v: %s", f.flag, r, name, err, out)
			}
		}
	}
	if subIDs && len(subRanges("/etc/subuid", name)) == 0 {
		if out, err := exec.Command("usermod", "--add-subuids", "200000-265535", "--add-subgids", "200000-265535", name).CombinedOutput(); err != nil {
			t.Fatalf("usermod --add-subuids %s: %v: %s", name, err, out)
		}
	}
	u, err := user.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &User{Name: name, UID: uid, GID: gid, Home: u.HomeDir, SubIDs: subIDs}
}

// subRanges lists the ranges of name in a subuid or subgid file, as
// usermod writes them (FIRST-LAST).
func subRanges(file, name string) []string {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Split(sc.Text(), ":")
		if len(f) != 3 || f[0] != name {
			continue
		}
		start, err1 := strconv.Atoi(f[1])
		count, err2 := strconv.Atoi(f[2])
		if err1 == nil && err2 == nil && count > 0 {
			out = append(out, fmt.Sprintf("%d-%d", start, start+count-1))
		}
	}
	return out
}

// Command runs program as the user, with a clean environment of its own
// (HOME, PATH, TMPDIR) plus env, in dir.
func (u *User) Command(dir string, env []string, program string, args ...string) *exec.Cmd {
	argv := append([]string{"--reuid", strconv.Itoa(u.UID), "--regid", strconv.Itoa(u.GID), "--init-groups", "--",
		"env", "-i", "HOME=" + u.Home, "USER=" + u.Name, "LOGNAME=" + u.Name,
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TMPDIR=" + os.TempDir()}, env...)
	cmd := exec.Command("setpriv", append(append(argv, program), args...)...)
	cmd.Dir = dir
	return cmd
}

// Dir makes a directory of the user's own under t's temporary directory,
// which the user can reach.
func (u *User) Dir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp(os.TempDir(), "diet-test-"+u.Name+"-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, u.UID, u.GID); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Files of the user's subordinate ids may be left (a failed run):
		// root removes them all.
		os.RemoveAll(dir)
	})
	return dir
}

// Readable makes paths (and the directories above them) readable and
// searchable by every user, so that a test user can read what a root test
// made: the static diet binary, a cached image layout.
func Readable(t testing.TB, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if out, err := exec.Command("chmod", "-R", "a+rX", p).CombinedOutput(); err != nil {
			t.Fatalf("chmod -R a+rX %s: %v: %s", p, err, out)
		}
		for d := filepath.Dir(p); d != "/" && d != "."; d = filepath.Dir(d) {
			if fi, err := os.Stat(d); err == nil && fi.Mode().Perm()&0o005 != 0o005 {
				os.Chmod(d, fi.Mode().Perm()|0o005)
			}
		}
	}
}

// UnprivilegedPort lets an unprivileged user's container bind port (its
// host network is the host's, where a user namespace grants no
// CAP_NET_BIND_SERVICE) until the test ends: it lowers
// net.ipv4.ip_unprivileged_port_start, as Docker and Kubernetes pods set
// it to 0. The caller holds the port's lock.
func UnprivilegedPort(t testing.TB, port int) {
	t.Helper()
	Root(t)
	const file = "/proc/sys/net/ipv4/ip_unprivileged_port_start"
	data, err := os.ReadFile(file)
	if err != nil {
		Missing(t, "reading %s: %v", file, err)
	}
	old, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || old <= port {
		return
	}
	if err := os.WriteFile(file, []byte(strconv.Itoa(port)), 0o644); err != nil {
		Missing(t, "lowering %s to %d: %v", file, port, err)
	}
	t.Cleanup(func() { os.WriteFile(file, []byte(strconv.Itoa(old)), 0o644) })
}
