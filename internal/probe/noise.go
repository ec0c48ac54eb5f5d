package probe

import (
	"bytes"
	"fmt"
	"strings"
)

// The verify compares the slimmed image's answers with the original's,
// and real answers change by themselves: a time, a request id, a random
// nonce, a process id. Noise is learned the way differential testing of
// services learns it (Twitter's Diffy: primary, secondary, candidate):
// the original's probes run a second time, in a fresh container, and
// exactly what differs between its two runs is noise. The slim's answer
// must then equal the first run's everywhere else. The second run costs
// a run of the original, so it is made only when some answer of the slim
// differs from the first run's.

// Verdict is how a slimmed image's answers compare with the original's.
type Verdict struct {
	// Differences are the real ones: the verify fails on any.
	Differences []Difference `json:"differences,omitempty"`
	// Masked says, per probe whose answers differed only there, what
	// differed between the original's two runs and was not compared.
	Masked []Masked `json:"masked,omitempty"`
	// Unstable lists the probes whose two runs of the original differed
	// in their status, exit code or error, or in nearly everything: no
	// answer of the slim can be checked against them.
	Unstable []Unstable `json:"unstable,omitempty"`
	// Rerun says whether the original ran a second time.
	Rerun bool `json:"rerun,omitempty"`
}

// Masked is what one probe's comparison left out: JSON paths of a JSON
// answer, or spans of a text one (each shown as the two runs had it).
type Masked struct {
	Probe string   `json:"probe"`
	Field string   `json:"field"`
	Paths []string `json:"json_paths,omitempty"`
	Spans []string `json:"spans,omitempty"`
}

// String reads like "http 80/items: body: $.id, $.created".
func (m Masked) String() string {
	what := m.Paths
	if len(what) == 0 {
		what = m.Spans
	}
	return fmt.Sprintf("%s: %s: %s", m.Probe, m.Field, strings.Join(what, ", "))
}

// Unstable is a probe whose two runs of the original disagree beyond
// what can be masked.
type Unstable struct {
	Probe string `json:"probe"`
	Why   string `json:"why"`
}

// String reads like "http 80/: status 200, then 503".
func (u Unstable) String() string { return u.Probe + ": " + u.Why }

// Verify compares the slim's outcomes with the original's first run.
// When some differ, again runs the original's probes a second time and
// the differences between its two runs are masked (see Verdict); only
// the probes that differed are looked at again.
func Verify(first, slim []Outcome, again func() ([]Outcome, error)) (Verdict, error) {
	var v Verdict
	var differing []int
	for i := range first {
		if i >= len(slim) || len(compareOne(first[i], slim[i])) > 0 {
			differing = append(differing, i)
		}
	}
	if len(differing) == 0 {
		return v, nil
	}
	second, err := again()
	if err != nil {
		return v, err
	}
	v.Rerun = true
	for _, i := range differing {
		o := first[i]
		if i >= len(slim) {
			v.Differences = append(v.Differences, Difference{Probe: o.Probe, Field: "outcome", Original: "present", Slim: "missing"})
			continue
		}
		if i >= len(second) {
			v.Unstable = append(v.Unstable, Unstable{Probe: o.Probe.String(), Why: "the second run of the original gave no answer"})
			continue
		}
		n, why := learnNoise(o, second[i])
		switch {
		case why != "":
			v.Unstable = append(v.Unstable, Unstable{Probe: o.Probe.String(), Why: why})
		case n == nil:
			v.Differences = append(v.Differences, compareOne(o, slim[i])...)
		default:
			if d := compareMasked(o, slim[i], n); len(d) > 0 {
				v.Differences = append(v.Differences, d...)
			} else {
				v.Masked = append(v.Masked, n.masked(o.Probe.String()))
			}
		}
	}
	return v, nil
}

// content is what of an outcome is compared as text: an HTTP or TCP
// answer's body, or a program's standard output.
func content(o Outcome) (string, []byte) {
	switch o.Probe.Kind {
	case KindHTTP, KindTCP, KindOpenAPI:
		return "body", o.Body
	}
	return "stdout", o.Stdout
}

// noise is what differs between two runs of the original in one
// outcome's content: JSON paths, or a text's template.
type noise struct {
	field string
	paths []string  // JSON paths, with [*] for every index
	tmpl  *template // for text
}

func (n *noise) masked(probe string) Masked {
	m := Masked{Probe: probe, Field: n.field, Paths: n.paths}
	if n.tmpl != nil {
		m.Spans = n.tmpl.spans
	}
	return m
}

// learnNoise says what differs between two runs of the original: nil
// when their contents are the same (a difference of the slim is then
// real), or why the probe is unstable.
func learnNoise(a, b Outcome) (*noise, string) {
	switch {
	case a.Error != b.Error:
		return nil, fmt.Sprintf("error %s, then %s", quoteOrNone(a.Error), quoteOrNone(b.Error))
	case a.Status != b.Status:
		return nil, fmt.Sprintf("status %d, then %d", a.Status, b.Status)
	case a.ExitCode != b.ExitCode:
		return nil, fmt.Sprintf("exit code %d, then %d", a.ExitCode, b.ExitCode)
	case a.Running != b.Running:
		return nil, fmt.Sprintf("running %t, then %t", a.Running, b.Running)
	case a.ContentType != b.ContentType:
		return nil, fmt.Sprintf("content type %q, then %q", a.ContentType, b.ContentType)
	}
	field, ca := content(a)
	_, cb := content(b)
	if bytes.Equal(ca, cb) {
		return nil, ""
	}
	if ja, jb, ok := bothJSON(ca, cb); ok {
		var paths []string
		jsonNoise(ja, jb, nil, &paths)
		if len(paths) == 1 && paths[0] == "$" {
			return nil, field + ": the two JSON answers differ as a whole"
		}
		return &noise{field: field, paths: paths}, ""
	}
	t, why := newTemplate(ca, cb)
	if why != "" {
		return nil, field + ": " + why
	}
	return &noise{field: field, tmpl: t}, ""
}

// compareMasked compares the slim's outcome with the original's first
// with the noise left out.
func compareMasked(o, s Outcome, n *noise) []Difference {
	// Everything but the content, as compareOne does.
	oc, sc := o, s
	oc.Body, oc.Stdout, sc.Body, sc.Stdout = nil, nil, nil, nil
	if d := compareOne(oc, sc); len(d) > 0 {
		return d
	}
	field, a := content(o)
	_, b := content(s)
	diff := func(orig, slim string) []Difference {
		return []Difference{{Probe: o.Probe, Field: field, Original: orig, Slim: slim, Stderr: excerpt(s.Stderr, 2000)}}
	}
	if n.tmpl != nil {
		if !n.tmpl.match(b) {
			x, y := describeDiff(a, b)
			return diff(x+" (spans that differ between the original's runs masked)", y)
		}
		return nil
	}
	ja, jb, ok := bothJSON(a, b)
	if !ok {
		x, y := describeDiff(a, b)
		return diff(x, y+" (not JSON)")
	}
	masks := map[string]bool{}
	for _, p := range n.paths {
		masks[p] = true
	}
	if at, x, y := jsonMatch(ja, jb, nil, masks); at != "" {
		return diff("at "+at+": "+x, y)
	}
	return nil
}
