package slice

import (
	"strconv"
	"strings"
)

// index is a bound as the reference models it: an offset from the start,
// or (fromEnd, n >= 1) a distance back from the end.
type index struct {
	fromEnd bool
	n       uint64
}

// form is a Range in the reference's model: an absent start is 0 (the last
// element, 1 from the end, for a negative step) and end is absent when
// hasEnd is false.
type form struct {
	start, end index
	hasEnd     bool
	step       uint64
	back       bool
}

func (r Range) form() form {
	f := form{step: r.Step, back: r.Back}
	switch {
	case r.Start.Set:
		f.start = index{r.Start.Neg, r.Start.N}
	case r.Back:
		f.start = index{true, 1}
	}
	if r.End.Set {
		f.end, f.hasEnd = index{r.End.Neg, r.End.N}, true
	}
	return f
}

// copies reports whether r selects the whole input unchanged (':', '::').
func (r Range) copies() bool {
	f := r.form()
	return !f.back && f.step == 1 && f.start == index{} && !f.hasEnd
}

// unitName is what an element is called in explanations.
func unitName(o Options) string {
	switch {
	case o.Mode == Bytes:
		return "byte"
	case o.Mode == Chars:
		return "character"
	case o.Mode == Graphemes:
		return "grapheme"
	case len(o.Delim) == 0 || string(o.Delim) == "\n":
		return "line"
	}
	return "part"
}

func u64(n uint64) string { return strconv.FormatUint(n, 10) }

func ordinalSuffix(n uint64) string {
	switch {
	case n%100 >= 11 && n%100 <= 13:
		return "th"
	case n%10 == 1:
		return "st"
	case n%10 == 2:
		return "nd"
	case n%10 == 3:
		return "rd"
	}
	return "th"
}

func ordinal(n uint64) string { return u64(n) + ordinalSuffix(n) }

func divCeil(a, b uint64) uint64 { return a/b + min(a%b, 1) }

// every is "every 2nd line " for a step above 1.
func every(step uint64, unit string) string {
	return "every " + u64(step) + ordinalSuffix(step) + " " + unit + " "
}

// Explain says, without reading any input, what r selects: its bounds,
// the 0-based indices, the 1-based positions and how many elements, in
// the reference's words.
func Explain(r Range, o Options) string {
	f, unit := r.form(), unitName(o)
	switch {
	case f.back:
		return explainReverse(f, unit)
	case f.start.fromEnd:
		return explainTail(f, unit)
	case f.hasEnd && f.end.fromEnd:
		return explainLag(f, unit)
	}
	return explainResolved(f, unit)
}

func explainResolved(f form, unit string) string {
	var b strings.Builder
	start, end, step := f.start.n, f.end.n, f.step
	b.WriteString("start: " + u64(start) + "\n")
	if f.hasEnd {
		b.WriteString("end:   " + u64(end) + " (exclusive)\n")
		b.WriteString("step:  " + u64(step) + "\n")
		b.WriteString("0-based: " + unit + "s at indices [" + u64(start) + ", " + u64(end) + ")")
	} else {
		b.WriteString("end:   end of input\n")
		b.WriteString("step:  " + u64(step) + "\n")
		b.WriteString("0-based: " + unit + "s at indices [" + u64(start) + ", end of input)")
	}
	if step != 1 {
		b.WriteString(", every " + u64(step) + " starting at " + u64(start))
	}
	b.WriteString("\n")
	first := satAdd(start, 1)
	switch {
	case !f.hasEnd && step == 1:
		b.WriteString("1-based: from the " + ordinal(first) + " " + unit + " to the last " + unit + "\n")
		b.WriteString("count: until end of input (step " + u64(step) + ")")
	case !f.hasEnd:
		b.WriteString("1-based: " + every(step, unit) + "from the " + ordinal(first) + " " + unit + " to the last " + unit + "\n")
		b.WriteString("count: until end of input (step " + u64(step) + ")")
	case start >= end:
		b.WriteString("1-based: empty (start " + u64(first) + " is at or past end " + u64(end) + ")\n")
		b.WriteString("count: 0")
	default:
		if step == 1 {
			b.WriteString("1-based: from the " + ordinal(first) + " " + unit + " to the " + ordinal(end) + " " + unit + "\n")
		} else {
			b.WriteString("1-based: " + every(step, unit) + "from the " + ordinal(first) + " " + unit + " up to the " + ordinal(end) + " " + unit + "\n")
		}
		b.WriteString("count: " + u64(divCeil(end-start, step)))
	}
	b.WriteString("\n")
	return b.String()
}

