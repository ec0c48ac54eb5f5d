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
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dietimg/diet/internal/artifact"
	"github.com/dietimg/diet/internal/dpkg"
	"github.com/dietimg/diet/internal/engine"
	"github.com/dietimg/diet/internal/probe"
	"github.com/dietimg/diet/internal/progress"
	"github.com/dietimg/diet/internal/rootfs"
	"github.com/dietimg/diet/internal/trace"
	"github.com/dietimg/diet/internal/why"
)

// Slim makes the slimmed copy of img. It returns ErrDifferent (with the
// Result, whose Differences say what) when verification fails; other
// errors mean it could not do its work.
//
// Every run (the traced original, the verify, the services alongside)
// goes through eng.
func Slim(ctx context.Context, eng engine.Engine, img v1.Image, opts Options) (*Result, error) {
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
	r := &run{ctx: ctx, eng: eng, opts: opts, img: img, cfg: cfg, work: work}
	defer func() { r.tree.Release() }()
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
	eng  engine.Engine
	opts Options
	img  v1.Image
	cfg  *v1.ConfigFile
	work string // the working directory: rootfs, record, bundles

	notes   *progress.Log      // notes said once per run
	tgt     *target            // the original, as the probes run it
	rootDir string             // the unpacked original
	tree    *rootfs.CachedTree // rootDir's entry in the tree cache, held until Slim returns
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
	r.notes = opts.Log.Prefix("slim: ").Once()
	tgt := &target{img: r.img, cfg: cfg, eng: r.eng, tmp: work, timeout: opts.Timeout, notes: r.notes,
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
	if r.res.Before.Compressed, err = artifact.CompressedSize(r.img); err != nil {
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
		r.tree, r.rootDir, unpacked = tree, tree.Dir, tree.Report
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

// trace reads the sensor's records of the probes' runs (each probe's own,
// for the removed files nearest a failed probe) and keeps what they used.
func (r *run) trace() error {
	r.records = map[int][]trace.Event{}
	if r.opts.NoTrace {
		return nil
	}
	tgt := r.tgt
	var all []trace.Event
	files := tgt.recordFiles(r.res.Original)
	for i, o := range r.res.Original {
		evs, err := trace.ReadRecordFile(files[i])
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
	res.Image, res.Files, res.Packages, res.SBOM, res.sbomPackages = out.img, out.files, out.packages, out.sbom, out.sbomPkgs
	res.Name, res.Created = r.opts.Name, r.opts.Epoch
	res.Reach, res.ByName = reachStats(res.Files), byNameStats(res.Files)
	if res.Size, err = artifact.SizeOf(res.Image); err != nil {
		return err
	}
	if res.Digest, err = res.Image.Digest(); err != nil {
		return err
	}
	r.opts.logf("kept %d paths, removed %d; %d -> %d bytes", len(res.Files), len(res.Removed), res.Before.Uncompressed, res.Size.Uncompressed)
	return nil
}
