package slice

import (
	"bytes"
	"io"
	"strconv"
	"testing"
	"testing/iotest"
	"time"
)

var raceEnabled bool

// pySlice is Python's elems[start:stop:step] written out plainly (CPython's
// PySlice_AdjustIndices): the model the engines are checked against.
func pySlice(n int, start, stop *int, step int) []int {
	var lower, upper int
	if step < 0 {
		lower, upper = -1, n-1
	} else {
		lower, upper = 0, n
	}
	adjust := func(p *int, def int) int {
		if p == nil {
			return def
		}
		v := *p
		if v < 0 {
			v += n
			if v < lower {
				v = lower
			}
		} else if v > upper {
			v = upper
		}
		return v
	}
	var s, e int
	if step < 0 {
		s, e = adjust(start, upper), adjust(stop, lower)
	} else {
		s, e = adjust(start, lower), adjust(stop, upper)
	}
	var out []int
	for i := s; step > 0 && i < e || step < 0 && i > e; i += step {
		out = append(out, i)
	}
	return out
}

// modeCase makes inputs of n elements in one mode.
type modeCase struct {
	name  string
	opts  Options
	delim string // records: the delimiter that moves in reverse output
	elem  func(i, n int) string
}

var graphemes = []string{"a", "e\u0301", "👨\u200d👩\u200d👧", "🇯🇵", "\r\n", "\xff", "\u0301", "あ", "z"}

var modeCases = []modeCase{
	{"lines", Options{}, "\n", func(i, n int) string {
		s := strconv.Itoa(i) + string(make([]byte, i%3)) + "x"
		if i%5 == 4 {
			s = ""
		}
		if i == n-1 && n%3 == 1 {
			return s + "y" // unterminated last line
		}
		return s + "\n"
	}},
	{"bytes", Options{Mode: Bytes}, "", func(i, n int) string { return string(rune('a' + i%26)) }},
	{"chars", Options{Mode: Chars}, "", func(i, n int) string {
		return []string{"a", "é", "あ", "\xff", "😀", "\xe3", "b"}[i%7]
	}},
	{"graphemes", Options{Mode: Graphemes}, "", func(i, n int) string { return graphemes[i%len(graphemes)] }},
	{"null", Options{Delim: []byte{0}}, "\x00", func(i, n int) string {
		if i == n-1 && n%2 == 1 {
			return "last"
		}
		return "r" + strconv.Itoa(i) + "\x00"
	}},
	{"delimiter", Options{Delim: []byte(", ")}, ", ", func(i, n int) string {
		s := []string{"a", ",", " ", "bc", ""}[i%5]
		if i == n-1 && n%2 == 1 {
			if s == "," {
				s = "q"
			}
			return s + "z"
		}
		return s + ", "
	}},
	{"overlapping", Options{Delim: []byte("::")}, "::", func(i, n int) string {
		s := []string{"a", ":b", "", "b:c", "c"}[i%5] // none ends in ":"
		if i == n-1 && n%2 == 1 {
			return "z" + s
		}
		return s + "::"
	}},
	{"comma", Options{Delim: []byte(",")}, ",", func(i, n int) string {
		if i == n-1 && n%2 == 1 {
			return "end"
		}
		return strconv.Itoa(i) + ","
	}},
}

// expected is what the model says the output is: the selected elements,
// and in reverse output an unterminated last element's delimiter moved to
// the end.
func expected(elems []string, idx []int, delim string, back bool) string {
	var b []byte
	moved := false
	for _, i := range idx {
		e := elems[i]
		if moved {
			b = append(b, delim...)
			e = e[:len(e)-len(delim)]
		} else if back && delim != "" && i == len(elems)-1 && len(e) < len(delim) || back && delim != "" && i == len(elems)-1 && e[len(e)-len(delim):] != delim {
			moved = true
		}
		b = append(b, e...)
	}
	return string(b)
}

func bound(v int, set bool) string {
	if !set {
		return ""
	}
	return strconv.Itoa(v)
}

// run selects with the in-process engine: through the regular-file path
// when file, else through the forward-only path, reading in pieces.
func run(t testing.TB, data []byte, rng Range, o Options, file bool, pieces int) string {
	var out bytes.Buffer
	w := NewWriter(&out, 0)
	var in Input
	switch {
	case file:
		in = Input{R: bytes.NewReader(data), At: bytes.NewReader(data), Size: int64(len(data))}
	case pieces == 1:
		in = Input{R: iotest.OneByteReader(bytes.NewReader(data))}
	default:
		in = Input{R: iotest.HalfReader(bytes.NewReader(data))}
	}
	if err := Run(w, in, rng, o); err != nil {
		t.Fatalf("Run(%+v): %v", rng, err)
	}
	w.Flush()
	return out.String()
}

