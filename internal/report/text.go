package report

import (
	"fmt"
	"io"
	"path"
	"strings"
	"text/tabwriter"

	"github.com/dietimg/diet/internal/analyze"
	"github.com/dietimg/diet/internal/artifact"
	"github.com/dietimg/diet/internal/image"
)

// Percent writes a fraction as a percentage with one decimal.
func Percent(f float64) string { return fmt.Sprintf("%.1f%%", 100*f) }

func table(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0) }

// WriteSizes writes one line per image: its sizes, layers and files.
func WriteSizes(w io.Writer, as []*analyze.Analysis) error {
	tw := table(w)
	fmt.Fprintln(tw, "IMAGE\tUNCOMPRESSED\tCOMPRESSED\tLAYERS\tFILES\tEFFICIENCY")
	for _, a := range as {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\n", a.Ref, image.HumanSize(a.Uncompressed), image.HumanSize(a.Compressed),
			len(a.Layers), a.FileCount, Percent(a.Efficiency))
	}
	return tw.Flush()
}

// WriteAnalysis writes the whole analysis of one image for people.
func WriteAnalysis(w io.Writer, a *analyze.Analysis) error {
	tw := table(w)
	fmt.Fprintf(tw, "image\t%s\n", a.Ref)
	if a.Digest != "" {
		fmt.Fprintf(tw, "digest\t%s\n", a.Digest)
	}
	if a.Platform != "" {
		fmt.Fprintf(tw, "platform\t%s\n", a.Platform)
	}
	fmt.Fprintf(tw, "size\t%s uncompressed (as docker images shows), %s compressed (layer blobs, as a pull transfers)\n",
		image.HumanSize(a.Uncompressed), image.HumanSize(a.Compressed))
	fmt.Fprintf(tw, "contents\t%s, %s, %s in regular files\n", plural(len(a.Layers), "layer"), plural(a.FileCount, "file"), image.HumanSize(a.FileBytes))
	fmt.Fprintf(tw, "wasted\t%s of %s stored are overwritten or deleted by later layers; efficiency %s\n",
		image.HumanSize(a.Wasted), image.HumanSize(a.TotalBytes), Percent(a.Efficiency))
	if a.Seccomp != nil {
		fmt.Fprintf(tw, "seccomp\t%s\n", a.Seccomp)
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintln(w, "\nLayers")
	tw = table(w)
	fmt.Fprintln(tw, "  #\tCOMPRESSED\tUNCOMPRESSED\tFILES\tWASTED\tCREATED BY")
	for _, l := range a.Layers {
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%d\t%s\t%s\n", l.Index, image.HumanSize(l.Compressed), image.HumanSize(l.Uncompressed),
			l.Files, image.HumanSize(l.Wasted), shorten(l.Command, 60))
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	if len(a.Largest) > 0 {
		fmt.Fprintln(w, "\nLargest files")
		tw = table(w)
		for _, f := range a.Largest {
			fmt.Fprintf(tw, "  %s\t%s\t(layer %d)\n", image.HumanSize(f.Size), f.Path, f.Layer)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}

	if len(a.WastedPaths) > 0 {
		fmt.Fprintln(w, "\nWasted: hidden versions of files, largest first")
		tw = table(w)
		for _, p := range a.WastedPaths {
			fmt.Fprintf(tw, "  %s\t%d×\t%s\t%s\n", image.HumanSize(p.Bytes), p.Versions, p.Cause, p.Path)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}

	if p := a.Packages; p != nil {
		fmt.Fprintf(w, "\nDebian packages: %d installed", len(p.List))
		if p.FileLists {
			fmt.Fprintf(w, "; %d files (%s) belong to none", p.UnownedFiles, image.HumanSize(p.UnownedBytes))
		} else {
			fmt.Fprint(w, "; no file lists, sizes are the declared Installed-Size")
		}
		fmt.Fprintln(w)
		tw = table(w)
		fmt.Fprintln(tw, "  PACKAGE\tVERSION\tFILES\tIN IMAGE\tINSTALLED-SIZE")
		for i, pk := range p.List {
			if i == 15 {
				fmt.Fprintf(tw, "  (%d more)\n", len(p.List)-i)
				break
			}
			fmt.Fprintf(tw, "  %s\t%s\t%d\t%s\t%s\n", pk.Name, pk.Version, pk.Files, image.HumanSize(pk.Bytes), image.HumanSize(pk.InstalledSize))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}

	if len(a.Reasons) > 0 {
		fmt.Fprintf(w, "\nWhy each file is there (from %s)\n", a.ReasonsFrom)
		tw = table(w)
		for _, g := range groupReasons(a.Reasons) {
			if len(g.paths) <= 4 {
				for _, p := range g.paths {
					fmt.Fprintf(tw, "  %s\t%s\n", p, g.why)
				}
				continue
			}
			fmt.Fprintf(tw, "  %d files under %s\t%s\n", len(g.paths), CommonDir(g.paths), g.why)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

type reasonGroup struct {
	why   string // the reason in words, with its platform
	paths []string
}

// groupReasons gathers the files that share a reason (the hundreds of
// time zone files kept for one piece of evidence), in path order.
func groupReasons(fs []artifact.File) []*reasonGroup {
	var out []*reasonGroup
	by := map[string]*reasonGroup{}
	for _, f := range fs {
		w := f.Why()
		g := by[w]
		if g == nil {
			g = &reasonGroup{why: w}
			by[w] = g
			out = append(out, g)
		}
		g.paths = append(g.paths, f.Path)
	}
	return out
}

// CommonDir is the deepest directory holding every path of paths (at
// least one, absolute).
func CommonDir(paths []string) string {
	d := path.Dir(paths[0])
	for _, p := range paths[1:] {
		for d != "/" && !strings.HasPrefix(p, d+"/") {
			d = path.Dir(d)
		}
	}
	return d
}

func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
