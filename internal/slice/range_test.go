package slice

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
)

func TestParseRange(t *testing.T) {
	tests := []struct {
		in   string
		want string // "start stop step" for 10 elements, or the error
	}{
		{in: ":", want: "0 10 1"},
		{in: "::", want: "0 10 1"},
		{in: "1:2:", want: "1 2 1"},
		{in: "+3:", want: "3 10 1"},
		{in: "::+2", want: "0 10 2"},
		{in: "-0:", want: "0 10 1"},
		{in: ":-0", want: "0 0 1"},
		{in: "::-1", want: "9 -1 -1"},
		{in: "-3:+2", want: "7 9 1"},
		{in: "-3:+5", want: "7 10 1"},
		{in: "-3:+-1", want: "6 8 1"},
		{in: "5:+-10", want: "0 10 1"},
		{in: "18446744073709551615:+5", want: "10 10 1"},
		{in: "-18446744073709551615:", want: "0 10 1"},
		{in: "18446744073709551616:", want: "invalid start value '18446744073709551616': number too large to fit in target type"},
		{in: " 1:", want: "invalid start value ' 1': invalid digit found in string"},
		{in: "1:+x", want: "invalid end value 'x': invalid digit found in string"},
		{in: "1:++2", want: "1 3 1"},
		{in: "1:+--2", want: "invalid end value '-2': invalid digit found in string"},
		{in: "1:-", want: "invalid end value '-': invalid digit found in string"},
		{in: "-+1:", want: "invalid start value '-+1': invalid digit found in string"},
		{in: ":-+1", want: "invalid end value '-+1': invalid digit found in string"},
		{in: "::-+1", want: "invalid step value '-+1': invalid digit found in string"},
		{in: "::-0", want: "invalid step value '-0': number would be zero for non-zero type"},
		{in: "99999999999999999999x:", want: "invalid start value '99999999999999999999x': number too large to fit in target type"},
		{in: "abc", want: "invalid start value 'abc': invalid digit found in string"},
		{in: "1:2:3:4", want: "too many ':' separators in range (expected at most start:end:step)"},
		{in: "1:2:x:4", want: "invalid step value 'x': invalid digit found in string"},
		{in: "1:+-", want: "a relative end ('+' or '+-') requires a count (e.g. '5:+3' or '5:+-3')"},
		{in: "::-", want: "invalid step value '-': invalid digit found in string"},
		{in: "::+", want: "invalid step value '+': invalid digit found in string"},
		{in: "", want: "range requires a ':' separator (e.g. '3:4', '3:', or ':3')"},
	}
	for _, tc := range tests {
		r, err := ParseRange(tc.in)
		got := ""
		if err != nil {
			got = err.Error()
		} else {
			s, e, st := r.Indices(10)
			got = strconv.FormatInt(s, 10) + " " + strconv.FormatInt(e, 10) + " " + strconv.FormatInt(st, 10)
		}
		if got != tc.want {
			t.Errorf("ParseRange(%q): %s, want %s", tc.in, got, tc.want)
		}
	}
}

// TestParseSize: sizes parse as the reference's bytesize crate parses
// them, with its messages.
func TestParseSize(t *testing.T) {
	for in, want := range map[string]uint64{"1B": 1, "8KB": 8000, "64KiB": 65536, "1MiB": 1 << 20, "2k": 2000,
		"2Ki": 2048, "3": 3, "+3": 3, "1gb": 1e9, "1.5KiB": 1536, "1 MB": 1e6, ".5k": 500, "1TB": 1e12,
		"99999999999GiB": math.MaxUint64, "99999999999999999999999B": math.MaxUint64} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for in, want := range map[string]string{
		"0":      "0 is not allowed",
		"0KB":    "0 is not allowed",
		"":       `couldn't parse "" into a ByteSize, cannot parse float from empty string`,
		"abc":    `couldn't parse "abc" into a ByteSize, cannot parse float from empty string`,
		"-1":     `couldn't parse "-1" into a ByteSize, cannot parse float from empty string`,
		"1.2.3":  `couldn't parse "1.2.3" into a ByteSize, invalid float literal`,
		"1XB":    `couldn't parse "XB" into a known SI unit, Failed to parse unit "XB"`,
		"1bytes": `couldn't parse "bytes" into a known SI unit, Failed to parse unit "byt..."`,
		"1":      "",
	} {
		_, err := ParseSize(in)
		if got := fmt.Sprint(err); err == nil && want != "" || err != nil && got != want {
			t.Errorf("ParseSize(%q): %v, want %s", in, err, want)
		}
	}
}

