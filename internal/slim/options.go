package slim

import (
	"time"

	"github.com/dietimg/diet/internal/probe"
	"github.com/dietimg/diet/internal/progress"
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
	// runs made (Result.Seccomp, Result.SeccompInfo), and runs the verify under it;
	// SeccompAdd allows more calls, by name.
	Seccomp    bool
	SeccompAdd []string
	// seccompProbes, when not nil, are the indexes of the probes whose
	// traced runs make the profile (tests: a profile narrower than the
	// probes the verify runs).
	seccompProbes []int
	// Name names the image in the SBOM.
	Name string
	// Log is told one line per step, after "slim: "; nil for none.
	Log *progress.Log
}

func (o Options) logf(format string, args ...any) {
	o.Log.Prefix("slim: ").Printf(format, args...)
}
