// Package slim cuts an existing image down to the files its program uses,
// and proves the result still works.
//
// It reads the image's file tree without trusting it, keeps the static
// closure of the entrypoint (interpreters, loader, libraries, dlopen
// notes, system files on evidence), runs the image under diet's ptrace
// sensor in a real runtime while probes drive it and keeps every path the
// program touched, applies the keep and exclude rules, adds what the kept
// code can reach (package reach: for the requests and commands the probes
// never made), and writes one reproducible layer with the original
// configuration, a dpkg status.d entry per package that still has files,
// and an SBOM. Then it runs the
// same probes against the result and compares the answers byte for byte.
package slim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dietimg/diet/internal/dpkg"
	"github.com/dietimg/diet/internal/engine"
	"github.com/dietimg/diet/internal/inspect"
	"github.com/dietimg/diet/internal/probe"
	"github.com/dietimg/diet/internal/reach"
	"github.com/dietimg/diet/internal/report"
	"github.com/dietimg/diet/internal/rootfs"
	"github.com/dietimg/diet/internal/sbom"
	"github.com/dietimg/diet/internal/trace"
	"github.com/dietimg/diet/internal/why"
)

// Options says how to slim.
type Options struct {
	// Probes drive the program while it is traced and when the result is
	// verified. None runs the default command for DefaultWait.
	Probes []probe.Probe
	// Crawl bounds the crawler of the traced run, which follows the
	// same-origin links of the HTML answers of http probes (zero: none).
	Crawl probe.Crawl
	// NoTrace keeps the static closure and the rules only.
	NoTrace bool
	// Reach is ReachAll (or ""): what the kept code can reach is kept
	// too; or ReachTrace: only what the trace saw.
	Reach string
	// Keep, KeepPackages and KeepShell add paths (or globs), every file of
	// Debian packages, and /bin/sh with its closure.
	Keep         []string
	KeepPackages []string
	KeepShell    bool
	// Exclude cuts paths (or globs), even when the program used them.
	Exclude []string
	// Runtime is "runc" (the default) or "docker".
	Runtime string
	// WorkDir is where the image is unpacked (without a Cache) and
	// bundles are made; "" means a temporary directory, removed
	// afterwards.
	WorkDir string
	// Cache is the directory of the tree cache (rootfs.UnpackCached):
	// the image's tree is unpacked there once, and only the layers not
	// unpacked before are; "" unpacks into WorkDir every time.
	Cache string
	// Sensor is a static diet binary to run inside the container; ""
	// means this program (os.Executable).
	Sensor string
	// Epoch is the time stamped on every file and in the config
	// (SOURCE_DATE_EPOCH).
	Epoch time.Time
	// Timeout bounds each probe; DefaultWait is how long the default
	// command runs when no probe is given.
	Timeout, DefaultWait time.Duration
	// NoVerify skips running the probes against the result.
	NoVerify bool
	// Strict refuses a probe that failed against the original (see
	// probe.Outcome.Failure): its same answer from the result would prove
	// nothing. Otherwise such a probe is a Warning of the Result. A probe
	// that got no answer at all is refused either way.
	Strict bool
	// Network is "none" (or ""): each run has a network namespace of its
	// own and the probes run inside it; or "host".
	Network string
	// KeepProbeFiles keeps what cmd probes use (their programs, with
	// closures, and the files they touched); otherwise the probe's tools
	// are not part of the application, and not traced.
	KeepProbeFiles bool
	// ProbeCmdInside runs cmd probes inside the image's own container
	// (a probe that reads the container's files); otherwise from the
	// original image in a container beside it (services.go).
	ProbeCmdInside bool
	// Services start before every run of the image, which joins their
	// network (services.go); Names resolve to the loopback there too,
	// and Env is added to the image's environment in every run (a
	// compose service's own).
	Services []Service
	Names    []string
	Env      []string
	// Seccomp makes a seccomp profile of the system calls the traced
	// runs made (Result.Seccomp), and runs the verify under it;
	// SeccompAdd allows more calls, by name.
	Seccomp    bool
	SeccompAdd []string
	// seccompProbes, when not nil, are the indexes of the probes whose
	// traced runs make the profile (tests: a profile narrower than the
	// probes the verify runs).
	seccompProbes []int
	// Name names the image in the SBOM.
	Name string
	// Progress receives one line per step; nil for none.
	Progress io.Writer
}