// explainLag describes 'start:-m': the end depends on the input's length.
func explainLag(f form, unit string) string {
	var b strings.Builder
	start, back, step := f.start.n, f.end.n, f.step
	b.WriteString("start: " + u64(start) + "\n")
	b.WriteString("end:   " + u64(back) + " from the end (exclusive)\n")
	b.WriteString("step:  " + u64(step) + "\n")
	b.WriteString("0-based: " + unit + "s at indices [" + u64(start) + ", length-" + u64(back) + ")")
	if step != 1 {
		b.WriteString(", every " + u64(step) + " starting at " + u64(start))
	}
	b.WriteString(", clamped to the input length\n")
	first, last := ordinal(satAdd(start, 1)), ordinal(satAdd(back, 1))
	if step == 1 {
		b.WriteString("1-based: from the " + first + " " + unit + " to the " + last + " " + unit + " from the end\n")
	} else {
		b.WriteString("1-based: " + every(step, unit) + "from the " + first + " " + unit + " up to the " + last + " " + unit + " from the end\n")
	}
	b.WriteString("count: depends on the input length\n")
	return b.String()
}

// explainTail describes '-k:...': the start depends on the input's length.
func explainTail(f form, unit string) string {
	var b strings.Builder
	back, step := f.start.n, f.step
	b.WriteString("start: " + u64(back) + " from the end\n")
	endText := ""
	switch {
	case !f.hasEnd:
		b.WriteString("end:   end of input\n")
		endText = "end of input"
	case f.end.fromEnd:
		b.WriteString("end:   " + u64(f.end.n) + " from the end (exclusive)\n")
		endText = "length-" + u64(f.end.n)
	default:
		b.WriteString("end:   " + u64(f.end.n) + " (exclusive)\n")
		endText = u64(f.end.n)
	}
	b.WriteString("step:  " + u64(step) + "\n")
	if f.hasEnd && (f.end.fromEnd && back <= f.end.n || !f.end.fromEnd && f.end.n == 0) {
		b.WriteString("0-based: " + unit + "s at indices [length-" + u64(back) + ", " + endText + ")\n")
		b.WriteString("1-based: empty (start length-" + u64(back) + " is at or past end " + endText + ")\n")
		b.WriteString("count: 0\n")
		return b.String()
	}
	b.WriteString("0-based: " + unit + "s at indices [length-" + u64(back) + ", " + endText + ")")
	if step != 1 {
		b.WriteString(", every " + u64(step) + " starting at length-" + u64(back))
	}
	b.WriteString(", clamped to the input length\n")
	first := "the " + ordinal(back) + " " + unit + " from the end"
	last := "the last " + unit
	switch {
	case f.hasEnd && f.end.fromEnd:
		last = "the " + ordinal(satAdd(f.end.n, 1)) + " " + unit + " from the end"
	case f.hasEnd:
		last = "the " + ordinal(f.end.n) + " " + unit
	}
	if step == 1 {
		b.WriteString("1-based: from " + first + " to " + last + "\n")
	} else {
		b.WriteString("1-based: " + every(step, unit) + "from " + first + " up to " + last + "\n")
	}
	switch {
	case !f.hasEnd:
		b.WriteString("count: at most " + u64(divCeil(back, step)) + "\n")
	case f.end.fromEnd:
		b.WriteString("count: at most " + u64(divCeil(back-f.end.n, step)) + "\n")
	default:
		b.WriteString("count: depends on the input length\n")
	}
	return b.String()
}

