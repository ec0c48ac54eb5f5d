package probe

import (
	"bytes"
	"fmt"
	"strconv"
)

// Difference is one way a probe's answer changed between two images.
type Difference struct {
	Probe Probe `json:"probe"`
	// Field is what differed: "error", "exit code", "stdout", "status",
	// "body", "running".
	Field    string `json:"field"`
	Original string `json:"original"`
	Slim     string `json:"slim"`
	// Stderr is the slimmed image's standard error, which usually says
	// what it missed.
	Stderr string `json:"stderr,omitempty"`
}

// String reads like "probe http 80/: status 200 (original) vs 404 (slim)".
func (d Difference) String() string {
	return fmt.Sprintf("probe %s: %s %s (original) vs %s (slim)", d.Probe, d.Field, d.Original, d.Slim)
}

// Compare returns how the outcomes of the slimmed image differ from the
// original's, probe by probe: errors, exit codes, standard output, HTTP
// status, content type and body (byte for byte), and whether the program
// was still running. Standard error is not compared: it is where
// programs print times and process ids. Verify masks what differs
// between two runs of the original.
func Compare(original, slim []Outcome) []Difference {
	var diffs []Difference
	for i, o := range original {
		if i >= len(slim) {
			diffs = append(diffs, Difference{Probe: o.Probe, Field: "outcome", Original: "present", Slim: "missing"})
			continue
		}
		diffs = append(diffs, compareOne(o, slim[i])...)
	}
	return diffs
}

// compareOne is Compare of one probe's outcomes.
func compareOne(o, s Outcome) []Difference {
	var diffs []Difference
	add := func(field, a, b string) {
		diffs = append(diffs, Difference{Probe: o.Probe, Field: field, Original: a, Slim: b, Stderr: excerpt(s.Stderr, 2000)})
	}
	if o.Error != s.Error {
		add("error", quoteOrNone(o.Error), quoteOrNone(s.Error))
		return diffs
	}
	switch o.Probe.Kind {
	case KindHTTP, KindTCP, KindOpenAPI:
		if o.Status != s.Status {
			add("status", strconv.Itoa(o.Status), strconv.Itoa(s.Status))
		}
		if o.ContentType != s.ContentType {
			add("content type", strconv.Quote(o.ContentType), strconv.Quote(s.ContentType))
		}
		if !bytes.Equal(o.Body, s.Body) {
			a, b := describeDiff(o.Body, s.Body)
			add("body", a, b)
		}
	case KindWait:
		if o.Running != s.Running {
			add("running", strconv.FormatBool(o.Running), strconv.FormatBool(s.Running))
		}
	default:
		if o.Running != s.Running {
			add("running", strconv.FormatBool(o.Running), strconv.FormatBool(s.Running))
			return diffs
		}
		if o.ExitCode != s.ExitCode {
			add("exit code", strconv.Itoa(o.ExitCode), strconv.Itoa(s.ExitCode))
		}
		if !bytes.Equal(o.Stdout, s.Stdout) {
			a, b := describeDiff(o.Stdout, s.Stdout)
			add("stdout", a, b)
		}
	}
	return diffs
}

func quoteOrNone(s string) string {
	if s == "" {
		return "none"
	}
	return strconv.Quote(s)
}

// describeDiff shows two byte strings around their first difference.
func describeDiff(a, b []byte) (string, string) {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	start := max(0, i-40)
	show := func(x []byte) string {
		end := min(len(x), i+80)
		s := strconv.Quote(string(x[start:end]))
		if end < len(x) {
			s += "..."
		}
		return fmt.Sprintf("%d bytes, from byte %d: %s", len(x), start, s)
	}
	return show(a), show(b)
}

func excerpt(b []byte, n int) string {
	if len(b) > n {
		return string(b[len(b)-n:])
	}
	return string(b)
}
