package slice

import (
	"errors"
	"math"
	"strings"
)

// Bound is one end of a Range: absent, an index from the start, or an
// index counted back from the end of the input.
type Bound struct {
	Set  bool   // the field was given
	Neg  bool   // counted from the end: len-N
	N    uint64 // magnitude; 0 is never Neg
	Text string // the field as typed, for --explain and --translate
}

// Range is a parsed START:END:STEP, with relative ends ('+N', '+-N')
// already turned into plain bounds.
type Range struct {
	Start, End Bound
	Step       uint64 // magnitude, at least 1
	Back       bool   // negative step
	Text       string // the range as typed
}

// RangeError is a RANGE that does not parse; Error is the reason alone,
// without the argument, as clap prints it after "for '<RANGE>': ".
type RangeError struct{ Msg string }

func (e *RangeError) Error() string { return e.Msg }

func rangeErr(msg string) error { return &RangeError{Msg: msg} }

// parseU64 parses like Rust's u64::from_str, whose messages the reference
// prints: an optional '+', then decimal digits only.
func parseU64(s string) (uint64, error) {
	if s == "" {
		return 0, errors.New("cannot parse integer from empty string")
	}
	d := s
	if d[0] == '+' {
		d = d[1:]
		if d == "" {
			return 0, errors.New("invalid digit found in string")
		}
	}
	var v uint64
	for i := 0; i < len(d); i++ {
		c := d[i]
		if c < '0' || c > '9' {
			return 0, errors.New("invalid digit found in string")
		}
		if v > (math.MaxUint64-uint64(c-'0'))/10 {
			// Rust reports overflow only if all digits are valid.
			for j := i + 1; j < len(d); j++ {
				if d[j] < '0' || d[j] > '9' {
					return 0, errors.New("invalid digit found in string")
				}
			}
			return 0, errors.New("number too large to fit in target type")
		}
		v = v*10 + uint64(c-'0')
	}
	return v, nil
}

// parseSigned parses a start or step field: [-]N, where '-0' is 0.
func parseSigned(name, s string) (Bound, error) {
	b := Bound{Set: true, Text: s}
	digits := s
	if strings.HasPrefix(s, "-") {
		digits = s[1:]
		b.Neg = true
	}
	n, err := parseU64(digits)
	if err != nil {
		return b, rangeErr("invalid " + name + " value '" + s + "': " + err.Error())
	}
	b.N = n
	if n == 0 {
		b.Neg = false
	}
	return b, nil
}

func satAdd(a, b uint64) uint64 {
	if a > math.MaxUint64-b {
		return math.MaxUint64
	}
	return a + b
}

// ParseRange parses a RANGE argument with Python's slice rules plus the
// relative end forms 's:+N' and 's:+-N'.
func ParseRange(s string) (Range, error) {
	r := Range{Step: 1, Text: s}
	parts := strings.Split(s, ":")
	if len(parts) < 2 {
		return r, rangeErr("range requires a ':' separator (e.g. '3:4', '3:', or ':3')")
	}
	if len(parts) > 3 {
		return r, rangeErr("too many ':' separators in range (expected at most start:end:step)")
	}
	var err error
	if parts[0] != "" {
		if r.Start, err = parseSigned("start", parts[0]); err != nil {
			return r, err
		}
	}
	if len(parts) == 3 && parts[2] != "" {
		st, err := parseSigned("step", parts[2])
		if err != nil {
			return r, err
		}
		if st.N == 0 {
			return r, rangeErr("invalid step value '" + parts[2] + "': step cannot be zero")
		}
		r.Step, r.Back = st.N, st.Neg
	}
	e := parts[1]
	switch {
	case e == "":
	case strings.HasPrefix(e, "+"):
		if r.Back {
			return r, rangeErr("a negative step cannot be combined with a relative end ('+' or '+-')")
		}
		around := strings.HasPrefix(e, "+-")
		digits := e[1:]
		if around {
			digits = e[2:]
		}
		if digits == "" {
			return r, rangeErr("a relative end ('+' or '+-') requires a count (e.g. '5:+3' or '5:+-3')")
		}
		n, err := parseU64NoPlus(digits)
		if err != nil {
			return r, rangeErr("invalid end value '" + e + "': " + err.Error())
		}
		r.applyRelative(n, around, e)
	default:
		b, err := parseSigned("end", e)
		if err != nil {
			return r, err
		}
		r.End = b
	}
	return r, nil
}

func parseU64NoPlus(s string) (uint64, error) {
	if strings.HasPrefix(s, "+") {
		return 0, errors.New("invalid digit found in string")
	}
	return parseU64(s)
}

// applyRelative turns 'S:+N' and 'S:+-N' into plain bounds.
func (r *Range) applyRelative(n uint64, around bool, text string) {
	s := r.Start
	if !s.Neg {
		if around {
			lo := uint64(0)
			if s.N > n {
				lo = s.N - n
			}
			r.Start = Bound{Set: true, N: lo, Text: s.Text}
		}
		r.End = Bound{Set: true, N: satAdd(s.N, n), Text: text}
		return
	}
	k := s.N
	if around {
		r.Start = Bound{Set: true, Neg: true, N: satAdd(k, n), Text: s.Text}
	}
	if n < k {
		r.End = Bound{Set: true, Neg: true, N: k - n, Text: text}
	} else {
		r.End = Bound{Text: text}
	}
}

// NeedsLen reports whether the selection depends on the input's length.
func (r Range) NeedsLen() bool {
	return r.Start.Neg || r.End.Neg || (r.Back && !r.Start.Set)
}

// Indices resolves the range against an input of n elements exactly as
// Python's slice.indices does. The result walks start, start±step, ...
// while before stop (forward) or after stop (backward); stop may be -1.
func (r Range) Indices(n int64) (start, stop, step int64) {
	step = int64(min(r.Step, 1<<62))
	if !r.Back {
		return clampFwd(r.Start, 0, n), clampFwd(r.End, n, n), step
	}
	return clampBack(r.Start, n-1, n), clampBack(r.End, -1, n), -step
}

func clampFwd(b Bound, def, n int64) int64 {
	switch {
	case !b.Set:
		return def
	case b.Neg:
		if b.N >= uint64(n) {
			return 0
		}
		return n - int64(b.N)
	case b.N > uint64(n):
		return n
	}
	return int64(b.N)
}

func clampBack(b Bound, def, n int64) int64 {
	switch {
	case !b.Set:
		return def
	case b.Neg:
		if b.N > uint64(n) {
			return -1
		}
		return n - int64(b.N)
	case b.N >= uint64(n):
		return n - 1
	}
	return int64(b.N)
}

// Count is the number of elements selected from an input of n elements.
func (r Range) Count(n int64) int64 {
	s, e, st := r.Indices(n)
	if st > 0 {
		if e <= s {
			return 0
		}
		return (e - s + st - 1) / st
	}
	if s <= e {
		return 0
	}
	return (s - e - st - 1) / -st
}
