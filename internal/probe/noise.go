package probe

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
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

func bothJSON(a, b []byte) (any, any, bool) {
	ja, errA := decodeJSON(a)
	jb, errB := decodeJSON(b)
	return ja, jb, errA == nil && errB == nil
}

// decodeJSON decodes an object or array (a scalar answer is text),
// keeping numbers as they were written.
func decodeJSON(b []byte) (any, error) {
	t := bytes.TrimSpace(b)
	if len(t) == 0 || (t[0] != '{' && t[0] != '[') {
		return nil, fmt.Errorf("not a JSON object or array")
	}
	d := json.NewDecoder(bytes.NewReader(t))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, fmt.Errorf("more than one JSON value")
	}
	return v, nil
}

// jsonNoise adds to paths where a and b differ: a value, a key present in
// one only, an array whose length changed. Indexes are [*]: the id of
// every item of a list is noise when any is.
func jsonNoise(a, b any, at []jsonStep, paths *[]string) {
	add := func(p []jsonStep) {
		s := jsonPathString(p)
		for _, x := range *paths {
			if x == s {
				return
			}
		}
		*paths = append(*paths, s)
	}
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			add(at)
			return
		}
		for _, k := range sortedKeys(av) {
			child := append(at[:len(at):len(at)], jsonStep{key: k})
			if bx, ok := bv[k]; ok {
				jsonNoise(av[k], bx, child, paths)
			} else {
				add(child)
			}
		}
		for _, k := range sortedKeys(bv) {
			if _, ok := av[k]; !ok {
				add(append(at[:len(at):len(at)], jsonStep{key: k}))
			}
		}
	case []any:
		bv, ok := b.([]any)
		if !ok || len(av) != len(bv) {
			add(at)
			return
		}
		child := append(at[:len(at):len(at)], jsonStep{index: anyIndex})
		for i := range av {
			jsonNoise(av[i], bv[i], child, paths)
		}
	default:
		if !reflect.DeepEqual(a, b) {
			add(at)
		}
	}
}

// jsonMatch compares a and b outside the masked paths; at is "" when
// they match, else the first path where they do not, with the two sides.
func jsonMatch(a, b any, at []jsonStep, masks map[string]bool) (string, string, string) {
	here := jsonPathString(at)
	if masks[here] {
		return "", "", ""
	}
	show := func(v any) string {
		s, _ := json.Marshal(v)
		return excerpt(s, 200)
	}
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			return here, show(a), show(b)
		}
		for _, k := range sortedKeys(av) {
			child := append(at[:len(at):len(at)], jsonStep{key: k})
			bx, ok := bv[k]
			switch {
			case ok:
				if p, x, y := jsonMatch(av[k], bx, child, masks); p != "" {
					return p, x, y
				}
			case !masks[jsonPathString(child)]:
				return jsonPathString(child), show(av[k]), "missing"
			}
		}
		for _, k := range sortedKeys(bv) {
			child := append(at[:len(at):len(at)], jsonStep{key: k})
			if _, ok := av[k]; !ok && !masks[jsonPathString(child)] {
				return jsonPathString(child), "missing", show(bv[k])
			}
		}
	case []any:
		bv, ok := b.([]any)
		if !ok || len(av) != len(bv) {
			return here, show(a), show(b)
		}
		child := append(at[:len(at):len(at)], jsonStep{index: anyIndex})
		for i := range av {
			if p, x, y := jsonMatch(av[i], bv[i], child, masks); p != "" {
				return strings.Replace(p, jsonPathString(child), jsonPathString(append(at[:len(at):len(at)], jsonStep{index: i})), 1), x, y
			}
		}
	default:
		if !reflect.DeepEqual(a, b) {
			return here, show(a), show(b)
		}
	}
	return "", "", ""
}

// A template is a text answer with holes where two runs of the original
// differed: the slim's answer matches when it has the same text around
// holes filled with anything (within a line, unless the runs' own
// difference spanned lines).
type template struct {
	re    *regexp.Regexp
	spans []string // each hole as the two runs had it, for the report
}

// Bounds of what a template masks: beyond them the two runs differ in
// too much for a comparison to mean anything.
const (
	maxTemplateText = 1 << 20 // bytes of each run
	maxHoles        = 1000
	maxEdit         = 4000 // tokens changed, for the diff's cost
	maxShownSpans   = 10
)