// explainReverse describes a negative step.
func explainReverse(f form, unit string) string {
	var b strings.Builder
	s, e, step := f.start, f.end, f.step
	switch {
	case s.fromEnd && s.n == 1:
		b.WriteString("start: last " + unit + "\n")
	case s.fromEnd:
		b.WriteString("start: " + u64(s.n) + " from the end\n")
	default:
		b.WriteString("start: " + u64(s.n) + "\n")
	}
	switch {
	case !f.hasEnd:
		b.WriteString("end:   start of input\n")
	case e.fromEnd:
		b.WriteString("end:   " + u64(e.n) + " from the end (exclusive)\n")
	default:
		b.WriteString("end:   " + u64(e.n) + " (exclusive)\n")
	}
	b.WriteString("step:  -" + u64(step) + " (reverse)\n")
	none := ""
	switch {
	case !f.hasEnd:
	case !s.fromEnd && !e.fromEnd && s.n <= e.n:
		none = "start " + u64(s.n) + " is at or below end " + u64(e.n) + " for a reverse step"
	case s.fromEnd && e.fromEnd && s.n >= e.n:
		none = "start " + u64(s.n) + " from the end is at or below end " + u64(e.n) + " from the end for a reverse step"
	case e.fromEnd && e.n == 1:
		none = "an end 1 from the end excludes every " + unit + " a reverse step can reach"
	}
	if none != "" {
		b.WriteString("0-based: none (" + none + ")\n1-based: empty\ncount: 0\n")
		return b.String()
	}
	from := "the " + ordinal(satAdd(s.n, 1)) + " " + unit
	switch {
	case s.fromEnd && s.n == 1:
		from = "the last " + unit
	case s.fromEnd:
		from = "the " + ordinal(s.n) + " " + unit + " from the end"
	}
	to := "the first " + unit
	switch {
	case !f.hasEnd:
	case e.fromEnd:
		to = "the " + ordinal(satAdd(e.n, 1)) + " " + unit + " from the end"
	default:
		to = "the " + ordinal(satAdd(e.n, 2)) + " " + unit
	}
	if s.fromEnd {
		upper := "length"
		if s.n != 1 {
			upper = "length-" + u64(s.n-1)
		}
		lower := "0"
		switch {
		case !f.hasEnd:
		case e.fromEnd:
			lower = "length-" + u64(e.n-1)
		default:
			lower = u64(satAdd(e.n, 1))
		}
		b.WriteString("0-based: " + unit + "s at indices [" + lower + ", " + upper + ") in reverse order")
		if step != 1 {
			if s.n == 1 {
				b.WriteString(", every " + u64(step) + " starting at the last")
			} else {
				b.WriteString(", every " + u64(step) + " starting at " + u64(s.n) + " from the end")
			}
		}
		b.WriteString("\n")
	} else {
		lower := "0"
		switch {
		case !f.hasEnd:
		case e.fromEnd:
			lower = "length-" + u64(e.n-1) + " (end length-" + u64(e.n) + " exclusive)"
		default:
			lower = u64(satAdd(e.n, 1)) + " (end " + u64(e.n) + " exclusive)"
		}
		b.WriteString("0-based: " + unit + "s at indices " + u64(s.n) + " down to " + lower)
		if step != 1 {
			b.WriteString(", every " + u64(step))
		}
		b.WriteString(", clamped to the input length\n")
	}
	if step == 1 {
		b.WriteString("1-based: from " + from + " to " + to + "\n")
	} else {
		b.WriteString("1-based: " + every(step, unit) + "from " + from + " to " + to + "\n")
	}
	switch {
	case s.fromEnd && !f.hasEnd, s.fromEnd && !e.fromEnd:
		b.WriteString("count: until end of input (reverse")
		if step != 1 {
			b.WriteString(", step " + u64(step))
		}
		b.WriteString(")")
		if f.hasEnd {
			if n := satAdd(e.n, 1); n == 1 {
				b.WriteString(", excluding the first " + unit)
			} else {
				b.WriteString(", excluding the first " + u64(n) + " " + unit + "s")
			}
		}
		b.WriteString("\n")
	case s.fromEnd:
		b.WriteString("count: at most " + u64(divCeil(e.n-s.n, step)) + "\n")
	case !f.hasEnd:
		b.WriteString("count: at most " + u64(s.n/step+1) + "\n")
	case !e.fromEnd:
		b.WriteString("count: at most " + u64(divCeil(s.n-e.n, step)) + "\n")
	default:
		b.WriteString("count: depends on the input length\n")
	}
	return b.String()
}
