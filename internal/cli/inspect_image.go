package cli

import (
	"github.com/spf13/cobra"

	"github.com/dietimg/diet/internal/analyze"
	"github.com/dietimg/diet/internal/report"
)

// inspectTop is how many of the largest files and wasted paths diet
// inspect lists for an image.
const inspectTop = 15

// inspectImages prints the full analysis of each image: per-layer sizes,
// the largest files, wasted bytes and efficiency, the Debian packages and,
// for images diet made, why each file is there.
func inspectImages(cmd *cobra.Command, refs []string, asJSON bool) error {
	as, err := analyzeImages(cmd, refs, imageFlags{}, analyze.Options{Top: inspectTop})
	if asJSON {
		// An array, one object per image, as for files.
		if as == nil {
			as = []*analyze.Analysis{}
		}
		if perr := printJSON(cmd, as); perr != nil {
			return perr
		}
		return err
	}
	for i, a := range as {
		if i > 0 {
			cmd.Println()
		}
		if perr := report.WriteAnalysis(cmd.OutOrStdout(), a); perr != nil {
			return perr
		}
	}
	return err
}
