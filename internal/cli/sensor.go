package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/dietimg/diet/internal/engine"
	"github.com/dietimg/diet/internal/procsig"
	"github.com/dietimg/diet/internal/rootfs"
	"github.com/dietimg/diet/internal/trace"
)

// newSensor is the hidden command diet slim runs inside the container: it
// starts the image's program under ptrace and records the paths it uses.
func newSensor() *cobra.Command {
	var out, user, self, stop string
	var setHome, calls, underFilter, qemuStrace bool
	cmd := &cobra.Command{
		Use:    "sensor [--out FILE] [--calls] [--user USER [--set-home]] -- CMD [ARG...]",
		Short:  "Run a program under ptrace and record every path it touches (used inside containers by diet slim)",
		Hidden: true,
		Example: `  diet sensor --out /tmp/record.jsonl -- nginx -g 'daemon off;'
  diet sensor -- sh -c 'cat /etc/os-release'`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts := trace.Options{}
			if stop != "" {
				sig, err := procsig.Parse(stop)
				if err != nil {
					return fmt.Errorf("sensor: --stop-signal: %w", err)
				}
				opts.StopSignal = sig
			}
			if out != "" {
				f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
				if err != nil {
					return fmt.Errorf("opening record: %w", err)
				}
				defer f.Close()
				opts.Record = f
			}
			if calls {
				// Under --user the first exec is sensor-exec's, diet's own.
				opts.Calls, opts.CallsAfterExec = trace.CallsAll, user != ""
			}
			if underFilter {
				opts.Calls = trace.CallsUnderFilter
			}
			if qemuStrace && out != "" {
				// qemu-user reads these from the emulated program's
				// environment, which its children inherit: one log per
				// emulator process, of the guest's own calls.
				opts.Env = append(os.Environ(), "QEMU_LOG=strace", "QEMU_LOG_FILENAME="+out+".qemu.%d")
			}
			if user != "" {
				me := strings.Fields(self)
				if len(me) == 0 {
					me = []string{os.Args[0]}
				}
				args = sensorUser(me, user, setHome, args)
			}
			// SIGTERM from the runtime is forwarded to the program, which
			// must stop on its own; it must not cancel the trace.
			res, err := trace.Run(context.WithoutCancel(cmd.Context()), args, opts)
			if err != nil {
				return fmt.Errorf("sensor: %w", err)
			}
			if res.ExitCode != 0 {
				return ExitError{Code: res.ExitCode}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "write the record (JSON lines of path, op, ok) to FILE as events happen")
	cmd.Flags().StringVar(&user, "user", "", "run the program as USER (name, uid, uid:gid, name:group, looked up in this root's /etc/passwd and /etc/group) while the sensor keeps its privileges")
	cmd.Flags().StringVar(&stop, "stop-signal", "", "the signal the runtime stops the container with: forwarded, or, when the program has no handler for it (as the container's first process it would never get it), a kill at once")
	cmd.Flags().BoolVar(&calls, "calls", false, "record every system call too (by name, with the arguments a seccomp profile filters on), not only those that name paths")
	cmd.Flags().BoolVar(&underFilter, "calls-under-filter", false, "record only the system calls each thread makes between installing a seccomp filter and executing a program (a container runtime's init)")
	cmd.Flags().BoolVar(&qemuStrace, "qemu-strace", false, "with --out, have qemu-user log the system calls of an emulated program to FILE.qemu.PID (the sensor traces the emulator, whose own calls are the host's)")
	cmd.Flags().StringVar(&self, "self", "", "with --user, the command line that starts diet again (space-separated; default: its own path), for a diet started through its own loader")
	cmd.Flags().BoolVar(&setHome, "set-home", false, "with --user, set HOME to the user's home directory, as a runtime does for a user whose image sets no HOME")
	cmd.Flags().SetInterspersed(false)
	return cmd
}

// sensorUser makes the traced program run as user through diet's hidden
// sensor-exec command: the traced child starts as root, as the sensor,
// and only then drops to the user and executes the program. The kernel
// grants a traced exec its file capabilities (a server binding port 80
// through cap_net_bind_service as a user) only when the tracer's
// credentials, taken when the child asked to be traced, hold
// CAP_SYS_PTRACE; a child that dropped its privileges first would lose
// them.
func sensorUser(self []string, user string, setHome bool, argv []string) []string {
	out := append(append([]string{}, self...), "sensor-exec", "--user", user)
	if setHome {
		out = append(out, "--set-home")
	}
	return append(append(out, "--"), argv...)
}

// newSensorExec is the hidden command that becomes the image's user
// before it executes the program: the sensor's traced child, and a probe
// command run in a container whose sensor runs as root.
func newSensorExec() *cobra.Command {
	var user string
	var setHome bool
	cmd := &cobra.Command{
		Use:     "sensor-exec --user USER [--set-home] -- CMD [ARG...]",
		Short:   "Drop to a user and execute a program (used by diet sensor)",
		Hidden:  true,
		Example: `  diet sensor-exec --user www-data --set-home -- nginx -g 'daemon off;'`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			fsys, err := rootfs.Dir("/")
			if err != nil {
				return fmt.Errorf("sensor-exec: %w", err)
			}
			u, err := engine.ResolveUser(fsys, user)
			if err != nil {
				return fmt.Errorf("sensor-exec: %w", err)
			}
			if err := becomeUser(u); err != nil {
				return fmt.Errorf("sensor-exec: %w", err)
			}
			env := os.Environ()
			if setHome {
				env = append(slices.DeleteFunc(env, func(e string) bool { return strings.HasPrefix(e, "HOME=") }), "HOME="+u.Home)
			}
			prog, err := exec.LookPath(args[0])
			if err != nil {
				return ExitError{Code: 127, Err: fmt.Errorf("%s: %w", args[0], err)}
			}
			// The main goroutine runs on the main thread (cmd/diet locks
			// it there): an exec from another thread would change the
			// process's thread id under the tracer.
			err = syscall.Exec(prog, args, env)
			return ExitError{Code: 126, Err: fmt.Errorf("executing %s: %w", prog, err)}
		},
	}
	cmd.Flags().StringVar(&user, "user", "0", "user to run as (name, uid, uid:gid, name:group, looked up in this root's /etc/passwd and /etc/group)")
	cmd.Flags().BoolVar(&setHome, "set-home", false, "set HOME to the user's home directory")
	cmd.Flags().SetInterspersed(false)
	return cmd
}

// becomeUser sets the process's groups and ids to u's (Go applies them to
// every thread). In a rootless container with a single-id mapping the
// user's ids do not exist (EINVAL) and groups cannot be set (EPERM): the
// runtime folds every owner to root there, and so does this.
func becomeUser(u engine.ExecUser) error {
	gs := make([]int, len(u.Additional))
	for i, g := range u.Additional {
		gs[i] = int(g)
	}
	unmapped := func(err error) bool { return errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.EPERM) }
	if err := syscall.Setgroups(gs); err != nil && !unmapped(err) {
		return fmt.Errorf("setgroups: %w", err)
	}
	if err := syscall.Setgid(int(u.GID)); err != nil && !errors.Is(err, syscall.EINVAL) {
		return fmt.Errorf("setgid %d: %w", u.GID, err)
	}
	if err := syscall.Setuid(int(u.UID)); err != nil && !errors.Is(err, syscall.EINVAL) {
		return fmt.Errorf("setuid %d: %w", u.UID, err)
	}
	return nil
}
