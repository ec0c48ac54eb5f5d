package cli

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/dietimg/diet/internal/rootfs"
	"github.com/dietimg/diet/internal/runtime"
	"github.com/dietimg/diet/internal/trace"
)

func init() {
	register(newSensor)
	register(newSensorExec)
}

// newSensor is the hidden command diet slim runs inside the container: it
// starts the image's program under ptrace and records the paths it uses.
func newSensor() *cobra.Command {
	var out, user, self string
	var setHome bool
	cmd := &cobra.Command{
		Use:    "sensor [--out FILE] [--user USER [--set-home]] -- CMD [ARG...]",
		Short:  "Run a program under ptrace and record every path it touches (used inside containers by diet slim)",
		Hidden: true,
		Example: `  diet sensor --out /tmp/record.jsonl -- nginx -g 'daemon off;'
  diet sensor -- sh -c 'cat /etc/os-release'`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts := trace.Options{}
			if out != "" {
				f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
				if err != nil {
					return fmt.Errorf("opening record: %w", err)
				}
				defer f.Close()
				opts.Record = f
			}
			if user != "" {
				me := strings.Fields(self)
				if len(me) == 0 {
					me = []string{os.Args[0]}
				}
				var err error
				if args, err = sensorUser(me, user, setHome, args); err != nil {
					return fmt.Errorf("sensor: %w", err)
				}
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
	cmd.Flags().StringVar(&self, "self", "", "with --user, the command line that starts diet again (space-separated; default: its own path), for a diet started through its own loader")
	cmd.Flags().BoolVar(&setHome, "set-home", false, "with --user, set HOME to the user's home directory, as a runtime does for a user whose image sets no HOME")
	cmd.Flags().SetInterspersed(false)
	return cmd
}

// sensorUser makes the traced program run as user, resolved in the root
// the sensor runs in, through diet's hidden sensor-exec command: the
// traced child starts as root, as the sensor, and only then drops to the
// user and executes the program. The kernel grants a traced exec its file
// capabilities (a server binding port 80 through cap_net_bind_service as
// a user) only when the tracer's credentials, taken when the child asked
// to be traced, hold CAP_SYS_PTRACE; a child that dropped its privileges
// first would lose them.
func sensorUser(self []string, user string, setHome bool, argv []string) ([]string, error) {
	fsys, err := rootfs.Dir("/")
	if err != nil {
		return nil, err
	}
	u, err := runtime.ResolveUser(fsys, user)
	if err != nil {
		return nil, err
	}
	groups := make([]string, len(u.Additional))
	for i, g := range u.Additional {
		groups[i] = strconv.FormatUint(uint64(g), 10)
	}
	out := append(append([]string{}, self...), "sensor-exec", "--uid", strconv.FormatUint(uint64(u.UID), 10),
		"--gid", strconv.FormatUint(uint64(u.GID), 10), "--groups", strings.Join(groups, ","))
	if setHome {
		out = append(out, "--home", u.Home)
	}
	return append(append(out, "--"), argv...), nil
}

// newSensorExec is the hidden command the sensor's traced child runs to
// become the image's user before it executes the program.
func newSensorExec() *cobra.Command {
	var uid, gid uint32
	var groups, home string
	cmd := &cobra.Command{
		Use:     "sensor-exec --uid UID --gid GID [--groups G,G] [--home DIR] -- CMD [ARG...]",
		Short:   "Drop to a user and execute a program (used by diet sensor)",
		Hidden:  true,
		Example: `  diet sensor-exec --uid 33 --gid 33 --home /var/www -- nginx -g 'daemon off;'`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var gs []int
			for _, g := range strings.Split(groups, ",") {
				if g == "" {
					continue
				}
				n, err := strconv.ParseUint(g, 10, 32)
				if err != nil {
					return fmt.Errorf("sensor-exec: --groups %q: %w", groups, err)
				}
				gs = append(gs, int(n))
			}
			// Go applies these to every thread of the process.
			if err := syscall.Setgroups(gs); err != nil {
				return fmt.Errorf("sensor-exec: setgroups: %w", err)
			}
			if err := syscall.Setgid(int(gid)); err != nil {
				return fmt.Errorf("sensor-exec: setgid %d: %w", gid, err)
			}
			if err := syscall.Setuid(int(uid)); err != nil {
				return fmt.Errorf("sensor-exec: setuid %d: %w", uid, err)
			}
			env := os.Environ()
			if home != "" {
				env = append(slices.DeleteFunc(env, func(e string) bool { return strings.HasPrefix(e, "HOME=") }), "HOME="+home)
			}
			prog, err := exec.LookPath(args[0])
			if err != nil {
				return ExitError{Code: 127, Err: fmt.Errorf("%s: %w", args[0], err)}
			}
			err = syscall.Exec(prog, args, env)
			return ExitError{Code: 126, Err: fmt.Errorf("executing %s: %w", prog, err)}
		},
	}
	cmd.Flags().Uint32Var(&uid, "uid", 0, "user id to run as")
	cmd.Flags().Uint32Var(&gid, "gid", 0, "group id to run as")
	cmd.Flags().StringVar(&groups, "groups", "", "supplementary group ids, comma-separated")
	cmd.Flags().StringVar(&home, "home", "", "set HOME to DIR")
	cmd.Flags().SetInterspersed(false)
	return cmd
}
