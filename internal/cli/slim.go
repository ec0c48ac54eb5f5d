package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/spf13/cobra"

	"github.com/dietimg/diet/internal/artifact"
	"github.com/dietimg/diet/internal/engine"
	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/probe"
	"github.com/dietimg/diet/internal/progress"
	"github.com/dietimg/diet/internal/publish"
	"github.com/dietimg/diet/internal/safefile"
	"github.com/dietimg/diet/internal/slim"
)

type slimFlags struct {
	dest                     string
	execs, https, scripts    []string
	waits, tcps, cmds        []string
	send, expect, network    string
	keepProbeFiles           bool
	noTrace, noVerify, force bool
	strict                   bool
	keep, keepPkgs, exclude  []string
	keepShell                bool
	runtime, workdir, sensor string
	removed, sbomFile, tag   string
	reach                    string
	probeFiles, openapis     []string
	crawl                    bool
	crawlDepth, crawlMax     int
	crawlTime                time.Duration
	cacheDir                 string
	noCache                  bool
	timeout, defaultWait     time.Duration
	asJSON, listFiles        bool
	seccompFile              string
	seccompAdd               []string
	alongside                // --compose, --service, --with, --probe-cmd-inside (slim_services.go)
	registryOptions
}

func newSlim() *cobra.Command {
	var f slimFlags
	cmd := &cobra.Command{
		Use:   "slim [IMAGE] -o DEST",
		Short: "Cut an existing image down to the files its program uses, and prove it still answers the same",
		Long: `slim reads IMAGE from any transport, keeps the static closure of its
entrypoint, runs it in a real runtime (runc by default, no daemon) under
diet's ptrace sensor while probes drive it, keeps every path the program
touched, adds what the kept code can reach, read statically from it
(imports, requires, the commands of scripts, class paths, document roots,
the application's own directory; --reach=trace leaves that out), and
writes one reproducible layer with the original config, a
dpkg status.d entry per package that still has files, and an SBOM. It then
runs the same probes against the result: any difference in exit code,
stdout, HTTP status or body fails the command, and nothing is written
unless --force.`,
		Example: `  diet slim oci:nginx-fat:latest -o oci:out:nginx-slim --probe-http 80/
  diet slim docker-daemon:jq-fat:latest -o docker-daemon:jq-slim:latest --probe-exec '-n 1+1'
  diet slim oci:py:latest -o oci:out:py --probe-exec 'python3 /app/main.py' --keep /app
  diet slim oci:nginx-fat -o oci:out:x --probe-http 80/ --removed removed.txt --json
  diet slim --compose compose.yaml --service web -o oci:out:web --probe-http 8000/
  diet slim docker-daemon:web:1 -o oci:out:web --with cache=docker-daemon:redis:7 --probe-http 8000/
  diet slim docker-daemon:redis-fat -o oci:out:redis --probe-cmd 'redis-cli ping'`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ref, err := f.alongside.image(cmd.Context(), args)
			if err != nil {
				return err
			}
			return runSlim(cmd, ref, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.dest, "output", "o", "", "where to write the slimmed image (oci:DIR[:TAG], oci-archive:FILE, docker-archive:FILE, docker-daemon:REF, docker://REF)")
	fl.StringArrayVar(&f.execs, "probe-exec", nil, "run the image with these arguments (shell-quoted) and compare exit code and stdout (repeatable)")
	fl.StringArrayVar(&f.https, "probe-http", nil, "PORT/PATH: start the image, GET http://127.0.0.1:PORT/PATH inside its network, compare status and body (repeatable)")
	fl.StringArrayVar(&f.tcps, "probe-tcp", nil, "PORT: start the image, wait until PORT accepts inside its network, then the --probe-send/--probe-expect exchange (repeatable)")
	fl.StringVar(&f.send, "probe-send", "", "what --probe-tcp sends once connected (Go escapes: \\r\\n, \\xHH)")
	fl.StringVar(&f.expect, "probe-expect", "", "what --probe-tcp reads until; the answer up to it is compared (default: only the connection)")
	fl.StringArrayVar(&f.cmds, "probe-cmd", nil, "run this command (shell-quoted) from the original image, in a container that shares the running image's network and the directories of its unix sockets (--probe-cmd-inside: in the image's own container), and compare exit code and stdout (repeatable)")
	f.alongside.addFlags(cmd)
	fl.BoolVar(&f.keepProbeFiles, "keep-probe-files", false, "keep the programs and files that --probe-cmd commands use (not kept by default: the probe's tool is not the application)")
	fl.StringArrayVar(&f.scripts, "probe-script", nil, "run this host script once the image's command has started (after the http, tcp and cmd probes) and compare exit code and stdout; it reaches the container at $DIET_PROBE_ADDR (HOST:PORT for the first probe port or exposed port; $DIET_PROBE_ADDR_<PORT> for each), where a connection waits up to --timeout for the port to accept, so the script need not wait for the port, only for what the server does after (repeatable)")
	fl.StringVar(&f.network, "network", "none", "network of the probe runs: none (a loopback of each container's own; probes run inside it) or host (refused when a probe's port is already open)")
	fl.StringArrayVar(&f.waits, "probe-wait", nil, "let the running image work for this long (e.g. 5s)")
	fl.StringArrayVar(&f.probeFiles, "probe-file", nil, "run the probes of this YAML or JSON `FILE` in order, after those of the --probe-* flags: HTTP requests with method, headers, body, expected status and values captured for later requests; tcp, cmd, exec, script, wait and openapi entries (see README: Probe files) (repeatable)")
	fl.StringArrayVar(&f.openapis, "probe-openapi", nil, "PORT/PATH of an OpenAPI document the server serves, or PORT:FILE of one on this machine: GET each operation that needs no parameter, or has examples for its parameters (repeatable)")
	fl.BoolVar(&f.crawl, "crawl", true, "follow the same-origin links (a, link, script, img, iframe, form with GET) of the HTML answers of http probes in the traced run, and ask the same of the slimmed image")
	fl.IntVar(&f.crawlDepth, "crawl-depth", probe.DefaultCrawl.Depth, "how many links deep the crawler goes from the pages the probes ask for")
	fl.IntVar(&f.crawlMax, "crawl-max", probe.DefaultCrawl.Max, "how many requests the crawler makes at most")
	fl.DurationVar(&f.crawlTime, "crawl-time", probe.DefaultCrawl.Time, "how long the crawler may go on (it ends after the level it is in)")
	fl.BoolVar(&f.noTrace, "no-trace", false, "keep the static closure and the rules only; do not trace")
	fl.StringVar(&f.reach, "reach", slim.ReachAll, "all: also keep what the kept code can reach, read statically (imports, requires, the commands of scripts, class paths, document roots, the application's directory); trace: only what the probes' trace used")
	cmd.RegisterFlagCompletionFunc("reach", cobra.FixedCompletions([]string{slim.ReachAll, slim.ReachTrace}, cobra.ShellCompDirectiveNoFileComp))
	fl.BoolVar(&f.noVerify, "no-verify", false, "do not run the probes against the result")
	fl.BoolVar(&f.force, "force", false, "write the result even when it answers differently")
	fl.BoolVar(&f.strict, "strict", true, "refuse a probe that fails against the original (--probe-http status 5xx, --probe-cmd or --probe-script exiting non-zero; a --probe-exec exit code is an answer): the slim failing the same way would prove nothing. On by default: such a probe is almost always broken (a wrong port), and none of diet's own tests and benchmarks has one; --strict=false slims anyway with a warning per such probe")
	fl.StringArrayVar(&f.keep, "keep", nil, "keep this path or glob (a directory with everything under it)")
	fl.StringArrayVar(&f.keepPkgs, "keep-package", nil, "keep every file of this Debian package")
	fl.BoolVar(&f.keepShell, "keep-shell", false, "keep /bin/sh and what it needs")
	fl.StringArrayVar(&f.exclude, "exclude", nil, "cut this path or glob even when the program used it")
	runtimeFlag(fl, &f.runtime, "the runtime of every run")
	fl.StringVar(&f.workdir, "workdir", "", "`DIR` on this machine where slim unpacks the image and makes the probe runs' bundles, kept afterwards (default: a temporary directory, removed afterwards); not the image's working directory, which slim keeps as it is")
	fl.StringVar(&f.cacheDir, "cache-dir", defaultCacheDir(), "`DIR` of the tree cache: each image's tree is unpacked there once, so that the next slim of the image unpacks nothing and that of an image on the same base only its own layers ($DIET_CACHE_DIR; remove the directory to free the space)")
	fl.BoolVar(&f.noCache, "no-cache", false, "unpack the image into the work directory, and remove it afterwards, instead of using the tree cache")
	fl.StringVar(&f.sensor, "sensor", "", "static diet binary to run as the sensor inside the container (default: this one)")
	fl.StringVar(&f.removed, "removed", "", "write the list of every removed path to this file")
	fl.StringVar(&f.sbomFile, "sbom", "", "also write the slimmed image's SPDX JSON SBOM to `FILE` (it goes beside an oci:, oci-archive: or docker-archive: output and is attached on a docker:// push with or without this flag)")
	fl.StringVar(&f.seccompFile, "seccomp", "", "also make a seccomp profile of the system calls the probes' traced runs made, with what the runtime needs to start the program, run the verify under it, and write it to `FILE` (it goes beside an oci:, oci-archive: or docker-archive: output and is attached on a docker:// push); calls no probe made are refused")
	fl.StringArrayVar(&f.seccompAdd, "seccomp-add", nil, "with --seccomp, also allow this system call (`NAME`, repeatable): one the program makes only on a path no probe takes")
	fl.StringVarP(&f.tag, "tag", "t", "", "name for transports that need one (docker-archive, docker-daemon)")
	fl.DurationVar(&f.timeout, "timeout", 60*time.Second, "bound on each probe")
	fl.DurationVar(&f.defaultWait, "default-wait", 15*time.Second, "with no probe, how long the default command may run (a program still running then is a server)")
	f.registryOptions.addFlags(cmd)
	fl.BoolVar(&f.asJSON, "json", false, "print the report as JSON")
	fl.BoolVar(&f.listFiles, "list", false, "list every kept path with its reason")
	cmd.MarkFlagRequired("output")
	return cmd
}

func slimProbes(f slimFlags) ([]probe.Probe, error) {
	var ps []probe.Probe
	add := func(vals []string, parse func(string) (probe.Probe, error)) error {
		for _, v := range vals {
			p, err := parse(v)
			if err != nil {
				return err
			}
			ps = append(ps, p)
		}
		return nil
	}
	for _, step := range []struct {
		vals  []string
		parse func(string) (probe.Probe, error)
	}{{f.execs, probe.ParseExec}, {f.https, probe.ParseHTTP}, {f.tcps, parseTCP(f)}, {f.cmds, probe.ParseCmd},
		{f.scripts, probe.ParseScript}, {f.waits, probe.ParseWait}} {
		if err := add(step.vals, step.parse); err != nil {
			return nil, err
		}
	}
	if len(f.tcps) == 0 && (f.send != "" || f.expect != "") {
		return nil, errors.New("--probe-send and --probe-expect need a --probe-tcp PORT")
	}
	if len(f.tcps) > 1 && (f.send != "" || f.expect != "") {
		return nil, errors.New("--probe-send and --probe-expect go with one --probe-tcp; give one per slim run")
	}
	for _, v := range f.openapis {
		more, err := probe.ParseOpenAPI(v)
		if err != nil {
			return nil, err
		}
		ps = append(ps, more...)
	}
	for _, name := range f.probeFiles {
		more, err := probe.ParseFile(name)
		if err != nil {
			return nil, err
		}
		ps = append(ps, more...)
	}
	return ps, nil
}

func parseTCP(f slimFlags) func(string) (probe.Probe, error) {
	return func(port string) (probe.Probe, error) { return probe.ParseTCP(port, f.send, f.expect) }
}

// options checks the flags and turns them into slim's options (the
// runtime is engine.New's to check, before minutes of unpacking).
func (f slimFlags) options(cmd *cobra.Command, ref string) (slim.Options, error) {
	probes, err := slimProbes(f)
	if err != nil {
		return slim.Options{}, err
	}
	if f.reach != slim.ReachAll && f.reach != slim.ReachTrace {
		return slim.Options{}, fmt.Errorf("--reach %q: want %s or %s", f.reach, slim.ReachAll, slim.ReachTrace)
	}
	if f.network != "none" && f.network != "host" {
		return slim.Options{}, fmt.Errorf("--network %q: want none or host", f.network)
	}
	if _, err := image.Parse(f.dest); err != nil {
		return slim.Options{}, fmt.Errorf("-o %s: %w", f.dest, err)
	}
	if len(f.seccompAdd) > 0 && f.seccompFile == "" {
		return slim.Options{}, errors.New("--seccomp-add widens the profile of --seccomp FILE: give --seccomp too")
	}
	epoch, err := parseEpoch()
	if err != nil {
		return slim.Options{}, err
	}
	var crawl probe.Crawl
	if f.crawl {
		if f.crawlDepth < 1 || f.crawlMax < 1 || f.crawlTime <= 0 {
			return slim.Options{}, fmt.Errorf("--crawl-depth %d, --crawl-max %d, --crawl-time %s: want each above 0 (or --crawl=false)", f.crawlDepth, f.crawlMax, f.crawlTime)
		}
		crawl = probe.Crawl{Depth: f.crawlDepth, Max: f.crawlMax, Time: f.crawlTime}
	}
	opts := slim.Options{
		Probes: probes, NoTrace: f.noTrace, NoVerify: f.noVerify,
		Keep: f.keep, KeepPackages: f.keepPkgs, KeepShell: f.keepShell, Exclude: f.exclude,
		WorkDir: f.workdir, Sensor: f.sensor, Epoch: epoch,
		Timeout: f.timeout, DefaultWait: f.defaultWait, Name: ref, Log: progress.To(cmd.ErrOrStderr()), Strict: f.strict,
		Network: f.network, KeepProbeFiles: f.keepProbeFiles, Reach: f.reach, Crawl: crawl, Cache: f.cache(cmd),
		Seccomp: f.seccompFile != "", SeccompAdd: f.seccompAdd,
	}
	return opts, f.alongside.options(cmd.Context(), &opts, f.insecure)
}

func runSlim(cmd *cobra.Command, ref string, f slimFlags) error {
	ctx := cmd.Context()
	opts, err := f.options(cmd, ref)
	if err != nil {
		return err
	}
	// The one engine of every run; a runtime that cannot run here is said
	// before minutes of unpacking.
	eng, err := engine.New(ctx, f.runtime)
	if err != nil {
		return err
	}
	start := time.Now()
	if idx, err := image.ReadIndex(ctx, ref, image.Options{Insecure: f.insecure}); err == nil {
		return runSlimIndex(cmd, eng, ref, idx, opts, f, start)
	}
	img, err := image.Read(ctx, ref, image.Options{Insecure: f.insecure})
	if err != nil {
		return fmt.Errorf("reading %s: %w", ref, err)
	}
	res, err := slim.Slim(ctx, eng, img, opts)
	different := errors.Is(err, slim.ErrDifferent)
	if err != nil && !different {
		return err
	}
	if f.removed != "" {
		if err := safefile.WriteBytes(f.removed, []byte(strings.Join(res.Removed, "\n")+"\n")); err != nil {
			return fmt.Errorf("writing --removed: %w", err)
		}
	}
	out := cmd.OutOrStdout()
	if different {
		printDifferences(cmd.ErrOrStderr(), res)
		if !f.force {
			if f.asJSON {
				printJSON(cmd, res)
			}
			return ExitError{Code: 1, Err: fmt.Errorf("the slimmed image of %s answers differently from the original (%d difference(s)); nothing written to %s (use --force to write it anyway)", ref, len(res.Differences), f.dest)}
		}
	}
	// The image, then its SBOM and report beside it (or the SBOM attached
	// on a push), as diet build writes them.
	rep := &slimReport{Result: res}
	if err := publishSlim(ctx, f, res.Artifact, &rep.Published, rep, f.tag, opts.Log); err != nil {
		return err
	}
	if f.asJSON {
		return printJSON(cmd, rep)
	}
	printSlim(out, ref, f.dest, res, time.Since(start), f.listFiles)
	printPublished(out, rep.Published)
	return nil
}

// slimReport is what diet slim reports (--json, and the report file
// beside the image): the slim's result and where it went.
type slimReport struct {
	*slim.Result
	publish.Published
}

// slimIndexReport is slimReport for an image index.
type slimIndexReport struct {
	*slim.IndexResult
	publish.Published
}

// publishSlim writes a slim's artifact and report to f.dest (tagged tag,
// when the transport takes one), its SBOM to --sbom and its seccomp
// profile to --seccomp.
func publishSlim(ctx context.Context, f slimFlags, art artifact.Artifact, pub *publish.Published, report any, tag string, log *progress.Log) error {
	if err := publishArtifact(ctx, f.dest, art, pub, report, publish.Options{Image: image.Options{Tag: tag, Insecure: f.insecure}, Log: log}); err != nil {
		return err
	}
	if f.sbomFile != "" {
		if err := safefile.WriteBytes(f.sbomFile, art.SBOM); err != nil {
			return fmt.Errorf("writing --sbom: %w", err)
		}
	}
	if f.seccompFile != "" && art.Seccomp != nil {
		if err := safefile.WriteBytes(f.seccompFile, art.Seccomp); err != nil {
			return fmt.Errorf("writing --seccomp: %w", err)
		}
	}
	return nil
}

// runSlimIndex slims every platform of an image index into an index of
// slims, written only when each one answers as its original.
func runSlimIndex(cmd *cobra.Command, eng engine.Engine, ref string, idx v1.ImageIndex, opts slim.Options, f slimFlags, start time.Time) error {
	if f.removed != "" {
		return fmt.Errorf("%s is an image index: --removed takes a single image (pick one with its digest)", ref)
	}
	res, err := slim.SlimIndex(cmd.Context(), eng, idx, opts)
	different := errors.Is(err, slim.ErrDifferent)
	if err != nil && !different {
		return err
	}
	if different {
		for _, r := range res.Images {
			if len(r.Differences) > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "%s:\n", r.Platform.String())
				printDifferences(cmd.ErrOrStderr(), r)
			}
		}
		if !f.force {
			if f.asJSON {
				printJSON(cmd, res)
			}
			return ExitError{Code: 1, Err: fmt.Errorf("a slimmed image of %s answers differently from the original; nothing written to %s (use --force to write it anyway)", ref, f.dest)}
		}
	}
	// The index's SBOM covers every platform, as diet build's does.
	rep := &slimIndexReport{IndexResult: res}
	if err := publishSlim(cmd.Context(), f, res.Artifact, &rep.Published, rep, "", opts.Log); err != nil {
		return err
	}
	if f.asJSON {
		return printJSON(cmd, rep)
	}
	for _, r := range res.Images {
		printSlim(cmd.OutOrStdout(), ref, f.dest, r, time.Since(start), f.listFiles)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "index %s: %d images\n", res.Digest, len(res.Images))
	printPublished(cmd.OutOrStdout(), rep.Published)
	return nil
}

// defaultCacheDir is where the tree cache is: $DIET_CACHE_DIR, else diet/trees
// in the user's cache directory ($XDG_CACHE_HOME, ~/.cache); "" (no cache)
// when there is none.
func defaultCacheDir() string {
	if d := os.Getenv("DIET_CACHE_DIR"); d != "" {
		return d
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "diet", "trees")
}

// cache is the tree cache's directory, "" for none: also when the
// default one cannot be made (a read-only home), which is said, not
// fatal; a --cache-dir given that cannot be made fails the slim later.
func (f slimFlags) cache(cmd *cobra.Command) string {
	if f.noCache || f.cacheDir == "" {
		return ""
	}
	if err := os.MkdirAll(f.cacheDir, 0o755); err != nil && !cmd.Flags().Changed("cache-dir") {
		fmt.Fprintf(cmd.ErrOrStderr(), "slim: no tree cache (%v): unpacking into the work directory\n", err)
		return ""
	}
	return f.cacheDir
}