// TestSelectionMatchesModel checks every mode, for regular files and
// pipes, against Python's rules: all lengths 0..40, all bounds -20..20 or
// omitted, steps ±1, ±2, ±3, ±7.
func TestSelectionMatchesModel(t *testing.T) {
	steps := []int{1, -1, 2, -2, 3, -3, 7, -7}
	// Check every sample-th combination: all of them normally, a
	// deterministic spread under -race (about 7x slower) and -short.
	sample := 1
	switch {
	case testing.Short():
		sample = 97
	case raceEnabled:
		sample = 13
	}
	for _, mc := range modeCases {
		t.Run(mc.name, func(t *testing.T) {
			t.Parallel()
			checkMode(t, mc, steps, sample)
		})
	}
}

func checkMode(t *testing.T, mc modeCase, steps []int, sample int) {
	began := time.Now()
	checked := 0
	{
		for n := 0; n <= 40; n++ {
			var elems []string
			var data []byte
			for i := 0; i < n; i++ {
				e := mc.elem(i, n)
				elems = append(elems, e)
				data = append(data, e...)
			}
			k := 0
			for _, step := range steps {
				for s := -21; s <= 20; s++ {
					for e := -21; e <= 20; e++ {
						k++
						if (k+n)%sample != 0 {
							continue
						}
						// -21 stands for an omitted bound.
						sp, ep := &s, &e
						if s == -21 {
							sp = nil
						}
						if e == -21 {
							ep = nil
						}
						stepText := strconv.Itoa(step)
						if step == 1 && k%2 == 0 {
							stepText = ""
						}
						text := bound(s, sp != nil) + ":" + bound(e, ep != nil)
						if stepText != "" || k%3 == 0 {
							text += ":" + stepText
						}
						rng, err := ParseRange(text)
						if err != nil {
							t.Fatalf("ParseRange(%q): %v", text, err)
						}
						want := expected(elems, pySlice(n, sp, ep, step), mc.delim, step < 0)
						o := mc.opts
						o.BufSize = []int{0, 1, 3, 16}[k%4]
						for _, file := range []bool{true, false} {
							got := run(t, data, rng, o, file, k%8)
							if got != want {
								t.Fatalf("%s: slice %s over %q (file %v, buffer %d): got %q, want %q",
									mc.name, text, data, file, o.BufSize, got, want)
							}
							checked++
						}
					}
				}
			}
		}
	}
	t.Logf("%d selections checked in %v", checked, time.Since(began))
}

// TestRelativeEnd checks 's:+N' and 's:+-N' against the forms the spec
// says they equal.
func TestRelativeEnd(t *testing.T) {
	data := []byte("0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n")
	for s := -12; s <= 12; s++ {
		for n := 0; n <= 12; n++ {
			var plus, around string
			switch {
			case s >= 0:
				plus = strconv.Itoa(s) + ":" + strconv.Itoa(s+n)
				around = strconv.Itoa(max(s-n, 0)) + ":" + strconv.Itoa(s+n)
			default:
				k := -s
				end := ""
				if n < k {
					end = strconv.Itoa(-(k - n))
				}
				plus = strconv.Itoa(s) + ":" + end
				around = strconv.Itoa(-(k + n)) + ":" + end
			}
			for _, c := range []struct{ rel, plain string }{
				{strconv.Itoa(s) + ":+" + strconv.Itoa(n), plus},
				{strconv.Itoa(s) + ":+-" + strconv.Itoa(n), around},
			} {
				r1, err := ParseRange(c.rel)
				if err != nil {
					t.Fatal(err)
				}
				r2, err := ParseRange(c.plain)
				if err != nil {
					t.Fatal(err)
				}
				for _, file := range []bool{true, false} {
					if a, b := run(t, data, r1, Options{}, file, 0), run(t, data, r2, Options{}, file, 0); a != b {
						t.Errorf("%s gave %q, %s gave %q", c.rel, a, c.plain, b)
					}
				}
			}
		}
	}
}

func TestWriterStopsAtFirstError(t *testing.T) {
	w := NewWriter(errWriter{}, 16)
	rng, _ := ParseRange("::")
	err := Run(w, Input{R: bytes.NewReader(bytes.Repeat([]byte("abc\n"), 1000))}, rng, Options{})
	if _, ok := err.(*WriteError); !ok {
		t.Fatalf("Run to a failing writer: %v, want a *WriteError", err)
	}
}

type errWriter struct{}

func (errWriter) Write([]byte) (int, error) { return 0, io.ErrClosedPipe }
