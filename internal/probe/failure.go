package probe

import "fmt"

// Failure says how the probe failed, or "" when it did not: no answer at
// all (Error: a port that never accepted, a command missing from the
// image, a hang), an HTTP status of 500 or more, or a cmd or script probe
// that exited non-zero. Against the original, a failure proves nothing:
// the verify compares answers, and a slim that fails the same way (a
// script that never reached the server) answers the same.
//
// The exit code of an exec probe, and the end of a wait or default run,
// are never failures: running the image with arguments that make it exit
// 1 is a fair question, and its answer is what the slim must repeat. A
// 4xx status is an answer the server chose (a 404 page is still served).
func (o Outcome) Failure() string {
	switch {
	case o.Error != "":
		return o.Error
	case o.Probe.Kind == KindHTTP && o.Probe.Status != 0 && o.Status != o.Probe.Status:
		return fmt.Sprintf("status %d, not the %d the probe expects", o.Status, o.Probe.Status)
	case (o.Probe.Kind == KindHTTP || o.Probe.Kind == KindOpenAPI) && o.Status >= 500:
		return fmt.Sprintf("status %d", o.Status)
	case (o.Probe.Kind == KindCmd || o.Probe.Kind == KindScript) && o.ExitCode < 0:
		return "killed by a signal"
	case (o.Probe.Kind == KindCmd || o.Probe.Kind == KindScript) && o.ExitCode != 0:
		return fmt.Sprintf("exit %d", o.ExitCode)
	}
	return ""
}

// Warning is a probe that failed against the original (see
// Outcome.Failure), reported rather than refused: whatever the slim
// answers to it proves nothing.
type Warning struct {
	// Probe names the probe as reports show it ("script check.sh").
	Probe string `json:"probe"`
	// Outcome is what it got from the original ("exit 1", "status 502").
	Outcome string `json:"outcome"`
	// Stderr is the start of the probe's standard error, which usually
	// says why ("connection refused").
	Stderr string `json:"stderr,omitempty"`
}

// String reads like "probe script check.sh failed against the original
// (exit 1)".
func (w Warning) String() string {
	return fmt.Sprintf("probe %s failed against the original (%s)", w.Probe, w.Outcome)
}