// Kept is one path of the result with the reason it is there.
type Kept struct {
	Path   string     `json:"path"`
	Type   string     `json:"type"` // file, dir, symlink
	Size   int64      `json:"size"`
	Reason why.Reason `json:"reason"`
	// HardLink names the kept path this file is a hard link to (one copy).
	HardLink string `json:"hard_link,omitempty"`
	// Xattrs names the extended attributes kept (security.capability...).
	Xattrs []string `json:"xattrs,omitempty"`
}

// Difference is a probe whose answer changed, with the removed files
// nearest to what the probe touched in the original.
type Difference struct {
	probe.Difference
	Nearby []string `json:"nearby_removed,omitempty"`
}

// Result is a slimmed image and everything known about how it was made.
type Result struct {
	Image  v1.Image `json:"-"`
	Digest string   `json:"digest"`
	// Platform is the original's, which the result keeps.
	Platform v1.Platform `json:"platform"`
	Before   report.Size `json:"before"`
	After    report.Size `json:"after"`
	// Kept lists every path of the result with its reason; Removed every
	// path of the original that is not in the result.
	Kept    []Kept   `json:"kept"`
	Removed []string `json:"-"`
	// RemovedCount is len(Removed), for JSON readers.
	RemovedCount int `json:"removed"`
	// States are the directories kept whole as the program's state;
	// Partial the directories the program loaded some files of while
	// others were cut, which a trace can never be sure of (modules and
	// data loaded on demand).
	States  []StateDir   `json:"state_dirs,omitempty"`
	Partial []PartialDir `json:"partial_dirs,omitempty"`
	// Packages are the Debian packages that still have files, each with a
	// status.d entry.
	Packages []string `json:"packages,omitempty"`
	// Reach is what each kind of the reach stage added (files the trace
	// or the closure kept are theirs); ReachSkipped the files it could
	// not read (a script that does not parse).
	Reach        []ReachStat     `json:"reach,omitempty"`
	ByName       []ReachStat     `json:"by_name,omitempty"` // the entries of the table of what programs load by name
	ReachSkipped []reach.Skipped `json:"reach_skipped,omitempty"`
	// Traced is the number of distinct path events the sensor recorded.
	Traced int `json:"traced_events"`
	// Original and Slim are the probes' answers; Differences how they
	// differ. The result is good when Differences is empty.
	Original    []probe.Outcome `json:"original"`
	Slim        []probe.Outcome `json:"slim,omitempty"`
	Differences []Difference    `json:"differences,omitempty"`
	Verified    bool            `json:"verified"`
	// Masked is what the verify left out of its comparison, per probe:
	// what differed between two runs of the original (a time, an id).
	// Unstable are the probes whose two runs differed beyond that.
	Masked   []probe.Masked   `json:"masked,omitempty"`
	Unstable []probe.Unstable `json:"unstable,omitempty"`
	// Warnings are the probes that failed against the original (not
	// Strict): Verified says nothing of them.
	Warnings []probe.Warning `json:"probe_warnings,omitempty"`
	// Seccomp is the result's seccomp profile (Options.Seccomp).
	Seccomp *Seccomp `json:"seccomp,omitempty"`
	// SBOM is the SPDX JSON of the result.
	SBOM    []byte        `json:"-"`
	sbomDoc sbom.Document // what SBOM was made from, for an index's SBOM
}

// Ratio is the uncompressed size before over after.
func (r *Result) Ratio() float64 {
	if r.After.Uncompressed == 0 {
		return 0
	}
	return float64(r.Before.Uncompressed) / float64(r.After.Uncompressed)
}

// ErrDifferent is returned, with the Result, when the slimmed image
// answers a probe differently from the original; ErrUnstable (Strict)
// when the original's own two runs differ beyond what can be masked.
var (
	ErrDifferent = errors.New("slim: the slimmed image answers differently from the original")
	ErrUnstable  = errors.New("slim: the original answers differently from run to run")
)

func (o Options) logf(format string, args ...any) {
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, "slim: "+format+"\n", args...)
	}
}

