package probe

import (
	"errors"
	"strings"
	"testing"
)

func httpOutcome(status int, body string) Outcome {
	return Outcome{Probe: Probe{Kind: KindHTTP, Port: 80, Path: "/items"}, Status: status, Body: []byte(body), ContentType: "application/json"}
}

func TestVerifyMasksJSONNoise(t *testing.T) {
	first := []Outcome{httpOutcome(200, `{"time":"2026-12-07T00:00:01Z","items":[{"id":"a1","name":"apple"},{"id":"b2","name":"pear"}],"count":2}`)}
	second := []Outcome{httpOutcome(200, `{"time":"2026-12-07T00:00:05Z","items":[{"id":"c3","name":"apple"},{"id":"d4","name":"pear"}],"count":2}`)}
	good := []Outcome{httpOutcome(200, `{"count":2,"items":[{"id":"e5","name":"apple"},{"id":"f6","name":"pear"}],"time":"2026-12-07T00:00:09Z"}`)}
	bad := []Outcome{httpOutcome(200, `{"time":"x","items":[{"id":"e5","name":"apple"},{"id":"f6","name":"plum"}],"count":2}`)}
	reruns := 0
	again := func() ([]Outcome, error) { reruns++; return second, nil }

	v, err := Verify(first, good, again)
	if err != nil || len(v.Differences) != 0 || len(v.Unstable) != 0 {
		t.Fatalf("good slim: %+v, %v", v, err)
	}
	if len(v.Masked) != 1 || strings.Join(v.Masked[0].Paths, " ") != "$.items[*].id $.time" {
		t.Fatalf("masked = %+v, want $.items[*].id and $.time", v.Masked)
	}
	v, _ = Verify(first, bad, again)
	if len(v.Differences) != 1 || !strings.Contains(v.Differences[0].Original, "$.items[1].name") {
		t.Fatalf("bad slim: %+v, want one difference at $.items[1].name", v)
	}
	// The same answer needs no second run.
	reruns = 0
	if v, _ := Verify(first, first, again); reruns != 0 || v.Rerun || len(v.Differences) != 0 {
		t.Fatalf("equal answers: rerun %d times, %+v", reruns, v)
	}
	// A key the slim lost is a difference even under a masked sibling.
	lost := []Outcome{httpOutcome(200, `{"time":"x","items":[{"id":"e5","name":"apple"},{"id":"f6","name":"pear"}]}`)}
	if v, _ := Verify(first, lost, again); len(v.Differences) != 1 || !strings.Contains(v.Differences[0].Original, "$.count") {
		t.Fatalf("lost key: %+v", v)
	}
}

func TestVerifyMasksTextSpans(t *testing.T) {
	out := func(s string) Outcome {
		return Outcome{Probe: Probe{Kind: KindExec, Args: []string{"status"}}, Stdout: []byte(s)}
	}
	first := []Outcome{out("started 2026-12-07 00:00:01 pid 41\nready: 3 workers\n")}
	second := []Outcome{out("started 2026-12-07 00:00:04 pid 97\nready: 3 workers\n")}
	again := func() ([]Outcome, error) { return second, nil }
	v, _ := Verify(first, []Outcome{out("started 2026-12-07 00:01:33 pid 12345\nready: 3 workers\n")}, again)
	if len(v.Differences) != 0 || len(v.Masked) != 1 || len(v.Masked[0].Spans) != 2 {
		t.Fatalf("noise only: %+v", v)
	}
	for _, slim := range []string{
		"started 2026-12-07 00:01:33 pid 12\nready: 2 workers\n",
		// A hole within a line does not swallow a line the slim added.
		"started 2026-12-07 00:01:33\nImportError: no module\n pid 12\nready: 3 workers\n",
		"",
	} {
		if v, _ := Verify(first, []Outcome{out(slim)}, again); len(v.Differences) != 1 {
			t.Errorf("slim %q: %+v, want a difference", slim, v)
		}
	}
}

