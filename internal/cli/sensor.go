package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/dietimg/diet/internal/trace"
	"github.com/spf13/cobra"
)

func init() { register(newSensor) }

// newSensor is the hidden command diet slim runs inside the container: it
// starts the image's program under ptrace and records the paths it uses.
func newSensor() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:    "sensor [--out FILE] -- CMD [ARG...]",
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
	cmd.Flags().SetInterspersed(false)
	return cmd
}
