package cli

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dietimg/diet/internal/compare"
	"github.com/dietimg/diet/internal/engine"
	"github.com/dietimg/diet/internal/progress"
	"github.com/dietimg/diet/internal/report"
	"github.com/dietimg/diet/internal/safefile"
)

type compareFlags struct {
	bases           []string
	cgo, bin        string
	asJSON          bool
	svg, html, keep string
	smokeFlags
	platformOptions
	registryOptions
}

func (f *compareFlags) addFlags(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringArrayVar(&f.bases, "base", nil, "a base image to copy the program onto, as `NAME=IMAGE` (repeatable; any transport diet reads)")
	f.platformOptions.addFlags(cmd, "os/arch to build for (default: the program's machine, or this one's for a Go package)")
	fl.StringVar(&f.cgo, "cgo", "", `cgo for the static builds and diet's: "" (CGO_ENABLED=0) or "musl"`)
	fl.StringVar(&f.bin, "bin", "", "the binary of a Rust crate with several (cargo build --bin `NAME`)")
	fl.BoolVar(&f.asJSON, "json", false, "print the comparison as JSON")
	f.registryOptions.addFlags(cmd)
	fl.StringVar(&f.svg, "svg", "", "write a bar chart of the sizes to `FILE`")
	fl.StringVar(&f.keep, "keep", "", "write each variant to `DIR` as NAME.tar (docker-archive, tagged diet-compare/NAME:latest) for docker load")
	fl.StringVar(&f.html, "html", "", "write a self-contained page with the table, the chart and each variant's files to `FILE`")
	f.smokeFlags.addFlags(cmd, "run every variant with these arguments; it runs when it exits as expected (repeatable)")
}

func (f *compareFlags) options(source string) (compare.Options, error) {
	o := compare.Options{Source: source, Bin: f.bin, Cgo: f.cgo,
		SmokeTimeout: f.timeout, Listings: f.html != "", Insecure: f.insecure, Keep: f.keep}
	p, err := f.single()
	if err != nil {
		return o, err
	}
	if p != nil {
		o.Platform = p.String()
	}
	for _, b := range f.bases {
		name, ref, ok := strings.Cut(b, "=")
		if !ok || name == "" || ref == "" {
			return o, fmt.Errorf("--base %q: want NAME=IMAGE", b)
		}
		o.Bases = append(o.Bases, compare.Base{Name: name, Ref: ref})
	}
	if o.Smoke, err = f.smokes(); err != nil {
		return o, err
	}
	return o, nil
}

func newCompare() *cobra.Command {
	var f compareFlags
	cmd := &cobra.Command{
		Use:   "compare SOURCE [--base NAME=IMAGE]...",
		Short: "Package a program the usual ways and diet's, and compare the image sizes",
		Long: `compare packages SOURCE (a Go package, a Rust crate, C sources or an ELF
executable) in each strategy and measures every result:

  dynamic on NAME   the program as a glibc dynamic binary, copied onto the
                    base as a Dockerfile's COPY would (its libraries must come
                    from the base)
  static on NAME    a static build (pure Go, or cgo against musl with
                    --cgo musl; a Rust crate or C program against musl, else
                    glibc, as diet build makes it) copied onto the base
  static on empty   the static build alone
  diet              what diet build makes by default

For each it reports the uncompressed size (what docker images shows), the
compressed size (the sum of the layer blobs, what a pull transfers), layers,
files, the share of bytes that are the program itself, and, with --smoke,
whether it runs. A variant that cannot be made (an unreadable base, a base of
another architecture, a program that cannot be built statically) is reported
as failed with the reason; the rest of the table still comes out.

The exit status is 0 when every variant that applies was made and every
variant expected to run did run, 1 otherwise; the table is printed in both
cases. A dynamic binary on a base without glibc's loader is not expected to
run; a prebuilt static binary has no dynamic variants (n/a), and a prebuilt
dynamic one no static variants.`,
		Example: `  diet compare ./cmd/slice --base debian=oci:bases/debian --base busybox=oci:bases/busybox \
      --smoke '--help' --svg chart.svg --html compare.html
  diet compare /usr/local/bin/tool --base distroless=docker://gcr.io/distroless/static --json
  diet compare ./hello-rs --base debian=oci:bases/debian --smoke '' --svg rust.svg`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := f.options(args[0])
			if err != nil {
				return err
			}
			opts.Log = progress.To(cmd.ErrOrStderr())
			// A runtime named is one the smoke tests must have; with
			// auto, none here only skips them (the rows say why).
			if len(opts.Smoke) > 0 {
				if opts.Engine, err = engine.New(cmd.Context(), f.runtime); err != nil && f.runtime != engine.Auto {
					return fmt.Errorf("--runtime %s: %w", f.runtime, err)
				}
			}
			res, err := compare.Compare(cmd.Context(), opts)
			if err != nil {
				return err
			}
			if f.svg != "" {
				if err := safefile.Write(f.svg, func(w *os.File) error { return report.SVG(w, res.Comparison) }); err != nil {
					return fmt.Errorf("writing --svg %s: %w", f.svg, err)
				}
			}
			if f.html != "" {
				if err := safefile.Write(f.html, func(w *os.File) error { return report.HTML(w, res.Comparison) }); err != nil {
					return fmt.Errorf("writing --html %s: %w", f.html, err)
				}
			}
			if f.asJSON {
				c := *res.Comparison
				c.Variants = append([]report.Variant(nil), c.Variants...)
				for i := range c.Variants {
					c.Variants[i].Listing = nil
				}
				if err := printJSON(cmd, c); err != nil {
					return err
				}
			} else if err := report.WriteComparison(cmd.OutOrStdout(), res.Comparison); err != nil {
				return err
			}
			if bad := res.Failed(); len(bad) > 0 {
				return ExitError{Code: 1, Err: fmt.Errorf("variants failed: %s", strings.Join(bad, ", "))}
			}
			return nil
		},
	}
	f.addFlags(cmd)
	return cmd
}