func newTemplate(a, b []byte) (*template, string) {
	if len(a) > maxTemplateText || len(b) > maxTemplateText {
		return nil, fmt.Sprintf("the two runs differ, and at %d and %d bytes are too large to mask", len(a), len(b))
	}
	ta, tb := tokens(a), tokens(b)
	ops, ok := diffTokens(ta, tb, maxEdit)
	if !ok {
		return nil, "the two runs differ in too much to mask"
	}
	// Segments: literal runs of tokens, and holes where the runs differ.
	type segment struct {
		lit      []string
		da, db   string // a hole: what each run had
		hole     bool
		newlines bool
	}
	var segs []segment
	same := 0
	for _, op := range ops {
		if op.equal {
			segs = append(segs, segment{lit: ta[op.a0:op.a1]})
			continue
		}
		segs = append(segs, segment{hole: true, da: strings.Join(ta[op.a0:op.a1], ""), db: strings.Join(tb[op.b0:op.b1], "")})
	}
	// A hole takes the whole number it is part of: a clock that moved
	// on only its seconds between the runs moves its minutes by the
	// slim's run.
	for i := range segs {
		if !segs[i].hole {
			continue
		}
		if i > 0 {
			prev := &segs[i-1]
			for len(prev.lit) > 0 && numeric(prev.lit[len(prev.lit)-1]) {
				tok := prev.lit[len(prev.lit)-1]
				prev.lit = prev.lit[:len(prev.lit)-1]
				segs[i].da, segs[i].db = tok+segs[i].da, tok+segs[i].db
			}
		}
		if i+1 < len(segs) {
			next := &segs[i+1]
			for len(next.lit) > 0 && numeric(next.lit[0]) {
				segs[i].da, segs[i].db = segs[i].da+next.lit[0], segs[i].db+next.lit[0]
				next.lit = next.lit[1:]
			}
		}
	}
	var re strings.Builder
	re.WriteString(`^`)
	t := &template{}
	holes := 0
	for _, sg := range segs {
		if !sg.hole {
			for _, tok := range sg.lit {
				re.WriteString(regexp.QuoteMeta(tok))
				same += len(tok)
			}
			continue
		}
		if strings.Contains(sg.da, "\n") || strings.Contains(sg.db, "\n") {
			re.WriteString(`(?s:.*)`)
		} else {
			re.WriteString(`.*`)
		}
		holes++
		if len(t.spans) < maxShownSpans {
			t.spans = append(t.spans, strconv.Quote(excerpt([]byte(sg.da), 60))+" / "+strconv.Quote(excerpt([]byte(sg.db), 60)))
		}
	}
	if holes > maxHoles {
		return nil, fmt.Sprintf("the two runs differ in %d places", holes)
	}
	if 2*same < max(len(a), len(b)) {
		return nil, "the two runs share less than half their text"
	}
	if holes > maxShownSpans {
		t.spans = append(t.spans, fmt.Sprintf("and %d more", holes-maxShownSpans))
	}
	re.WriteString(`$`)
	var err error
	if t.re, err = regexp.Compile(re.String()); err != nil {
		return nil, "the two runs differ, and their template does not compile: " + err.Error()
	}
	return t, ""
}

// numeric says whether a token is part of a number, a time or a date:
// digits, or the separators between their parts.
func numeric(tok string) bool {
	switch tok {
	case ":", "-", ".", "/":
		return true
	}
	for _, c := range []byte(tok) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return tok != ""
}

func (t *template) match(b []byte) bool { return t.re.Match(b) }

// tokens splits text into words (runs of letters, digits and bytes of
// UTF-8 sequences) and single other bytes, so that a hole covers a whole
// number or id, never half of one.
func tokens(b []byte) []string {
	var out []string
	word := func(c byte) bool {
		return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
	}
	for i := 0; i < len(b); {
		j := i + 1
		if word(b[i]) {
			for j < len(b) && word(b[j]) {
				j++
			}
		}
		out = append(out, string(b[i:j]))
		i = j
	}
	return out
}

// An editOp is a run of tokens that is the same in both texts (equal),
// or that differs: a[a0:a1] in the first became b[b0:b1] in the second.
type editOp struct {
	equal          bool
	a0, a1, b0, b1 int
}

// diffTokens is Myers' O(ND) difference of a and b, as a list of equal
// and changed runs; ok is false when more than maxD tokens changed.
func diffTokens(a, b []string, maxD int) ([]editOp, bool) {
	// The common prefix and suffix cost nothing.
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]
	n, m := len(ma), len(mb)
	var ops []editOp
	push := func(equal bool, a0, a1, b0, b1 int) {
		if a0 == a1 && b0 == b1 {
			return
		}
		if k := len(ops) - 1; k >= 0 && ops[k].equal == equal {
			ops[k].a1, ops[k].b1 = a1, b1
			return
		}
		ops = append(ops, editOp{equal, a0, a1, b0, b1})
	}
	push(true, 0, pre, 0, pre)
	// Forward search, keeping each round's furthest points for the walk
	// back.
	off := n + m + 1
	v := make([]int, 2*off+1)
	var trace [][]int
	found := n == 0 && m == 0
	for d := 0; d <= n+m && !found; d++ {
		if d > maxD {
			return nil, false
		}
		trace = append(trace, append([]int(nil), v...))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && ma[x] == mb[y] {
				x++
				y++
			}
			v[off+k] = x
			if x >= n && y >= m {
				found = true
				break
			}
		}
	}
	// Walk back from (n, m): trace[d] holds the furthest points of the
	// rounds before d.
	const (
		same = iota
		del  // a token of a only
		ins  // a token of b only
	)
	var steps []int
	x, y := n, m
	for d := len(trace) - 1; d >= 0; d-- {
		vd := trace[d]
		k := x - y
		prevK := k - 1
		if k == -d || (k != d && vd[off+k-1] < vd[off+k+1]) {
			prevK = k + 1
		}
		prevX := vd[off+prevK]
		prevY := prevX - prevK
		for x > prevX && y > prevY {
			steps = append(steps, same)
			x--
			y--
		}
		if d > 0 {
			if x == prevX {
				steps = append(steps, ins)
				y--
			} else {
				steps = append(steps, del)
				x--
			}
		}
	}
	x, y = pre, pre
	for i := len(steps) - 1; i >= 0; i-- {
		switch steps[i] {
		case same:
			push(true, x, x+1, y, y+1)
			x, y = x+1, y+1
		case del:
			push(false, x, x+1, y, y)
			x++
		case ins:
			push(false, x, x, y, y+1)
			y++
		}
	}
	push(true, pre+n, len(a), pre+m, len(b))
	return ops, true
}