func TestVerifyUnstable(t *testing.T) {
	first := []Outcome{httpOutcome(200, `{"a":1}`)}
	for name, second := range map[string]Outcome{
		"status":     httpOutcome(503, `{"a":1}`),
		"everything": {Probe: first[0].Probe, Status: 200, ContentType: "application/json", Body: []byte(`[1,2,3]`)},
	} {
		v, err := Verify(first, []Outcome{httpOutcome(200, `{"a":2}`)}, func() ([]Outcome, error) { return []Outcome{second}, nil })
		if err != nil || len(v.Unstable) != 1 || len(v.Differences) != 0 {
			t.Errorf("%s: %+v, %v: want the probe unstable", name, v, err)
		}
	}
	text := func(s string) Outcome { return Outcome{Probe: Probe{Kind: KindTCP, Port: 1}, Body: []byte(s)} }
	v, _ := Verify([]Outcome{text("a b c d e f")}, []Outcome{text("x")}, func() ([]Outcome, error) { return []Outcome{text("1 2 3 4 5 6")}, nil })
	if len(v.Unstable) != 1 {
		t.Errorf("text that differs everywhere: %+v, want unstable", v)
	}
	boom := errors.New("boom")
	if _, err := Verify(first, []Outcome{httpOutcome(500, "")}, func() ([]Outcome, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Errorf("a failed second run: %v", err)
	}
}

// A status or content type the slim changed is a difference whatever
// the noise.
func TestVerifyNoiseNeverMasksStatus(t *testing.T) {
	first := []Outcome{httpOutcome(200, `{"t":1}`)}
	second := []Outcome{httpOutcome(200, `{"t":2}`)}
	slim := httpOutcome(500, `{"t":3}`)
	v, _ := Verify(first, []Outcome{slim}, func() ([]Outcome, error) { return second, nil })
	if len(v.Differences) != 1 || v.Differences[0].Field != "status" {
		t.Fatalf("%+v, want a status difference", v)
	}
	slim = httpOutcome(200, `{"t":3}`)
	slim.ContentType = "text/html"
	v, _ = Verify(first, []Outcome{slim}, func() ([]Outcome, error) { return second, nil })
	if len(v.Differences) != 1 || v.Differences[0].Field != "content type" {
		t.Fatalf("%+v, want a content type difference", v)
	}
}

func TestDiffTokens(t *testing.T) {
	for _, c := range [][2]string{
		{"", ""}, {"a", ""}, {"", "b"}, {"a b c", "a x c"}, {"the quick brown fox", "the slow brown dog jumps"},
		{"1 2 3 4 5", "5 4 3 2 1"}, {"same", "same"}, {"x y", "y x"},
	} {
		a, b := tokens([]byte(c[0])), tokens([]byte(c[1]))
		ops, ok := diffTokens(a, b, 100)
		if !ok {
			t.Fatalf("%q: not ok", c)
		}
		checkOps(t, a, b, ops)
	}
}

// checkOps checks that ops cover a and b in order, and that their equal
// runs are equal.
func checkOps(t *testing.T, a, b []string, ops []editOp) {
	t.Helper()
	x, y := 0, 0
	for _, op := range ops {
		if op.a0 != x || op.b0 != y || op.a1 < op.a0 || op.b1 < op.b0 {
			t.Fatalf("%q vs %q: op %+v does not follow (%d, %d)", a, b, op, x, y)
		}
		if op.equal && strings.Join(a[op.a0:op.a1], "") != strings.Join(b[op.b0:op.b1], "") {
			t.Fatalf("%q vs %q: equal op %+v is not", a, b, op)
		}
		x, y = op.a1, op.b1
	}
	if x != len(a) || y != len(b) {
		t.Fatalf("%q vs %q: ops end at (%d, %d)", a, b, x, y)
	}
}

// FuzzNoise: what two runs differ in is masked, so each run matches the
// noise learned from both; and the diff covers both texts.
func FuzzNoise(f *testing.F) {
	f.Add([]byte("time 12:00:01 id 7f3a\nok\n"), []byte("time 12:00:09 id 0b1c\nok\n"))
	f.Add([]byte(`{"id":"a","items":[{"t":1},{"t":2}]}`), []byte(`{"id":"b","items":[{"t":3},{"t":4}]}`))
	f.Add([]byte(`{"a":[1,2]}`), []byte(`{"a":[1],"b":null}`))
	f.Add([]byte("a.b*c(d)"), []byte("a.x*c[d]"))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		if len(a) > 4096 || len(b) > 4096 {
			return
		}
		ta, tb := tokens(a), tokens(b)
		if ops, ok := diffTokens(ta, tb, 500); ok {
			checkOps(t, ta, tb, ops)
		}
		oa, ob := httpOutcome(200, string(a)), httpOutcome(200, string(b))
		n, why := learnNoise(oa, ob)
		if why != "" || n == nil {
			return
		}
		for _, s := range []Outcome{oa, ob} {
			if d := compareMasked(oa, s, n); len(d) > 0 {
				t.Fatalf("noise of %q and %q does not mask %q: %+v", a, b, s.Body, d)
			}
		}
	})
}