// Slim makes the slimmed copy of img. It returns ErrDifferent (with the
// Result, whose Differences say what) when verification fails; other
// errors mean it could not do its work.
func Slim(ctx context.Context, img v1.Image, opts Options) (*Result, error) {
	if opts.Runtime == "" {
		opts.Runtime = "runc"
	}
	if opts.Epoch.IsZero() {
		opts.Epoch = time.Unix(0, 0).UTC()
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("reading image config: %w", err)
	}
	work := opts.WorkDir
	if work == "" {
		if work, err = os.MkdirTemp("", "diet-slim-"); err != nil {
			return nil, err
		}
		defer os.RemoveAll(work)
	} else if err := os.MkdirAll(work, 0o755); err != nil {
		return nil, err
	}
	r := &run{ctx: ctx, opts: opts, img: img, cfg: cfg, work: work}
	defer func() { // the Services' images and the probes' tool
		if r.tgt != nil {
			r.tgt.side.close()
		}
	}()
	for _, stage := range []func() error{
		r.prepare,       // the sensor and the result
		r.unpack,        // 1. the file tree, unpacked without trusting it
		r.static,        // 2. static closure of what the image runs
		r.probeOriginal, // 3. the probes, traced, against the original
		r.trace,         // 4. what the traced runs used
		r.rules,         // 5. rules, volumes, users, the working directory
		r.reach,         // 6. what the kept code can reach, read statically
		r.close,         // 7. the closure of every ELF file kept
		r.assemble,      // 8. one reproducible layer with the original config
		r.makeSeccomp,   // 8b. the seccomp profile of the traced calls (--seccomp)
	} {
		if err := stage(); err != nil {
			return nil, err
		}
	}
	if opts.NoVerify {
		return r.res, nil
	}
	return r.res, r.checkSeccomp(r.verify()) // 9. the probes against the result
}

// run is one Slim: its inputs, and what each stage leaves for the next.
type run struct {
	ctx  context.Context
	opts Options
	img  v1.Image
	cfg  *v1.ConfigFile
	work string // the working directory: rootfs, record, bundles

	notef   func(format string, args ...any) // notes said once per run
	tgt     *target                          // the original, as the probes run it
	rootDir string                           // the unpacked original
	fsys    rootfs.FS
	db      *dpkg.DB // nil when the image has no package database
	k       *keeper
	popts   probe.Options
	records map[int][]trace.Event // probe index -> its traced run's events
	res     *Result
	// seccompSet is the profile's calls; verifySet and verifyProfile
	// the verify's filter (seccomp_run.go).
	seccompSet, verifySet *callSet
	verifyProfile         []byte
}

// prepare makes the original's target and the result, with the sensor
// checked first: a dynamic diet cannot trace, and should say so before
// minutes of unpacking.
func (r *run) prepare() error {
	opts, cfg, work := r.opts, r.cfg, r.work
	var err error
	r.notef = engine.NoteOnce(opts.logf)
	tgt := &target{img: r.img, cfg: cfg, runtime: opts.Runtime, tmp: work, timeout: opts.Timeout, notef: r.notef,
		network: opts.Network, ports: probePorts(cfg, opts.Probes), trace: !opts.NoTrace, traceProbeCmds: opts.KeepProbeFiles}
	r.tgt = tgt
	if opts.Seccomp {
		if opts.NoTrace {
			return errors.New("--seccomp needs the trace: it makes the profile of the calls the traced runs made (leave out --no-trace)")
		}
		tgt.calls, tgt.qemuStrace = true, foreign(cfg.Architecture)
	}
	if tgt.side, err = newAlongside(r); err != nil {
		return err
	}
	if !opts.NoTrace || needsHelper(opts.Probes) || len(opts.Services) > 0 {
		exe := opts.Sensor
		if exe == "" {
			if exe, err = os.Executable(); err != nil {
				return fmt.Errorf("finding diet's own binary for the sensor: %w", err)
			}
		}
		if tgt.sensorHost, tgt.sensorArgv, err = prepareSensor(exe, work); err != nil {
			return err
		}
	}
	if !opts.NoTrace {
		tgt.recordHost = filepath.Join(work, "record")
		os.RemoveAll(tgt.recordHost) // no stale records from an earlier run in --workdir
		if err := os.MkdirAll(tgt.recordHost, 0o777); err != nil {
			return err
		}
		// The program may run as any user: it must be able to write there.
		os.Chmod(tgt.recordHost, 0o777)
	}
	r.res = &Result{Platform: v1.Platform{OS: cfg.OS, Architecture: cfg.Architecture, Variant: cfg.Variant}}
	// The uncompressed size comes from the unpack, which reads every
	// layer anyway.
	if r.res.Before.Compressed, err = report.CompressedSize(r.img); err != nil {
		return fmt.Errorf("measuring the image: %w", err)
	}
	return nil
}

