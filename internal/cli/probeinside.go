package cli

import (
	"github.com/spf13/cobra"

	"github.com/dietimg/diet/internal/probe"
)

// newProbeInside is the hidden command diet slim runs inside a running
// container (runc exec, docker exec) to make a probe's request on the
// container's own loopback; see probe.Inside.
func newProbeInside() *cobra.Command {
	return &cobra.Command{
		Use:     "probe-inside REQUEST",
		Short:   "Make a probe's request inside the container's network (used inside containers by diet slim)",
		Hidden:  true,
		Example: `  diet probe-inside '{"kind":"http","port":80,"path":"/","timeout":60000000000}'`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return probe.Inside(cmd.Context(), args[0], cmd.InOrStdin(), cmd.OutOrStdout())
		},
	}
}
