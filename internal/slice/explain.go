package slice

import (
	"strconv"
	"strings"
)

// unitName is what an element is called in explanations.
func unitName(o Options) (one, many string) {
	switch {
	case o.Mode == Bytes:
		return "byte", "bytes"
	case o.Mode == Chars:
		return "character", "characters"
	case o.Mode == Graphemes:
		return "grapheme cluster", "grapheme clusters"
	case len(o.Delim) == 0 || string(o.Delim) == "\n":
		return "line", "lines"
	}
	return "record", "records"
}

func u64(n uint64) string { return strconv.FormatUint(n, 10) }

func ordinal(n uint64) string {
	s := u64(n)
	switch {
	case n%100 >= 11 && n%100 <= 13:
		return s + "th"
	case n%10 == 1:
		return s + "st"
	case n%10 == 2:
		return s + "nd"
	case n%10 == 3:
		return s + "rd"
	}
	return s + "th"
}

// describe says where a bound lies; inclusive tells the 1-based reading
// of an end bound.
func describe(b Bound, one string, end bool) string {
	if b.Neg {
		s := "index -" + u64(b.N) + " = len-" + u64(b.N) + ", the " + ordinal(b.N) + " " + one + " from the end"
		if end {
			s += " (excluded)"
		}
		return s
	}
	if end {
		if b.N == 0 {
			return "index 0 (0-based, excluded): before the first " + one
		}
		return "index " + u64(b.N) + " (0-based, excluded) = up to " + one + " " + u64(b.N) + " (1-based, included)"
	}
	return "index " + u64(b.N) + " (0-based) = " + one + " " + u64(satAdd(b.N, 1)) + " (1-based)"
}

// maxCount is the most elements r can select whatever the input's length,
// or false when that grows with the input.
func (r Range) maxCount() (uint64, bool) {
	div := func(a uint64) uint64 { return a/r.Step + min(1, a%r.Step) }
	s, e := r.Start, r.End
	if !r.Back {
		switch {
		case !s.Neg && e.Set && !e.Neg:
			if e.N <= s.N {
				return 0, true
			}
			return div(e.N - s.N), true
		case s.Neg && !e.Set:
			return div(s.N), true
		case s.Neg && e.Neg:
			if e.N >= s.N {
				return 0, true
			}
			return div(s.N - e.N), true
		}
		return 0, false
	}
	// Backwards: start counts down to end (excluded).
	switch {
	case s.Set && !s.Neg && (!e.Set || !e.Neg):
		lo := uint64(0) // first index that may be selected
		if e.Set {
			lo = e.N + 1
		}
		if s.N < lo {
			return 0, true
		}
		return div(s.N - lo + 1), true
	case (!s.Set || s.Neg) && e.Neg:
		k := uint64(1)
		if s.Set {
			k = s.N
		}
		if e.N <= k {
			return 0, true
		}
		return div(e.N - k), true
	}
	return 0, false
}

// Explain describes what r selects, without reading any input.
func Explain(r Range, o Options) string {
	one, many := unitName(o)
	var b strings.Builder
	line := func(k, v string) { b.WriteString(k + strings.Repeat(" ", 8-len(k)) + v + "\n") }
	line("range:", r.Text+" ("+many+")")
	step, dir := u64(r.Step), "forwards"
	if r.Back {
		step, dir = "-"+step, "backwards"
	}
	line("step:", step+" ("+dir+", every "+ordinal(r.Step)+" "+one+")")
	switch {
	case r.Start.Set:
		line("start:", describe(r.Start, one, false))
	case r.Back:
		line("start:", "the last "+one)
	default:
		line("start:", "index 0 (0-based) = "+one+" 1 (1-based)")
	}
	switch {
	case r.End.Set:
		line("end:", describe(r.End, one, true))
	case r.Back:
		line("end:", "through the first "+one)
	default:
		line("end:", "through the last "+one)
	}
	if n, ok := r.maxCount(); ok {
		if n == 0 {
			line("count:", "0: the range selects nothing")
		} else {
			unit := many
			if n == 1 {
				unit = one
			}
			line("count:", "at most "+u64(n)+" "+unit+" (fewer when the input is shorter)")
		}
	} else {
		line("count:", "depends on the input's length")
	}
	return b.String()
}

// Flavors are the --translate targets, in the order 'all' prints them.
var Flavors = []string{"posix", "bsd", "gnu", "awk"}

func quote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=+,:@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Translate returns the command line that does what r does with the
// classic tools of one flavor, reading files (standard input when none),
// or false when there is none.
func Translate(r Range, o Options, flavor string, files []string) (string, bool) {
	stages := translate(r, o, flavor)
	if stages == nil {
		return "", false
	}
	if strings.HasPrefix(stages[0], "dd ") {
		if len(files) > 1 {
			return "", false
		}
		for _, f := range files {
			stages[0] += " if=" + quote(f)
		}
	} else {
		for _, f := range files {
			stages[0] += " " + quote(f)
		}
	}
	return strings.Join(stages, " | "), true
}

