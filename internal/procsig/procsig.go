// Package procsig reads from /proc whether a process has a handler for a
// signal. The first process of a PID namespace (a container's) only ever
// receives the signals it has a handler for, SIGKILL apart: a shell or
// a Python program started as a container's command has none for
// SIGTERM, so the runtime's stop signal does nothing, and waiting the
// grace period before the kill only loses time. The runtimes (engine) and
// diet's sensor (trace) ask Caught before they wait.
package procsig

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Parse reads a signal as an image's StopSignal or a runtime's kill flag
// gives it: "SIGTERM", "TERM", "term" or "15"; "" is SIGTERM.
func Parse(name string) (unix.Signal, error) {
	if name == "" {
		return unix.SIGTERM, nil
	}
	if n, err := strconv.Atoi(name); err == nil {
		if n <= 0 || n > 64 {
			return 0, fmt.Errorf("signal %q: not a signal number (1 to 64)", name)
		}
		return unix.Signal(n), nil
	}
	up := strings.ToUpper(name)
	if !strings.HasPrefix(up, "SIG") {
		up = "SIG" + up
	}
	if s := unix.SignalNum(up); s != 0 {
		return s, nil
	}
	return 0, fmt.Errorf("signal %q: no such signal", name)
}

// Caught says whether process pid has a handler for sig (the SigCgt mask
// of /proc/PID/status): a signal it ignores or leaves to its default
// action is not caught. SIGKILL and SIGSTOP cannot be caught, and are
// reported caught, since they always act.
func Caught(pid int, sig unix.Signal) (bool, error) {
	if sig == unix.SIGKILL || sig == unix.SIGSTOP {
		return true, nil
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return false, err
	}
	return caughtIn(status, sig)
}

// caughtIn reads the SigCgt mask of a /proc/PID/status text.
func caughtIn(status []byte, sig unix.Signal) (bool, error) {
	if sig < 1 || sig > 64 {
		return false, fmt.Errorf("signal %d: not a signal number (1 to 64)", int(sig))
	}
	for line := range bytes.Lines(status) {
		hex, ok := bytes.CutPrefix(line, []byte("SigCgt:"))
		if !ok {
			continue
		}
		mask, err := strconv.ParseUint(string(bytes.TrimSpace(hex)), 16, 64)
		if err != nil {
			return false, fmt.Errorf("SigCgt %q: %w", bytes.TrimSpace(hex), err)
		}
		return mask&(1<<(uint(sig)-1)) != 0, nil
	}
	return false, fmt.Errorf("no SigCgt line")
}