// unpack unpacks the file tree without trusting it, reads its package
// database, and checks the keep rules against it.
func (r *run) unpack() error {
	opts := r.opts
	var unpacked *rootfs.UnpackReport
	if opts.Cache != "" {
		opts.logf("unpacking the image (%d bytes compressed) into the tree cache %s", r.res.Before.Compressed, opts.Cache)
		tree, err := rootfs.UnpackCached(r.ctx, r.img, opts.Cache, rootfs.UnpackOptions{KeepOwners: true})
		if err != nil {
			return fmt.Errorf("unpacking the image: %w", err)
		}
		if tree.Reused > 0 {
			opts.logf("%d of %d layers were unpacked before: unpacked %d", tree.Reused, tree.Reused+tree.Unpacked, tree.Unpacked)
		}
		r.rootDir, unpacked = tree.Dir, tree.Report
	} else {
		opts.logf("unpacking the image (%d bytes compressed)", r.res.Before.Compressed)
		r.rootDir = filepath.Join(r.work, "rootfs")
		os.RemoveAll(r.rootDir)
		var err error
		if unpacked, err = rootfs.Unpack(r.ctx, r.img, r.rootDir, rootfs.UnpackOptions{KeepOwners: true}); err != nil {
			return fmt.Errorf("unpacking the image: %w", err)
		}
	}
	r.res.Before.Uncompressed = unpacked.Size
	t, err := loadTree(r.rootDir, unpacked.Owners)
	if err != nil {
		return err
	}
	if r.fsys, err = rootfs.Dir(r.rootDir); err != nil {
		return err
	}
	r.db, err = dpkg.Load(r.fsys)
	if err != nil && !errors.Is(err, dpkg.ErrNoDatabase) {
		return fmt.Errorf("reading the package database: %w", err)
	}
	r.k = newKeeper(t, r.fsys, r.cfg, opts.Exclude)
	return r.k.checkRules(opts.Keep, opts.KeepPackages, r.db)
}

// static keeps the static closure of what the image runs.
func (r *run) static() error {
	return addStatic(r.k, r.fsys, r.cfg, r.opts)
}

// probeOriginal runs the probes against the original, traced unless
// NoTrace, and refuses probes the original gave no answer to.
func (r *run) probeOriginal() error {
	ctx, img, opts, rootDir, tgt, res := r.ctx, r.img, r.opts, r.rootDir, r.tgt, r.res
	popts := probe.Options{Timeout: opts.Timeout, DefaultWait: opts.DefaultWait, Helper: helper(tgt.sensorArgv), Ports: tgt.ports, Crawl: opts.Crawl}
	r.popts = popts
	opts.logf("running %d probe(s) against the original%s", max(1, len(opts.Probes)), map[bool]string{true: "", false: " under the sensor"}[opts.NoTrace])
	// The tree unpacked above is the runs' lower directory (runc): the
	// image is not unpacked a second time, and no run writes into it.
	var err error
	if tgt.held, err = engine.HoldDir(ctx, img, opts.Runtime, rootDir); err != nil {
		return fmt.Errorf("probing the original: %w", err)
	}
	res.Original, err = probe.Run(ctx, tgt, opts.Probes, popts)
	tgt.held.Release()
	tgt.held = nil
	if err != nil {
		return fmt.Errorf("probing the original: %w", err)
	}
	// A probe that failed against the original proves nothing of the
	// result: the verify compares answers, and a slim that fails the same
	// way (a script that never reached the server) answers the same. One
	// that got no answer at all (a missing command, a port never opened,
	// a hang) is bad input, refused even when not Strict: the verify
	// would compare two error messages.
	var failed []string
	for _, o := range res.Original {
		failure := o.Failure()
		if failure == "" {
			continue
		}
		w := probe.Warning{Probe: o.Probe.String(), Outcome: failure}
		msg, stderr := fmt.Sprintf("probe %s of the original: %s", o.Probe, failure), ""
		if len(bytes.TrimSpace(o.Stderr)) > 0 {
			w.Stderr = firstLines(o.Stderr)
			stderr = "; its stderr: " + w.Stderr
		}
		if o.Error != "" {
			return errors.New(msg + stderr)
		}
		if !opts.Strict {
			opts.logf("warning: %s, which proves nothing of the slimmed image%s", msg, stderr)
		}
		failed = append(failed, msg+stderr)
		res.Warnings = append(res.Warnings, w)
	}
	if opts.Strict && len(failed) > 0 {
		return fmt.Errorf("%s\na probe that fails against the original proves nothing of the slimmed image: fix the probe, or give --strict=false to slim with a warning", strings.Join(failed, "\n"))
	}
	return nil
}