// FuzzParseRange: the parser never panics, and what it accepts resolves
// within bounds, consistently with Count, for any length.
func FuzzParseRange(f *testing.F) {
	for _, s := range []string{":", "1:3", "-5:", ":-2", "::-1", "5:+3", "5:+-3", "-3:+-1", "1:2:3:4",
		"18446744073709551615:", "+1::+2", "-:", "::0", "a:b", "1:+", ":-0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRange(s)
		if err != nil {
			if !strings.Contains(s, ":") && err.Error() != "range requires a ':' separator (e.g. '3:4', '3:', or ':3')" &&
				!strings.HasPrefix(err.Error(), "invalid start value '") {
				t.Fatalf("ParseRange(%q) without ':': %v", s, err)
			}
			return
		}
		for _, o := range []Options{{}, {Mode: Bytes}, {Mode: Graphemes}, {Delim: []byte(",")}} {
			Explain(r, o)
			Translate(r, o, "all")
		}
		if r.Step == 0 {
			t.Fatalf("ParseRange(%q): zero step", s)
		}
		for _, n := range []int64{0, 1, 2, 7, 1000} {
			start, stop, step := r.Indices(n)
			lo := int64(0)
			if step < 0 {
				lo = -1
			}
			if start < lo || start > n || stop < lo || stop > n {
				t.Fatalf("ParseRange(%q).Indices(%d) = %d, %d out of bounds", s, n, start, stop)
			}
			count := int64(0)
			for k := start; step > 0 && k < stop || step < 0 && k > stop; k += step {
				if k < 0 || k >= n {
					t.Fatalf("ParseRange(%q) selects %d of %d", s, k, n)
				}
				count++
			}
			if c := r.Count(n); c != count {
				t.Fatalf("ParseRange(%q).Count(%d) = %d, walked %d", s, n, c, count)
			}
			if r.Empty() && count > 0 {
				t.Fatalf("ParseRange(%q) is Empty but selects %d of %d", s, count, n)
			}
		}
	})
}

// TestExplainCount: the count --explain prints ("count: N" or "count: at
// most N") is the most the range selects from any input, and Empty agrees
// with it.
func TestExplainCount(t *testing.T) {
	fields := []string{"", "0", "3", "7", "-1", "-3", "-7"}
	for _, s := range fields {
		for _, e := range fields {
			for _, st := range []string{"", "2", "-1", "-3"} {
				text := s + ":" + e + ":" + st
				r, err := ParseRange(text)
				if err != nil {
					t.Fatal(err)
				}
				most := int64(0)
				for n := int64(0); n <= 50; n++ {
					most = max(most, r.Count(n))
				}
				if r.Empty() != (most == 0) {
					t.Errorf("%s: Empty() %v, but selects up to %d", text, r.Empty(), most)
				}
				ex := Explain(r, Options{})
				_, count, _ := strings.Cut(ex, "count: ")
				count = strings.TrimSuffix(strings.TrimPrefix(count, "at most "), "\n")
				want, err := strconv.ParseInt(count, 10, 64)
				if err != nil {
					continue // depends on the input's length
				}
				if want != most {
					t.Errorf("%s: --explain says count %d, but selects up to %d:\n%s", text, want, most, ex)
				}
			}
		}
	}
}

// FuzzParseSize: sizes never panic, and what is accepted is positive.
func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"1B", "8KB", "1.5MiB", " 1", "1 kib", "0", "", ".", "1e3", "99999999999999999999EiB", "+1", "1\u00e9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if n, err := ParseSize(s); err == nil && n == 0 {
			t.Fatalf("ParseSize(%q) = 0", s)
		}
	})
}

// FuzzUnescape: escapes never panic, and text without a backslash comes
// back unchanged.
func FuzzUnescape(f *testing.F) {
	for _, s := range []string{`\t`, `\x41`, `\x`, `\x4`, `\xZZ`, `a\`, `\q`, `\\`, "\xe9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := Unescape(s)
		if !strings.Contains(s, `\`) && (err != nil || string(b) != s) {
			t.Fatalf("Unescape(%q) = %q, %v", s, b, err)
		}
	})
}
