package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/dietimg/diet/internal/artifact"
	"github.com/dietimg/diet/internal/build"
	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/report"
)

// printBuildReport prints every file with its size and reason, then the
// sizes. More than buildGroupMin files with the same reason (time zone
// data) are printed as one line.
func printBuildReport(w io.Writer, res *buildReport) {
	fmt.Fprintf(w, "%s  %s (%s)\n", res.Digest, res.Output, res.Kind)
	for _, pi := range res.Images {
		if len(res.Images) > 1 {
			fmt.Fprintf(w, "\n%s  %s\n", pi.Digest, pi.Platform.String())
		}
		printBuildFiles(w, pi.Files)
		n, unit := countRegular(pi.Files), "files"
		if n == 1 {
			unit = "file"
		}
		fmt.Fprintf(w, "  %s in %d %s", image.HumanSize(pi.Size.Files), n, unit)
		if len(res.Images) > 1 {
			fmt.Fprintf(w, "; layers %s compressed, %s uncompressed", image.HumanSize(pi.Size.Compressed), image.HumanSize(pi.Size.Uncompressed))
		}
		fmt.Fprintln(w)
		for _, s := range pi.Smoke {
			fmt.Fprintf(w, "  smoke: %s: exit %d (%s, %.2fs)\n", strings.Join(s.Args, " "), s.ExitCode, s.Runtime, s.Seconds)
		}
	}
	fmt.Fprintf(w, "image: %s compressed, %s uncompressed\n", image.HumanSize(res.Size.Compressed), image.HumanSize(res.Size.Uncompressed))
	if res.SBOMPath != "" {
		fmt.Fprintf(w, "sbom: %s\nreport: %s\n", res.SBOMPath, res.ReportPath)
	}
	if res.SBOMDigest != "" {
		fmt.Fprintf(w, "sbom: attached as %s\n", res.SBOMDigest)
	}
}

// buildGroupMin is the number of files with one reason above which the
// text report prints them as one line (time zone data, a big --add).
const buildGroupMin = 40

func printBuildFiles(w io.Writer, files []artifact.File) {
	byReason := map[string][]artifact.File{}
	for _, f := range files {
		r := f.Why()
		byReason[r] = append(byReason[r], f)
	}
	type line struct{ path, size, why string }
	var lines []line
	done := map[string]bool{}
	for _, f := range files {
		reason := f.Why()
		group := byReason[reason]
		if len(group) > buildGroupMin {
			if done[reason] {
				continue
			}
			done[reason] = true
			var size int64
			for _, g := range group {
				size += g.Size
			}
			lines = append(lines, line{report.CommonDir(filePaths(group)) + fmt.Sprintf("/... (%d files)", len(group)), image.HumanSize(size), reason})
			continue
		}
		p, size := f.Path, image.HumanSize(f.Size)
		switch f.Type {
		case "symlink":
			p, size = p+" -> "+f.Link, "-"
		case "dir":
			p, size = p+"/", "-"
		}
		why := reason
		if f.Package != "" {
			why += " [" + f.Package + "]"
		}
		lines = append(lines, line{p, size, why})
	}
	width := 0
	for _, l := range lines {
		width = max(width, len(l.path))
	}
	width = min(width, 60)
	for _, l := range lines {
		fmt.Fprintf(w, "  %9s  %-*s  %s\n", l.size, width, l.path, l.why)
	}
}

func countRegular(files []artifact.File) int {
	n := 0
	for _, f := range files {
		if f.Type == "file" {
			n++
		}
	}
	return n
}

func printSmokeRuns(w io.Writer, res *build.Result) {
	for _, pi := range res.Images {
		for _, s := range pi.Smoke {
			fmt.Fprintf(w, "smoke %q: exit %d (%s)\n", strings.Join(s.Args, " "), s.ExitCode, s.Runtime)
			if s.Stdout != "" {
				fmt.Fprintf(w, "stdout:\n%s", s.Stdout)
				if !strings.HasSuffix(s.Stdout, "\n") {
					fmt.Fprintln(w)
				}
			}
		}
	}
}

func filePaths(files []artifact.File) []string {
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f.Path
	}
	return out
}
