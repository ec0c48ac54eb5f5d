package slim

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dietimg/diet/internal/dpkg"
	"github.com/dietimg/diet/internal/engine"
	"github.com/dietimg/diet/internal/probe"
	"github.com/dietimg/diet/internal/rootfs"
	"github.com/dietimg/diet/internal/trace"
)

// The probes against the original (traced) and against the result (the
// verify), and what the verify reports of a difference.

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
	if tgt.held, err = r.eng.HoldDir(ctx, img, rootDir); err != nil {
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

// verify runs the probes against the result and compares their answers
// with the original's: ErrDifferent, with the Differences, when any
// changed.
func (r *run) verify() error {
	ctx, opts, tgt, res := r.ctx, r.opts, r.tgt, r.res
	opts.logf("running the probes against the slimmed image")
	st := &target{img: res.Image, cfg: r.cfg, eng: r.eng, tmp: r.work, timeout: opts.Timeout, notes: r.notes,
		network: opts.Network, ports: tgt.ports, sensorHost: tgt.sensorHost, sensorArgv: tgt.sensorArgv}
	st.profile = r.verifyProfile // nil without --seccomp
	st.side = tgt.side
	var err error
	if st.held, err = r.hold(res.Image); err != nil {
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
	if tgt.held, err = r.eng.HoldDir(r.ctx, r.img, r.rootDir); err != nil {
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
func (r *run) hold(img v1.Image) (*engine.Held, error) {
	if r.opts.WorkDir != "" && r.eng.Name() == engine.Runc {
		return nil, nil
	}
	return r.eng.Hold(r.ctx, img)
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
