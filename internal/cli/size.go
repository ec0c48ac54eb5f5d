package cli

import (
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/dietimg/diet/internal/analyze"
	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/publish"
	"github.com/dietimg/diet/internal/report"
)

// imageFlags are the flags of the commands that read images to analyse them.
type imageFlags struct {
	platformOptions
	registryOptions
}

func (f *imageFlags) addFlags(cmd *cobra.Command) {
	f.platformOptions.addFlags(cmd, "image to pick from an index, as os/arch[/variant] (default: this machine's)")
	f.registryOptions.addFlags(cmd)
}

func (f *imageFlags) options() (image.Options, error) {
	p, err := f.single()
	if err != nil {
		return image.Options{}, err
	}
	return image.Options{Insecure: f.insecure, Platform: p}, nil
}

// analyzeImages reads and analyses each image. An image that cannot be
// read is reported on stderr and left out; the returned error says how
// many were.
func analyzeImages(cmd *cobra.Command, refs []string, f imageFlags, opt analyze.Options) ([]*analyze.Analysis, error) {
	ro, err := f.options()
	if err != nil {
		return nil, err
	}
	var out []*analyze.Analysis
	failed := 0
	for _, ref := range refs {
		a, err := analyzeImage(cmd, ref, ro, opt)
		if err != nil {
			fmt.Fprintf(cmd.ErrOrStderr(), "diet: %v\n", err)
			failed++
			continue
		}
		out = append(out, a)
	}
	if failed > 0 {
		return out, ExitError{Code: 1}
	}
	return out, nil
}

func analyzeImage(cmd *cobra.Command, ref string, ro image.Options, opt analyze.Options) (*analyze.Analysis, error) {
	img, err := image.Read(cmd.Context(), ref, ro)
	if err != nil {
		return nil, err
	}
	a, err := analyze.Image(cmd.Context(), ref, img, opt)
	if err != nil {
		return nil, fmt.Errorf("analysing %s: %w", ref, err)
	}
	if opt.Top > 1 && len(a.Reasons) == 0 {
		// diet build and diet slim keep the SBOM beside the image, or
		// attach it (internal/publish).
		sbom, from, err := publish.FindSBOM(cmd.Context(), ref, img, ro.Insecure)
		if err != nil {
			slog.Warn("looking for the SBOM of "+ref, "err", err)
		}
		a.AddReasons(sbom, from)
		// diet slim --seccomp publishes the profile where the SBOM goes.
		profile, from, err := publish.FindSeccomp(cmd.Context(), ref, img, ro.Insecure)
		if err == nil {
			err = a.AddSeccomp(profile, from)
		}
		if err != nil {
			slog.Warn("looking for the seccomp profile of "+ref, "err", err)
		}
	}
	return a, nil
}

func printJSON(cmd *cobra.Command, v any) error {
	enc := json.NewEncoder(cmd.OutOrStdout())
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// sizeLine is the JSON form of one line of diet size.
type sizeLine struct {
	Ref          string  `json:"ref"`
	Digest       string  `json:"digest,omitempty"`
	Uncompressed int64   `json:"uncompressed"`
	Compressed   int64   `json:"compressed"`
	Layers       int     `json:"layers"`
	Files        int     `json:"files"`
	Wasted       int64   `json:"wasted"`
	Efficiency   float64 `json:"efficiency"`
}

func newSize() *cobra.Command {
	var (
		f      imageFlags
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "size IMAGE...",
		Short: "Print the size of images: uncompressed, compressed, layers, files",
		Long: `Prints one line per image: its uncompressed size (what docker images shows
once the image is loaded), its compressed size (the sum of its layer blobs,
what a pull transfers), its layer and file counts, and its efficiency (the
share of stored bytes that no later layer overwrites or deletes).

IMAGE is any location diet reads: oci:DIR[:TAG], oci-archive:FILE,
docker-archive:FILE, docker-daemon:REF or docker://REF.`,
		Example: `  diet size oci:out/slice:latest
  diet size docker-daemon:debian:bookworm oci:out/slice --json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			as, err := analyzeImages(cmd, args, f, analyze.Options{Top: 1})
			if asJSON {
				lines := []sizeLine{}
				for _, a := range as {
					lines = append(lines, sizeLine{Ref: a.Ref, Digest: a.Digest, Uncompressed: a.Uncompressed,
						Compressed: a.Compressed, Layers: len(a.Layers), Files: a.FileCount, Wasted: a.Wasted, Efficiency: a.Efficiency})
				}
				if perr := printJSON(cmd, lines); perr != nil {
					return perr
				}
			} else if len(as) > 0 {
				if perr := report.WriteSizes(cmd.OutOrStdout(), as); perr != nil {
					return perr
				}
			}
			return err
		},
	}
	f.addFlags(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}
