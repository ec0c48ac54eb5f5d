package probe

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

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
