package slim

import (
	"fmt"
	"sort"
	"strings"

	"github.com/dietimg/diet/internal/artifact"
	"github.com/dietimg/diet/internal/reach"
	"github.com/dietimg/diet/internal/rootfs"
	"github.com/dietimg/diet/internal/why"
)

// Reach modes: what slim keeps beyond the static closure and the rules.
const (
	// ReachAll keeps what the probes' trace used and what the kept code
	// can reach (package reach): the default.
	ReachAll = "all"
	// ReachTrace keeps what the trace used only.
	ReachTrace = "trace"
)

// ReachStat is what one kind of reach added to the result.
type ReachStat struct {
	Kind why.Kind `json:"kind"`
	// Detail names an entry of the table of what programs load by name.
	Detail string `json:"detail,omitempty"`
	Files  int    `json:"files"` // regular files
	Bytes  int64  `json:"bytes"`
}

// reach adds what the kept code can reach, read statically, until a
// round adds nothing: every kept file a language claims is scanned once,
// and what it reaches is kept (programs with their closure, which may
// bring scripts to scan in turn).
func (r *run) reach() error {
	if r.opts.Reach == ReachTrace {
		return nil
	}
	k := r.k
	img := &reach.Image{FS: r.fsys, Env: r.cfg.Config.Env, WorkingDir: r.cfg.Config.WorkingDir,
		Argv: append(append([]string{}, r.cfg.Config.Entrypoint...), r.cfg.Config.Cmd...), Packaged: r.packaged}
	rc := reach.New(img)
	for _, f := range rc.Roots() {
		k.addFound(f)
	}
	scanned := map[string]bool{}
	rounds := 0
	for {
		var todo []string
		for _, p := range k.keptPaths() {
			if n := k.t.nodes[p]; n != nil && n.Mode.IsRegular() && !scanned[p] {
				scanned[p] = true
				todo = append(todo, p)
			}
		}
		if len(todo) == 0 {
			break
		}
		rounds++
		for _, p := range todo {
			found, skipped := rc.Scan(p)
			if skipped != nil {
				r.res.ReachSkipped = append(r.res.ReachSkipped, *skipped)
			}
			for _, f := range found {
				k.addFound(f)
			}
		}
	}
	r.opts.logf("reach: scanned %d kept files in %d rounds", len(scanned), rounds)
	return nil
}

// packaged reports whether an installed package lists the directory dir:
// it is the package's (postgresql-common's /var/lib/postgresql, with the
// cluster its installation made), not an application's.
func (r *run) packaged(dir string) bool {
	return r.db != nil && len(r.db.Owners([]string{dir})) > 0
}

// addFound keeps what reach found, as its As says.
func (k *keeper) addFound(f reach.Found) {
	switch f.As {
	case reach.Program:
		if !k.add(f.Path, f.Reason) {
			return
		}
		k.addProgram(f.Path, f.Reason.String())
	case reach.Tree:
		res, err := rootfs.Resolve(k.fsys, f.Path)
		if err != nil || systemDirs[res.Path] || isPseudo(res.Path) {
			return
		}
		k.add(f.Path, f.Reason)
		for _, p := range k.t.under(res.Path) {
			k.one(p, f.Reason)
		}
	default:
		k.add(f.Path, f.Reason)
	}
}

// reachStats sums, per reach kind, the regular files and bytes kept for
// that reason (a file the trace kept counts for the trace).
func reachStats(kept []artifact.File) []ReachStat {
	by := map[why.Kind]*ReachStat{}
	for _, kp := range kept {
		if kp.Type != "file" {
			continue
		}
		s := by[kp.Reason.Kind]
		if s == nil {
			s = &ReachStat{Kind: kp.Reason.Kind}
			by[kp.Reason.Kind] = s
		}
		s.Files++
		s.Bytes += kp.Size
	}
	var out []ReachStat
	for _, kind := range why.ReachKinds {
		if s := by[kind]; s != nil {
			out = append(out, *s)
		}
	}
	return out
}

// String says a stat in words: "import: 120 files, 1.2 MB", or for an
// entry of the table of what programs load by name, "by name: perl
// Encode encodings: 13 files, 0.5 MB".
func (s ReachStat) String() string {
	name := string(s.Kind)
	if s.Detail != "" {
		name = s.Detail
	}
	return fmt.Sprintf("%s: %d files, %.1f MB", name, s.Files, float64(s.Bytes)/1e6)
}

// byNameStats sums the regular files kept by each entry of the table of
// what programs load by name (reach's Data reasons whose Detail starts
// "by name: "), largest first.
func byNameStats(kept []artifact.File) []ReachStat {
	by := map[string]*ReachStat{}
	for _, kp := range kept {
		if kp.Type != "file" || kp.Reason.Kind != why.Data || !strings.HasPrefix(kp.Reason.Detail, "by name: ") {
			continue
		}
		s := by[kp.Reason.Detail]
		if s == nil {
			s = &ReachStat{Kind: why.Data, Detail: kp.Reason.Detail}
			by[kp.Reason.Detail] = s
		}
		s.Files++
		s.Bytes += kp.Size
	}
	out := make([]ReachStat, 0, len(by))
	for _, s := range by {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Bytes != out[j].Bytes {
			return out[i].Bytes > out[j].Bytes
		}
		return out[i].Detail < out[j].Detail
	})
	return out
}
