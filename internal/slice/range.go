package slice

import (
	"errors"
	"math"
	"strings"
)

// Bound is one end of a Range: absent, an index from the start, or an
// index counted back from the end of the input.
type Bound struct {
	Set bool   // the field was given
	Neg bool   // counted from the end: len-N
	N   uint64 // magnitude; 0 is never Neg
}

// Range is a parsed START:END:STEP, with relative ends ('+N', '+-N')
// already turned into plain bounds.
type Range struct {
	Start, End Bound
	Step       uint64 // magnitude, at least 1
	Back       bool   // negative step
}

// RangeError is a RANGE that does not parse; Error is the reason alone,
// without the argument, as clap prints it after "for '<RANGE>': ".
type RangeError struct{ Msg string }

func (e *RangeError) Error() string { return e.Msg }

func rangeErr(msg string) error { return &RangeError{Msg: msg} }

// Messages of Rust's integer parsing, which the reference prints.
var (
	errEmpty    = errors.New("cannot parse integer from empty string")
	errDigit    = errors.New("invalid digit found in string")
	errOverflow = errors.New("number too large to fit in target type")
	errZero     = errors.New("number would be zero for non-zero type")
)

// parseU64 parses like Rust's u64::from_str: an optional '+', then decimal
// digits only; the first bad digit or the first overflow, whichever comes
// first, is the error.
func parseU64(s string) (uint64, error) {
	if s == "" {
		return 0, errEmpty
	}
	d := s
	if d[0] == '+' {
		d = d[1:]
		if d == "" {
			return 0, errDigit
		}
	}
	var v uint64
	for i := 0; i < len(d); i++ {
		c := d[i]
		if c < '0' || c > '9' {
			return 0, errDigit
		}
		if v > (math.MaxUint64-uint64(c-'0'))/10 {
			return 0, errOverflow
		}
		v = v*10 + uint64(c-'0')
	}
	return v, nil
}

// parseField parses a start, end or step field as the reference does: an
// unsigned integer, or '-' followed by one (a digit must follow the '-':
// '-+1' and '--1' keep the plain parse's error). An empty field is unset.
// nonZero is the step's rule.
func parseField(name, s string, nonZero bool) (Bound, error) {
	b := Bound{}
	n, err := parseU64(s)
	if err == errEmpty {
		return b, nil
	}
	if err != nil && len(s) > 1 && s[0] == '-' && s[1] >= '0' && s[1] <= '9' {
		b.Neg = true
		n, err = parseU64(s[1:])
	}
	if err == nil && nonZero && n == 0 {
		err = errZero
	}
	if err != nil {
		return b, rangeErr("invalid " + name + " value '" + s + "': " + err.Error())
	}
	b.Set, b.N = true, n
	if n == 0 {
		b.Neg = false // Python has no -0: it is the head
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
// relative end forms 's:+N' and 's:+-N'. Like the reference, it reports
// the first error from left to right: the start field, the missing colon,
// the end, the step, then too many fields.
func ParseRange(s string) (Range, error) {
	r := Range{Step: 1}
	parts := strings.Split(s, ":")
	var err error
	if r.Start, err = parseField("start", parts[0], false); err != nil {
		return r, err
	}
	if len(parts) < 2 {
		return r, rangeErr("range requires a ':' separator (e.g. '3:4', '3:', or ':3')")
	}
	e := parts[1]
	relative, around := strings.HasPrefix(e, "+"), strings.HasPrefix(e, "+-")
	var n uint64
	switch {
	case relative:
		amount := e[1:]
		if around {
			amount = e[2:]
		}
		if n, err = parseU64(amount); err == errEmpty {
			return r, rangeErr("a relative end ('+' or '+-') requires a count (e.g. '5:+3' or '5:+-3')")
		} else if err != nil {
			return r, rangeErr("invalid end value '" + amount + "': " + err.Error())
		}
	default:
		if r.End, err = parseField("end", e, false); err != nil {
			return r, err
		}
	}
	if len(parts) > 2 {
		st, err := parseField("step", parts[2], true)
		if err != nil {
			return r, err
		}
		if st.Set {
			r.Step, r.Back = st.N, st.Neg
		}
	}
	if len(parts) > 3 {
		return r, rangeErr("too many ':' separators in range (expected at most start:end:step)")
	}
	if relative {
		if r.Back {
			return r, rangeErr("a negative step cannot be combined with a relative end ('+' or '+-')")
		}
		r.applyRelative(n, around)
	}
	return r, nil
}

// applyRelative turns 'S:+N' and 'S:+-N' into plain bounds.
func (r *Range) applyRelative(n uint64, around bool) {
	s := r.Start
	if !s.Neg {
		if around {
			lo := uint64(0)
			if s.N > n {
				lo = s.N - n
			}
			r.Start = Bound{Set: true, N: lo}
		}
		r.End = Bound{Set: true, N: satAdd(s.N, n)}
		return
	}
	k := s.N
	if around {
		r.Start = Bound{Set: true, Neg: true, N: satAdd(k, n)}
	}
	if n < k {
		r.End = Bound{Set: true, Neg: true, N: k - n}
	} else {
		r.End = Bound{}
	}
}

// Empty reports whether the range selects nothing whatever the input's
// length, so that no input need be read (the reference's static empty
// plans: '5:3', ':0', '-3:-3', '-5:0', '1:5:-1', '-5:-2:-1', '9:-1:-1').
func (r Range) Empty() bool {
	s, e := r.Start, r.End
	if r.Back {
		if !s.Set {
			s = Bound{Set: true, Neg: true, N: 1}
		}
		switch {
		case !e.Set:
			return false
		case !s.Neg && !e.Neg:
			return s.N <= e.N
		case s.Neg && e.Neg && s.N >= e.N:
			return true
		}
		return e.Neg && e.N == 1
	}
	switch {
	case !e.Set:
		return false
	case !s.Neg && !e.Neg:
		return s.N >= e.N
	case s.Neg && e.Neg:
		return s.N <= e.N
	}
	return s.Neg && e.N == 0
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