// trace reads the sensor's records of the probes' runs (each probe's own,
// for the removed files nearest a failed probe) and keeps what they used.
func (r *run) trace() error {
	r.records = map[int][]trace.Event{}
	if r.opts.NoTrace {
		return nil
	}
	tgt := r.tgt
	var all []trace.Event
	ex := 0
	for i, o := range r.res.Original {
		file := tgt.service
		if !o.Probe.Service() {
			if ex < len(tgt.execs) {
				file = tgt.execs[ex]
			}
			ex++
		}
		evs, err := trace.ReadRecordFile(file)
		if err != nil {
			return fmt.Errorf("reading the sensor's record of probe %s: %w (did the sensor run? see the probe's stderr: %s)", o.Probe, err, firstLines(o.Stderr))
		}
		if foreign(r.cfg.Architecture) {
			evs = dropEmulator(evs)
		}
		r.records[i] = evs
		all = append(all, evs...)
	}
	for _, file := range tgt.probes {
		evs, err := trace.ReadRecordFile(file)
		if err != nil {
			return fmt.Errorf("reading the sensor's record of a probe command: %w", err)
		}
		all = append(all, evs...)
	}
	r.res.Traced = len(all)
	r.k.addTrace(all)
	return nil
}

// rules keeps what the rules name, the volumes, the user and group
// databases, /tmp and the working directory.
func (r *run) rules() error {
	k, opts, cfg := r.k, r.opts, r.cfg
	k.addRules(opts.Keep, opts.KeepPackages, r.db)
	if opts.KeepShell {
		if _, err := k.addProgram("/bin/sh", "--keep-shell"); err != nil {
			return fmt.Errorf("--keep-shell: %w", err)
		}
	}
	for v := range cfg.Config.Volumes {
		k.addState(v, why.Reason{Kind: why.State, Detail: "volume"})
	}
	for _, p := range []string{"/etc/passwd", "/etc/group", "/etc/nsswitch.conf"} {
		k.add(p, why.Reason{Kind: why.Rule, Detail: "users and groups"})
	}
	k.add("/tmp", why.Reason{Kind: why.Rule, Detail: "temporary directory"})
	if wd := cfg.Config.WorkingDir; wd != "" {
		k.add(wd, why.Reason{Kind: why.Rule, Detail: "working directory"})
	}
	return nil
}

// close keeps the closure of every ELF file kept, and reports the
// directories kept whole and those kept in part.
func (r *run) close() error {
	r.k.closeELF()
	r.res.States, r.res.Partial = r.k.stateDirs(), r.k.partialDirs()
	return nil
}

// assemble writes the kept paths as one reproducible layer with the
// original config, and measures the result.
func (r *run) assemble() error {
	res := r.res
	res.Removed = r.k.removed()
	res.RemovedCount = len(res.Removed)
	out, err := assemble(r.k, r.db, r.cfg, r.opts)
	if err != nil {
		return err
	}
	res.Image, res.Kept, res.Packages, res.SBOM, res.sbomDoc = out.img, out.kept, out.packages, out.sbom, out.doc
	res.Reach, res.ByName = reachStats(res.Kept), byNameStats(res.Kept)
	if res.After, err = report.SizeOf(res.Image); err != nil {
		return err
	}
	d, err := res.Image.Digest()
	if err != nil {
		return err
	}
	res.Digest = d.String()
	r.opts.logf("kept %d paths, removed %d; %d -> %d bytes", len(res.Kept), len(res.Removed), res.Before.Uncompressed, res.After.Uncompressed)
	return nil
}

