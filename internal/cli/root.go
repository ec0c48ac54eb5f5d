// Package cli wires diet's commands with cobra. Each command parses its
// flags, calls one domain function and prints; nothing else lives here.
package cli

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/spf13/cobra"
)

// ExitError carries an exit status out of a command. A nil Err means the
// command has already said what went wrong.
type ExitError struct {
	Code int
	Err  error
}

func (e ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e ExitError) Unwrap() error { return e.Err }

// New returns the diet root command with every subcommand attached. The
// subcommands are listed here, in the order of the help's listing; a new
// command file adds its constructor to this list.
func New() *cobra.Command {
	var verbose int
	root := &cobra.Command{
		Use:   "diet",
		Short: "Put a Linux program on a diet: the smallest container image that still runs it",
		Long: `diet turns a program (a prebuilt ELF binary, a Go package, or an existing
container image) into the smallest container image that still runs it, and
proves that it does. It never executes the files it inspects, needs no daemon,
and writes reproducible images.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRun: func(cmd *cobra.Command, args []string) {
			level := slog.LevelWarn
			switch {
			case verbose == 1:
				level = slog.LevelInfo
			case verbose > 1:
				level = slog.LevelDebug
			}
			slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})))
		},
	}
	root.PersistentFlags().CountVarP(&verbose, "verbose", "v", "more log output on stderr (repeat for debug)")
	root.AddCommand(
		newBuild(),
		newSlim(),
		newCompare(),
		newRun(),
		newSize(),
		newCache(),
		newInspect(),
		newVersion(),
		// Hidden: what diet slim runs inside the containers it starts.
		newSensor(),
		newSensorExec(),
		newProbeInside(),
	)
	return root
}