func translate(r Range, o Options, flavor string) []string {
	lines := o.Mode == Records && (len(o.Delim) == 0 || string(o.Delim) == "\n")
	null := o.Mode == Records && string(o.Delim) == "\x00"
	gnu := flavor == "gnu"
	switch {
	case o.Mode == Bytes:
		return translateBytes(r, flavor)
	case null && gnu:
	case !lines:
		return nil
	}
	z := ""
	if null {
		z = "-z "
	}
	s, e, st := r.Start, r.End, r.Step
	S, E := u64(satAdd(s.N, 1)), u64(e.N)
	awk := flavor == "awk"
	if r.Back {
		if s.Set || e.Set || st != 1 || null {
			return nil
		}
		switch flavor {
		case "gnu":
			return []string{"tac"}
		case "bsd":
			return []string{"tail -r"}
		case "posix":
			return []string{"sed -n '1!G;h;$p'"}
		}
		return []string{"awk '{a[NR]=$0} END{for(i=NR;i>=1;i--)print a[i]}'"}
	}
	switch {
	case st != 1 && !s.Neg && (!e.Set || !e.Neg):
		switch {
		case gnu && !e.Set:
			return []string{"sed " + z + "-n '" + S + "~" + u64(st) + "p'"}
		case gnu && e.N > s.N:
			return []string{"sed " + z + "-n '" + S + "~" + u64(st) + "p;" + E + "q'"}
		case awk:
			cond := "NR>" + u64(s.N) + " && (NR-" + S + ")%" + u64(st) + "==0"
			if e.Set {
				cond = "NR>" + E + "{exit} " + cond
			}
			return []string{"awk '" + cond + "'"}
		}
		return nil
	case st != 1:
		return nil
	case !s.Neg && !e.Set:
		if awk {
			return []string{"awk 'NR>" + u64(s.N) + "'"}
		}
		return []string{"tail " + z + "-n +" + S}
	case !s.Neg && !e.Neg:
		switch {
		case e.N <= s.N:
			return []string{"true"}
		case awk:
			return []string{"awk 'NR>" + E + "{exit} NR>" + u64(s.N) + "'"}
		case s.N == 0:
			return []string{"head " + z + "-n " + E}
		case flavor == "posix":
			return []string{"sed -n '" + S + "," + E + "p'"}
		}
		return []string{"sed " + z + "-n '" + S + "," + E + "p;" + E + "q'"}
	case s.Neg && !e.Set:
		if awk {
			k := u64(s.N)
			return []string{"awk '{a[NR%" + k + "]=$0} END{for(i=NR-" + k + "+1;i<=NR;i++)if(i>0)print a[i%" + k + "]}'"}
		}
		return []string{"tail " + z + "-n " + u64(s.N)}
	case !s.Neg && e.Neg:
		m := u64(e.N)
		switch {
		case awk:
			return []string{"awk 'NR>" + m + " && NR-" + m + ">" + u64(s.N) + "{print a[NR%" + m + "]} {a[NR%" + m + "]=$0}'"}
		case !gnu:
			return nil
		case s.N == 0:
			return []string{"head " + z + "-n -" + m}
		}
		return []string{"tail " + z + "-n +" + S, "head " + z + "-n -" + m}
	case s.Neg && e.Neg && gnu:
		if e.N >= s.N {
			return []string{"true"}
		}
		return []string{"tail " + z + "-n " + u64(s.N), "head " + z + "-n -" + u64(e.N)}
	}
	return nil
}

func translateBytes(r Range, flavor string) []string {
	s, e := r.Start, r.End
	if r.Back || r.Step != 1 || flavor == "awk" {
		return nil
	}
	S := u64(satAdd(s.N, 1))
	switch {
	case !s.Neg && !e.Set:
		return []string{"tail -c +" + S}
	case s.Neg && !e.Set:
		return []string{"tail -c " + u64(s.N)}
	case !s.Neg && e.Set && !e.Neg:
		if e.N <= s.N {
			return []string{"true"}
		}
		c := u64(e.N - s.N)
		switch flavor {
		case "gnu":
			if s.N == 0 {
				return []string{"head -c " + c}
			}
			return []string{"dd iflag=skip_bytes,count_bytes skip=" + u64(s.N) + " count=" + c + " status=none"}
		case "bsd":
			if s.N == 0 {
				return []string{"head -c " + c}
			}
			return []string{"tail -c +" + S, "head -c " + c}
		}
		return []string{"dd bs=1 skip=" + u64(s.N) + " count=" + c + " 2>/dev/null"}
	case !s.Neg && e.Neg && flavor == "gnu":
		if s.N == 0 {
			return []string{"head -c -" + u64(e.N)}
		}
		return []string{"tail -c +" + S, "head -c -" + u64(e.N)}
	}
	return nil
}
