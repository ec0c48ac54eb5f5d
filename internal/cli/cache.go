package cli

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/rootfs"
)

// newCache is diet cache: the tree cache of diet slim, listed and pruned.
func newCache() *cobra.Command {
	var dir string
	var asJSON, all bool
	var olderThan time.Duration
	cmd := &cobra.Command{
		Use:   "cache",
		Short: "List or prune the tree cache of diet slim (the unpacked trees of the images slimmed)",
		Long: `diet slim unpacks each image's tree once into the tree cache, and the
tree below its top layer too, so that the next slim of the image, or of
an image on the same base, unpacks nothing or only its own layers. The
trees stay until pruned: diet cache ls lists them (most recently used
first), diet cache prune removes those unused for --older-than (or all
with --all), leaving any a running slim holds.`,
		Example: "  diet cache ls\n  diet cache prune --older-than 168h",
		Args:    cobra.NoArgs,
	}
	cmd.PersistentFlags().StringVar(&dir, "cache-dir", defaultCacheDir(), "`DIR` of the tree cache ($DIET_CACHE_DIR)")
	ls := &cobra.Command{
		Use:     "ls",
		Short:   "List the trees of the cache",
		Example: "  diet cache ls\n  diet cache ls --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			entries, err := rootfs.CacheEntries(dir)
			if err != nil {
				return fmt.Errorf("tree cache %s: %w", dir, err)
			}
			if asJSON {
				if entries == nil {
					entries = []rootfs.CacheEntry{}
				}
				return printJSON(cmd, entries)
			}
			printEntries(cmd, entries)
			return nil
		},
	}
	ls.Flags().BoolVar(&asJSON, "json", false, "print the entries as JSON")
	prune := &cobra.Command{
		Use:     "prune",
		Short:   "Remove the trees not used lately (those in use stay)",
		Example: "  diet cache prune                    # unused for 30 days\n  diet cache prune --older-than 24h\n  diet cache prune --all",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if olderThan <= 0 && !all {
				return fmt.Errorf("--older-than %s: want a positive duration, or --all", olderThan)
			}
			cutoff := time.Now().Add(-olderThan)
			if all {
				cutoff = time.Now().Add(time.Second)
			}
			removed, busy, err := rootfs.PruneCache(dir, cutoff)
			if asJSON {
				if jerr := printJSON(cmd, map[string]any{"removed": nonNil(removed), "in_use": nonNil(busy)}); err == nil {
					err = jerr
				}
				return err
			}
			var freed int64
			for _, e := range removed {
				freed += e.Size
			}
			fmt.Fprintf(cmd.OutOrStdout(), "removed %d trees (up to %s)\n", len(removed), image.HumanSize(freed))
			for _, e := range busy {
				fmt.Fprintf(cmd.OutOrStdout(), "in use, kept: %s\n", e.Dir)
			}
			return err
		},
	}
	prune.Flags().DurationVar(&olderThan, "older-than", 30*24*time.Hour, "remove the trees last used longer ago than this")
	prune.Flags().BoolVar(&all, "all", false, "remove every tree not in use")
	prune.Flags().BoolVar(&asJSON, "json", false, "print what was removed and what was in use as JSON")
	cmd.AddCommand(ls, prune)
	return cmd
}

func printEntries(cmd *cobra.Command, entries []rootfs.CacheEntry) {
	tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TREE\tLAYERS\tSIZE\tLAST USED")
	for _, e := range entries {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", e.Key[:12], e.Layers, image.HumanSize(e.Size), e.Used.Local().Format(time.DateTime))
	}
	tw.Flush()
}

func nonNil(es []rootfs.CacheEntry) []rootfs.CacheEntry {
	if es == nil {
		return []rootfs.CacheEntry{}
	}
	return es
}
