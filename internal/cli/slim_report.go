package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/probe"
	"github.com/dietimg/diet/internal/publish"
	"github.com/dietimg/diet/internal/slim"
	"github.com/dietimg/diet/internal/why"
)

// printPublished says where the SBOM and the report of a slim went.
func printPublished(w io.Writer, pub publish.Published) {
	if pub.SBOMPath != "" {
		fmt.Fprintf(w, "  sbom          %s\n", pub.SBOMPath)
	}
	if pub.SBOMDigest != "" {
		fmt.Fprintf(w, "  sbom          attached as %s\n", pub.SBOMDigest)
	}
	if pub.ReportPath != "" {
		fmt.Fprintf(w, "  report        %s\n", pub.ReportPath)
	}
	if pub.SeccompPath != "" {
		fmt.Fprintf(w, "  seccomp       %s\n", pub.SeccompPath)
	}
	if pub.SeccompDigest != "" {
		fmt.Fprintf(w, "  seccomp       attached as %s\n", pub.SeccompDigest)
	}
}

func printDifferences(w io.Writer, res *slim.Result) {
	fmt.Fprintln(w, "verify: the slimmed image answers differently:")
	if sc := res.SeccompInfo; sc != nil && len(sc.Refused) > 0 {
		fmt.Fprintf(w, "  under the seccomp profile, which refused %s (no probe's traced run of the original made them; --seccomp-add NAME allows one)\n", strings.Join(sc.Refused, ", "))
	}
	for _, d := range res.Differences {
		fmt.Fprintf(w, "  %s\n", d.String())
		if len(d.Nearby) > 0 {
			fmt.Fprintf(w, "    removed near it: %s\n", strings.Join(d.Nearby, ", "))
		}
		if d.Probe.Kind == probe.KindCmd && strings.Contains(d.Slim, "not found in the image") {
			fmt.Fprintf(w, "    the probe's own program was cut from the slimmed image: --keep-probe-files keeps it\n")
		}
		if s := strings.TrimSpace(d.Stderr); s != "" {
			fmt.Fprintf(w, "    slim stderr: %s\n", strings.ReplaceAll(s, "\n", "\n                 "))
		}
	}
}

func printSlim(w io.Writer, ref, dest string, res *slim.Result, took time.Duration, list bool) {
	counts := map[why.Kind]int{}
	for _, k := range res.Files {
		counts[k.Reason.Kind]++
	}
	fmt.Fprintf(w, "%s -> %s (%s)\n", ref, dest, res.Digest)
	fmt.Fprintf(w, "  platform      %s\n", res.Platform.String())
	fmt.Fprintf(w, "  uncompressed  %s -> %s (%.1fx smaller)\n", image.HumanSize(res.Before.Uncompressed), image.HumanSize(res.Size.Uncompressed), res.Ratio())
	fmt.Fprintf(w, "  compressed    %s -> %s\n", image.HumanSize(res.Before.Compressed), image.HumanSize(res.Size.Compressed))
	reached := 0
	for _, kind := range why.ReachKinds {
		reached += counts[kind]
	}
	fmt.Fprintf(w, "  kept          %d paths (static %d, trace %d, rule %d, state %d, reach %d); removed %d\n", len(res.Files), counts[why.Static], counts[why.Trace], counts[why.Rule], counts[why.State], reached, len(res.Removed))
	for _, s := range res.Reach {
		fmt.Fprintf(w, "  reach         %s\n", s)
	}
	for _, s := range res.ByName {
		fmt.Fprintf(w, "  by name       %s\n", strings.TrimPrefix(s.String(), "by name: "))
	}
	for _, s := range res.ReachSkipped {
		fmt.Fprintf(w, "  not read      %s: %s\n", s.Path, s.Err)
	}
	if len(res.Packages) > 0 {
		fmt.Fprintf(w, "  packages      %s\n", strings.Join(res.Packages, " "))
	}
	for _, d := range res.States {
		fmt.Fprintf(w, "  kept whole    %s (%d files; %s: %s)\n", d.Dir, d.Files, d.Reason.Kind, d.Reason.Detail)
	}
	// The directories loaded on demand that a trace can never be sure of,
	// most cut first; --json has them all.
	const shown = 5
	for i, d := range res.Partial {
		if i == shown {
			fmt.Fprintf(w, "  partly kept   %d more directories (see --json: partial_dirs)\n", len(res.Partial)-shown)
			break
		}
		covered := ""
		if d.ByName != "" {
			covered = "; by name: " + d.ByName + ", no further"
		}
		fmt.Fprintf(w, "  partly kept   loaded %d of %d files from %s; cut %d (%s keeps them%s)\n", d.Loaded, d.Files, d.Dir, d.Cut, d.Keep, covered)
	}
	status := "not verified"
	if res.Verified {
		status = "same answer from the slimmed image"
	} else if len(res.Slim) > 0 {
		status = "DIFFERENT (written with --force)"
	}
	// The requests no one wrote (the crawler's, an OpenAPI document's)
	// are counted, not listed: --json has each.
	found := map[string]int{}
	var sources []string
	for _, o := range res.Original {
		if o.Probe.From == "" {
			fmt.Fprintf(w, "  probe         %s: %s; %s\n", o.Probe, describeOutcome(o), status)
			continue
		}
		src := "crawled"
		if strings.HasPrefix(o.Probe.From, "OpenAPI ") {
			src = "from " + o.Probe.From
		}
		if found[src] == 0 {
			sources = append(sources, src)
		}
		found[src]++
	}
	for _, src := range sources {
		fmt.Fprintf(w, "  probe         %d requests %s: %s\n", found[src], src, status)
	}
	for _, m := range res.Masked {
		fmt.Fprintf(w, "  masked        %s (differs between two runs of the original)\n", m)
	}
	for _, u := range res.Unstable {
		fmt.Fprintf(w, "  unstable      %s: proves nothing of the slimmed image\n", u)
	}
	for _, pw := range res.Warnings {
		fmt.Fprintf(w, "  warning       %s: its same answer from the slimmed image proves nothing\n", pw)
		if s := strings.TrimSpace(pw.Stderr); s != "" {
			fmt.Fprintf(w, "    its stderr: %s\n", strings.ReplaceAll(s, "\n", "\n                "))
		}
	}
	printSeccomp(w, res.SeccompInfo)
	fmt.Fprintf(w, "  took          %s\n", took.Round(100*time.Millisecond))
	if list {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "PATH\tTYPE\tSIZE\tREASON")
		for _, k := range res.Files {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", k.Path, k.Type, k.Size, k.Reason)
		}
		tw.Flush()
	}
}

func describeOutcome(o probe.Outcome) string {
	switch {
	case o.Error != "":
		return "error " + o.Error
	case o.Probe.Kind == probe.KindHTTP:
		return fmt.Sprintf("status %d, %d bytes", o.Status, len(o.Body))
	case o.Probe.Kind == probe.KindTCP:
		return fmt.Sprintf("connected, %d bytes of answer", len(o.Body))
	case o.Running:
		return "still running"
	}
	return fmt.Sprintf("exit %d, %d bytes of stdout", o.ExitCode, len(o.Stdout))
}
