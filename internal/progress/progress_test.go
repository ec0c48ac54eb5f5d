package progress

import (
	"strings"
	"sync"
	"testing"
)

func TestNil(t *testing.T) {
	var l *Log
	if To(nil) != nil || Func(nil) != nil {
		t.Error("To(nil) or Func(nil) is not nil")
	}
	l.Printf("nothing %d", 1)
	if l.Prefix("x: ") != nil || l.Once() != nil {
		t.Error("a log made from a nil Log is not nil")
	}
	b := l.Bar("pushing")
	if b != nil {
		t.Error("a nil Log's bar is not nil")
	}
	b.Update(1, 2)
	b.Done()
}

func TestPrefixOnce(t *testing.T) {
	var out strings.Builder
	l := To(&out)
	l.Printf("built %s", "x")
	s := l.Prefix("slim: ")
	notes := s.Once()
	for range 3 {
		notes.Printf("rootless runc: %d", 0)
	}
	notes.Printf("rootless runc: %d", 1)
	notes.Prefix("more: ").Printf("rootless runc: %d", 0)
	notes.Prefix("more: ").Printf("rootless runc: %d", 0)
	s.Printf("rootless runc: %d", 0)
	want := "built x\n" +
		"slim: rootless runc: 0\n" +
		"slim: rootless runc: 1\n" +
		"slim: more: rootless runc: 0\n" +
		"slim: rootless runc: 0\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}

func TestFunc(t *testing.T) {
	var mu sync.Mutex
	var lines []string
	l := Func(func(line string) { mu.Lock(); lines = append(lines, line); mu.Unlock() }).Prefix("p: ")
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Add(1)
		go func() { defer wg.Done(); l.Printf("line %d", i) }()
	}
	wg.Wait()
	if len(lines) != 10 || !strings.HasPrefix(lines[0], "p: line ") || strings.HasSuffix(lines[0], "\n") {
		t.Errorf("lines: %q", lines)
	}
}

// TestBar checks the lines a bar writes where it cannot redraw: one each
// quarter, the first at 0%.
func TestBar(t *testing.T) {
	var out strings.Builder
	b := To(&out).Prefix("build: ").Bar("pushing x")
	const total = 10_000_000
	for done := int64(0); done <= total; done += total / 20 {
		b.Update(done, total)
	}
	b.Update(1, 0) // an unknown total shows nothing
	b.Done()
	want := "build: pushing x: 0% (0 B of 10 MB)\n" +
		"build: pushing x: 25% (2.5 MB of 10 MB)\n" +
		"build: pushing x: 50% (5 MB of 10 MB)\n" +
		"build: pushing x: 75% (7.5 MB of 10 MB)\n" +
		"build: pushing x: 100% (10 MB of 10 MB)\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}

// TestBarTerminal checks a bar redrawn in place, and a line said while
// it is drawn, which starts on a line of its own.
func TestBarTerminal(t *testing.T) {
	var out strings.Builder
	l := To(&out)
	l.out.tty = true
	b := l.Bar("compressing")
	b.Update(50, 100)
	l.Printf("note")
	b.Update(100, 100)
	b.Done()
	b.Done()
	want := "\rcompressing " + bar(50) + "  50% 50 B / 100 B\nnote\n" +
		"\rcompressing " + bar(100) + " 100% 100 B / 100 B\n"
	if out.String() != want {
		t.Errorf("got %q\nwant %q", out.String(), want)
	}
}

func TestHumanSize(t *testing.T) {
	for n, want := range map[int64]string{812: "812 B", 812_000: "812 kB", 3_520_000: "3.52 MB", 78_849_000: "78.8 MB", 999_600: "1 MB"} {
		if got := HumanSize(n); got != want {
			t.Errorf("HumanSize(%d) = %q, want %q", n, got, want)
		}
	}
}
