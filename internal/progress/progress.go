// Package progress is how domain code says what it is doing: a line per
// step, notes for the user, and bars for long byte counts. The packages
// that do the work take a *Log and the commands decide where it goes.
package progress

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
)

// Log is where domain code says what it is doing. A nil *Log says
// nothing: every method is nil-safe, and the logs and bars made from a
// nil Log are nil too. A Log is safe for concurrent use.
type Log struct {
	out    *sink
	prefix string
	seen   *seen // set by Once
}

// sink is where a Log and the logs made from it write: a writer or a
// function. Its mutex orders the lines and guards the bars' state.
type sink struct {
	mu  sync.Mutex
	w   io.Writer
	f   func(line string)
	tty bool // w is a terminal: bars are redrawn in place
	// open says that a bar is drawn on the last line of the terminal,
	// which a line must end before it is written.
	open bool
}

// To returns a Log writing each line to w, ended by a newline; nil for a
// nil w. Bars are redrawn in place when w is a terminal.
func To(w io.Writer) *Log {
	if w == nil {
		return nil
	}
	return &Log{out: &sink{w: w, tty: isTerminal(w)}}
}

// Func returns a Log passing each line, without its newline, to f, which
// is called by one goroutine at a time; nil for a nil f.
func Func(f func(line string)) *Log {
	if f == nil {
		return nil
	}
	return &Log{out: &sink{f: f}}
}

// Printf says one line (a newline is added).
func (l *Log) Printf(format string, args ...any) {
	if l == nil {
		return
	}
	line := l.prefix + fmt.Sprintf(format, args...)
	if l.seen != nil && !l.seen.first(line) {
		return
	}
	l.out.mu.Lock()
	defer l.out.mu.Unlock()
	l.out.line(line)
}

// Prefix returns the same log with p before each of its lines ("slim: ")
// and bars.
func (l *Log) Prefix(p string) *Log {
	if l == nil {
		return nil
	}
	return &Log{out: l.out, prefix: l.prefix + p, seen: l.seen}
}

// Once returns the same log saying each distinct line once, however many
// times it and the logs made from it are given it (a note that every run
// of a program would repeat).
func (l *Log) Once() *Log {
	if l == nil {
		return nil
	}
	return &Log{out: l.out, prefix: l.prefix, seen: &seen{lines: map[string]bool{}}}
}

// line writes one line; the caller holds s.mu.
func (s *sink) line(line string) {
	if s.f != nil {
		s.f(line)
		return
	}
	if s.open {
		fmt.Fprintln(s.w)
		s.open = false
	}
	fmt.Fprintln(s.w, line)
}

type seen struct {
	mu    sync.Mutex
	lines map[string]bool
}

// first reports whether line is new, and remembers it.
func (s *seen) first(line string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lines[line] {
		return false
	}
	s.lines[line] = true
	return true
}

// Bar shows the progress of one long step in bytes: a bar redrawn in
// place on a terminal, a line every quarter elsewhere. A nil *Bar shows
// nothing. It is safe for concurrent use.
type Bar struct {
	out         *sink
	what        string
	lastQuarter int
	drawn       bool
}

// Bar returns a bar about what ("pushing x"), under the log's prefix;
// nil for a nil Log. Its lines are said whatever Once says.
func (l *Log) Bar(what string) *Bar {
	if l == nil {
		return nil
	}
	return &Bar{out: l.out, what: l.prefix + what, lastQuarter: -1}
}

// Update shows complete out of total bytes.
func (b *Bar) Update(complete, total int64) {
	if b == nil || total <= 0 {
		return
	}
	s := b.out
	s.mu.Lock()
	defer s.mu.Unlock()
	pct := int(100 * complete / total)
	if s.tty {
		fmt.Fprintf(s.w, "\r%s %s %3d%% %s / %s", b.what, bar(pct), pct, HumanSize(complete), HumanSize(total))
		b.drawn, s.open = true, true
		return
	}
	if q := pct / 25; q > b.lastQuarter {
		b.lastQuarter = q
		s.line(fmt.Sprintf("%s: %d%% (%s of %s)", b.what, pct, HumanSize(complete), HumanSize(total)))
	}
}

// Done ends the bar's line on a terminal.
func (b *Bar) Done() {
	if b == nil {
		return
	}
	s := b.out
	s.mu.Lock()
	defer s.mu.Unlock()
	if b.drawn && s.open {
		fmt.Fprintln(s.w)
		s.open = false
	}
	b.drawn = false
}

func bar(pct int) string {
	const width = 30
	n := min(max(pct*width/100, 0), width)
	return "[" + strings.Repeat("=", n) + strings.Repeat(" ", width-n) + "]"
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// HumanSize writes n bytes with three significant digits in decimal
// units, as `docker images` does ("78.8 MB", "3.52 MB", "812 kB"): the one
// size format of diet's reports and bars (tables whose column must be in
// one unit use report.MBString).
func HumanSize(n int64) string {
	units := []string{"B", "kB", "MB", "GB", "TB"}
	v := float64(n)
	i := 0
	for v >= 999.5 && i < len(units)-1 {
		v /= 1000
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%d B", n)
	}
	return strconv.FormatFloat(v, 'g', 3, 64) + " " + units[i]
}
