//go:build linux

package trace

import (
	"encoding/binary"
	"path"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// supported reports whether the sensor can trace on this architecture;
// the syscall numbers below are x86_64's.
const supported = true

// auditArch is AUDIT_ARCH_X86_64: syscalls made in another ABI (32-bit
// programs) carry other numbers and are not decoded.
const auditArch = 0xc000003e

const atFDCWD = -100

// Open flags, x86_64 values.
const (
	oAccMode = 0x3
	oCreat   = 0x40
	oTrunc   = 0x200
	oTmpfile = 0x400000
)

// pending is one path a syscall names, recorded once the syscall returns
// and its success is known.
type pending struct {
	path string
	op   Op
}

// decoder reads a stopped tracee's memory and file descriptors.
type decoder interface {
	str(pid int, addr uint64) (string, bool)
	mem(pid int, addr uint64, n int) ([]byte, bool)
}

// decode returns the paths named by syscall nr with args, made absolute
// against the tracee's working directory or directory descriptor.
func decode(d decoder, pid int, nr uint64, a [6]uint64) []pending {
	var out []pending
	// at adds the path at address p, relative to dirfd.
	at := func(dirfd int32, p uint64, op Op) {
		if p == 0 {
			return
		}
		s, ok := d.str(pid, p)
		if !ok || s == "" {
			return
		}
		if abs := absPath(pid, dirfd, s); abs != "" {
			out = append(out, pending{abs, op})
		}
	}
	cwd := func(p uint64, op Op) { at(atFDCWD, p, op) }
	fd := func(n int32, op Op) {
		if p := fdPath(pid, n); p != "" {
			out = append(out, pending{p, op})
		}
	}
	i32 := func(v uint64) int32 { return int32(v) }

	switch nr {
	case unix.SYS_OPEN:
		cwd(a[0], openOp(a[1]))
	case unix.SYS_OPENAT:
		at(i32(a[0]), a[1], openOp(a[2]))
	case unix.SYS_OPENAT2:
		flags := uint64(0)
		if b, ok := d.mem(pid, a[2], 8); ok {
			flags = binary.LittleEndian.Uint64(b)
		}
		at(i32(a[0]), a[1], openOp(flags))
	case unix.SYS_CREAT:
		cwd(a[0], OpCreate)
	case unix.SYS_STAT, unix.SYS_LSTAT, unix.SYS_ACCESS, unix.SYS_STATFS,
		unix.SYS_GETXATTR, unix.SYS_LGETXATTR, unix.SYS_LISTXATTR, unix.SYS_LLISTXATTR,
		unix.SYS_CHROOT:
		cwd(a[0], OpStat)
	case unix.SYS_NEWFSTATAT, unix.SYS_STATX, unix.SYS_FACCESSAT, unix.SYS_FACCESSAT2:
		at(i32(a[0]), a[1], OpStat)
	case unix.SYS_INOTIFY_ADD_WATCH:
		cwd(a[1], OpStat)
	case unix.SYS_READLINK:
		cwd(a[0], OpReadlink)
	case unix.SYS_READLINKAT:
		at(i32(a[0]), a[1], OpReadlink)
	case unix.SYS_EXECVE:
		cwd(a[0], OpExec)
	case unix.SYS_EXECVEAT:
		at(i32(a[0]), a[1], OpExec)
	case unix.SYS_CHDIR:
		cwd(a[0], OpChdir)
	case unix.SYS_FCHDIR:
		fd(i32(a[0]), OpChdir)
	case unix.SYS_GETDENTS64, unix.SYS_GETDENTS:
		fd(i32(a[0]), OpList)
	case unix.SYS_MKDIR, unix.SYS_MKNOD:
		cwd(a[0], OpCreate)
	case unix.SYS_MKDIRAT, unix.SYS_MKNODAT:
		at(i32(a[0]), a[1], OpCreate)
	case unix.SYS_RENAME:
		cwd(a[0], OpRemove)
		cwd(a[1], OpCreate)
	case unix.SYS_RENAMEAT, unix.SYS_RENAMEAT2:
		at(i32(a[0]), a[1], OpRemove)
		at(i32(a[2]), a[3], OpCreate)
	case unix.SYS_UNLINK, unix.SYS_RMDIR:
		cwd(a[0], OpRemove)
	case unix.SYS_UNLINKAT:
		at(i32(a[0]), a[1], OpRemove)
	case unix.SYS_LINK:
		cwd(a[0], OpStat)
		cwd(a[1], OpCreate)
	case unix.SYS_LINKAT:
		at(i32(a[0]), a[1], OpStat)
		at(i32(a[2]), a[3], OpCreate)
	case unix.SYS_SYMLINK:
		cwd(a[1], OpCreate)
	case unix.SYS_SYMLINKAT:
		at(i32(a[1]), a[2], OpCreate)
	case unix.SYS_TRUNCATE, unix.SYS_CHMOD, unix.SYS_CHOWN, unix.SYS_LCHOWN,
		unix.SYS_UTIME, unix.SYS_UTIMES, unix.SYS_SETXATTR, unix.SYS_LSETXATTR:
		cwd(a[0], OpWrite)
	case unix.SYS_FCHMODAT, unix.SYS_FCHMODAT2, unix.SYS_FCHOWNAT, unix.SYS_FUTIMESAT, unix.SYS_UTIMENSAT:
		at(i32(a[0]), a[1], OpWrite)
	case unix.SYS_CONNECT, unix.SYS_BIND:
		// Unix sockets live in the file system: a server binds one in a
		// directory that must exist, a client connects to one.
		n := int(a[2])
		if n <= 2 || n > 110 {
			break
		}
		b, ok := d.mem(pid, a[1], n)
		if !ok || binary.LittleEndian.Uint16(b) != unix.AF_UNIX || b[2] == 0 {
			break
		}
		p := string(b[2:])
		if i := strings.IndexByte(p, 0); i >= 0 {
			p = p[:i]
		}
		op := OpOpen
		if nr == unix.SYS_BIND {
			op = OpCreate
		}
		if abs := absPath(pid, atFDCWD, p); abs != "" && p != "" {
			out = append(out, pending{abs, op})
		}
	}
	return out
}

func openOp(flags uint64) Op {
	switch {
	case flags&oTmpfile == oTmpfile:
		return OpWrite // the path is a directory the file is made in
	case flags&oCreat != 0:
		return OpCreate
	case flags&oAccMode != 0 || flags&oTrunc != 0:
		return OpWrite
	}
	return OpOpen
}

// absPath makes p absolute against the directory dirfd of process pid, or
// its working directory. It returns "" when the base is not a path (a
// socket, a deleted directory).
func absPath(pid int, dirfd int32, p string) string {
	if strings.HasPrefix(p, "/") {
		return path.Clean(p)
	}
	var base string
	if dirfd == atFDCWD {
		base = procLink(pid, "cwd")
	} else {
		base = fdPath(pid, dirfd)
	}
	if base == "" {
		return ""
	}
	return path.Join(base, p)
}

// fdPath is the path the file descriptor n of process pid was opened as.
func fdPath(pid int, n int32) string {
	if n < 0 {
		return ""
	}
	return procLink(pid, "fd/"+strconv.Itoa(int(n)))
}

func procLink(pid int, name string) string {
	s, err := readlinkProc("/proc/" + strconv.Itoa(pid) + "/" + name)
	if err != nil || !strings.HasPrefix(s, "/") || strings.HasSuffix(s, " (deleted)") {
		return ""
	}
	return path.Clean(s)
}

func readlinkProc(name string) (string, error) {
	buf := make([]byte, 4096)
	n, err := unix.Readlink(name, buf)
	if err != nil {
		return "", err
	}
	return string(buf[:n]), nil
}

// callsOf is what a profile must allow of syscall nr made with args: the
// call by name, and for the calls a profile filters on, the argument.
func callsOf(nr uint64, a [6]uint64) []Call {
	name := SyscallName("amd64", nr)
	if name == "" {
		return nil
	}
	c := Call{Arch: "amd64", Name: name}
	out := []Call{c}
	arg := func(i uint, v uint64) {
		c.ArgSeen, c.Index, c.Value = true, i, v
		out = append(out, c)
	}
	switch nr {
	case unix.SYS_SOCKET:
		arg(0, a[0]) // the address family
	case unix.SYS_PERSONALITY:
		arg(0, a[0])
	case unix.SYS_CLONE:
		arg(0, a[0]&CloneNamespaceFlags) // flags come first on x86_64
	}
	return out
}

func isExec(nr uint64) bool { return nr == unix.SYS_EXECVE || nr == unix.SYS_EXECVEAT }

// installsFilter says whether syscall nr with args, having succeeded,
// installed a seccomp filter, and whether on every thread (TSYNC).
func installsFilter(nr uint64, a [6]uint64) (tsync, ok bool) {
	const (
		setModeFilter = 1  // SECCOMP_SET_MODE_FILTER
		flagTsync     = 1  // SECCOMP_FILTER_FLAG_TSYNC
		prSetSeccomp  = 22 // PR_SET_SECCOMP
		modeFilter    = 2  // SECCOMP_MODE_FILTER
	)
	switch {
	case nr == unix.SYS_SECCOMP && a[0] == setModeFilter:
		return a[1]&flagTsync != 0, true
	case nr == unix.SYS_PRCTL && a[0] == prSetSeccomp && a[1] == modeFilter:
		return false, true
	}
	return false, false
}
