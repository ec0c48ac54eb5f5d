package slim

import (
	"errors"

	"github.com/dietimg/diet/internal/artifact"
	"github.com/dietimg/diet/internal/probe"
	"github.com/dietimg/diet/internal/reach"
	"github.com/dietimg/diet/internal/sbom"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Difference is a probe whose answer changed, with the removed files
// nearest to what the probe touched in the original.
type Difference struct {
	probe.Difference
	Nearby []string `json:"nearby_removed,omitempty"`
}

// Result is a slimmed image and everything known about how it was made.
type Result struct {
	// Artifact is the slimmed image: its Files are every path kept, each
	// with its reason; its Seccomp the profile (Options.Seccomp).
	artifact.Artifact
	// Platform is the original's, which the result keeps.
	Platform v1.Platform `json:"platform"`
	// Before is the original's size (Artifact.Size the result's).
	Before artifact.Size `json:"before"`
	// Removed is every path of the original that is not in the result.
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
	// SeccompInfo is what the profile (Artifact.Seccomp) allows and how
	// it was made.
	SeccompInfo  *Seccomp       `json:"seccomp,omitempty"`
	sbomPackages []sbom.Package // the SBOM's packages, for an index's SBOM
}

// Ratio is the uncompressed size before over after.
func (r *Result) Ratio() float64 {
	if r.Size.Uncompressed == 0 {
		return 0
	}
	return float64(r.Before.Uncompressed) / float64(r.Size.Uncompressed)
}

// ErrDifferent is returned, with the Result, when the slimmed image
// answers a probe differently from the original; ErrUnstable (Strict)
// when the original's own two runs differ beyond what can be masked.
var (
	ErrDifferent = errors.New("slim: the slimmed image answers differently from the original")
	ErrUnstable  = errors.New("slim: the original answers differently from run to run")
)