// verify runs the probes against the result and compares their answers
// with the original's: ErrDifferent, with the Differences, when any
// changed.
func (r *run) verify() error {
	ctx, opts, tgt, res := r.ctx, r.opts, r.tgt, r.res
	opts.logf("running the probes against the slimmed image")
	st := &target{img: res.Image, cfg: r.cfg, runtime: opts.Runtime, tmp: r.work, timeout: opts.Timeout, notef: r.notef,
		network: opts.Network, ports: tgt.ports, sensorHost: tgt.sensorHost, sensorArgv: tgt.sensorArgv}
	st.profile = r.verifyProfile // nil without --seccomp
	st.side = tgt.side
	var err error
	if st.held, err = opts.hold(ctx, res.Image); err != nil {
		return fmt.Errorf("probing the slimmed image: %w", err)
	}
	// The verify asks what the traced run asked, the crawler's and the
	// OpenAPI documents' requests included, and nothing more.
	probes, popts := probe.OutcomeProbes(res.Original), r.popts
	popts.Replay = true
	res.Slim, err = probe.Run(ctx, st, probes, popts)
	if st.held != nil {
		st.held.Release()
	}
	if err != nil {
		return fmt.Errorf("probing the slimmed image: %w", err)
	}
	verdict, err := probe.Verify(res.Original, res.Slim, func() ([]probe.Outcome, error) {
		opts.logf("some answers differ: running the original again to tell noise from difference")
		return r.rerunOriginal(probes, popts)
	})
	if err != nil {
		return fmt.Errorf("running the original again: %w", err)
	}
	res.Masked, res.Unstable = verdict.Masked, verdict.Unstable
	for _, diff := range verdict.Differences {
		idx := 0
		for i, o := range res.Original {
			if o.Probe.String() == diff.Probe.String() {
				idx = i
				break
			}
		}
		res.Differences = append(res.Differences, Difference{Difference: diff, Nearby: nearby(r.k, r.db, r.records[idx], res.Removed)})
	}
	if len(res.Differences) > 0 {
		return ErrDifferent
	}
	if len(res.Unstable) > 0 {
		var lines []string
		for _, u := range res.Unstable {
			lines = append(lines, "probe "+u.String())
		}
		if opts.Strict {
			return fmt.Errorf("%w:\n%s\nan answer that changes this much by itself proves nothing of the slimmed image: fix the probe, or give --strict=false to slim with a warning", ErrUnstable, strings.Join(lines, "\n"))
		}
		opts.logf("warning: the original answers these probes differently from run to run, which proves nothing of the slimmed image:\n%s", strings.Join(lines, "\n"))
	}
	res.Verified = true
	return nil
}

// rerunOriginal runs the probes against the original once more, in fresh
// containers, untraced: what differs from its first run is noise.
func (r *run) rerunOriginal(probes []probe.Probe, popts probe.Options) ([]probe.Outcome, error) {
	tgt := *r.tgt
	tgt.trace, tgt.calls, tgt.profile = false, false, nil
	var err error
	if tgt.held, err = engine.HoldDir(r.ctx, r.img, r.opts.Runtime, r.rootDir); err != nil {
		return nil, err
	}
	defer tgt.held.Release()
	return probe.Run(r.ctx, &tgt, probes, popts)
}

// hold gets img into the runtime once for all the probe runs, which would
// otherwise each get it in again (for runc, a whole unpack per run). A
// held runc tree lives in the system's temporary directory, not in
// WorkDir: with a WorkDir, runc runs unpack into it as before (and the
// Held is nil).
func (o Options) hold(ctx context.Context, img v1.Image) (*engine.Held, error) {
	if o.WorkDir != "" && o.Runtime == "runc" {
		return nil, nil
	}
	return engine.Hold(ctx, img, o.Runtime)
}

// addStatic keeps the static closure of the entrypoint and command, and
// of the programs exec probes run.
func addStatic(k *keeper, fsys rootfs.FS, cfg *v1.ConfigFile, opts Options) error {
	var argvs [][]string
	probeCmd := map[int]bool{} // argvs of --probe-cmd, kept by --keep-probe-files
	argvs = append(argvs, append(append([]string{}, cfg.Config.Entrypoint...), cfg.Config.Cmd...))
	for _, p := range opts.Probes {
		if p.Kind == probe.KindExec {
			argvs = append(argvs, append(append([]string{}, cfg.Config.Entrypoint...), p.Args...))
		}
		if p.Kind == probe.KindCmd && opts.KeepProbeFiles {
			argvs = append(argvs, p.Args)
			probeCmd[len(argvs)-1] = true
		}
	}
	done := map[string]bool{}
	for n, argv := range argvs {
		why := "entrypoint"
		if probeCmd[n] {
			why = "--keep-probe-files"
		}
		if len(argv) == 0 {
			continue
		}
		progs := []string{argv[0]}
		// A shell running a command string: the command's program too.
		for i := 1; i+1 < len(argv); i++ {
			if argv[i] == "-c" {
				if words, err := probe.SplitWords(argv[i+1]); err == nil && len(words) > 0 {
					progs = append(progs, words[0])
				}
				break
			}
		}
		for i := 0; i < len(progs); i++ {
			name := progs[i]
			p := lookPath(fsys, name, cfg.Config.Env, cfg.Config.WorkingDir)
			if p == "" || done[p] {
				continue
			}
			done[p] = true
			rep, err := k.addProgram(p, why)
			if err != nil && i == 0 && len(done) == 1 {
				return fmt.Errorf("inspecting the entrypoint %s: %w", p, err)
			}
			// A wrapper script (docker-entrypoint.sh ending in exec "$@")
			// runs its first argument: that program too.
			if i == 0 && rep != nil && rep.Kind == inspect.KindScript && len(argv) > 1 && !strings.HasPrefix(argv[1], "-") {
				progs = append(progs, argv[1])
			}
		}
	}
	return nil
}

// nearby lists the removed paths nearest to what a probe's traced run
// used, at most 20, best first: those it used itself and the files an
// exclude cut; only when there are none, the regular files in the directories it
// used, those of the same packages as what it used first, then the files
// of those packages elsewhere.
func nearby(k *keeper, db *dpkg.DB, events []trace.Event, removed []string) []string {
	const limit = 20
	used := map[string]bool{}
	dirs := map[string]bool{}
	pkgs := map[string]bool{}
	owner := func(p string) string {
		if db != nil {
			if pkg, ok := db.Owner(p); ok {
				return pkg.Name
			}
		}
		return ""
	}
	for _, e := range events {
		if isPseudo(e.Path) || e.Path == "/" {
			continue
		}
		p := e.Path
		if r, err := rootfs.Resolve(k.fsys, p); err == nil {
			p = r.Path
		}
		used[p] = true
		if d := path.Dir(p); d != "/" {
			dirs[d] = true
		}
		if o := owner(p); o != "" {
			pkgs[o] = true
		}
	}
	const direct = 3 // used, or cut by an exclude: shown alone when there are any
	score := func(p string, n *node) int {
		switch {
		case used[p]:
			return direct
		case !n.Mode.IsRegular():
			return 0
		case k.excluded[p]:
			return direct
		}
		o := owner(p)
		samePkg := o != "" && pkgs[o]
		switch {
		case dirs[path.Dir(p)] && samePkg:
			return 2
		case dirs[path.Dir(p)], samePkg:
			return 1
		}
		return 0
	}
	type cand struct {
		p     string
		score int
	}
	var cands []cand
	best := 0
	for _, p := range removed {
		n := k.t.nodes[p]
		if n == nil {
			continue
		}
		if sc := score(p, n); sc > 0 {
			cands = append(cands, cand{p, sc})
			best = max(best, sc)
		}
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
	var out []string
	for _, c := range cands {
		if len(out) == limit || (best == direct && c.score < direct) {
			break
		}
		out = append(out, c.p)
	}
	return out
}

func firstLines(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 500 {
		s = s[:500] + "..."
	}
	if s == "" {
		return "(empty)"
	}
	return s
}
