package image

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// IsTerminal reports whether w is a terminal, where progress is drawn as
// a bar redrawn in place rather than as lines.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// Bar draws the progress of one long step: a bar redrawn in place on a
// terminal, a line every quarter elsewhere. It is safe for concurrent use.
type Bar struct {
	mu          sync.Mutex
	w           io.Writer
	what        string
	tty         bool
	lastQuarter int
	drawn       bool
}

// NewBar returns a Bar printing to w about what ("pushing x").
func NewBar(w io.Writer, what string) *Bar {
	return &Bar{w: w, what: what, tty: IsTerminal(w), lastQuarter: -1}
}

// Update draws complete out of total bytes.
func (b *Bar) Update(complete, total int64) {
	if b == nil || total <= 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	pct := int(100 * complete / total)
	if b.tty {
		fmt.Fprintf(b.w, "\r%s %s %3d%% %s / %s", b.what, bar(pct), pct, HumanSize(complete), HumanSize(total))
		b.drawn = true
		return
	}
	if q := pct / 25; q > b.lastQuarter {
		b.lastQuarter = q
		fmt.Fprintf(b.w, "%s: %d%% (%s of %s)\n", b.what, pct, HumanSize(complete), HumanSize(total))
	}
}

// Done ends the bar's line on a terminal.
func (b *Bar) Done() {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tty && b.drawn {
		fmt.Fprintln(b.w)
		b.drawn = false
	}
}

// progress returns a channel for go-containerregistry's progress updates
// and a function that waits until the last one is drawn, closing the
// channel first when the writer does not (tarball does not, remote does).
func progress(w io.Writer, what string) (chan v1.Update, func(closeIt bool)) {
	ch := make(chan v1.Update, 16)
	finished := make(chan struct{})
	b := NewBar(w, what)
	go func() {
		defer close(finished)
		for u := range ch {
			if u.Error == nil {
				b.Update(u.Complete, u.Total)
			}
		}
		b.Done()
	}()
	return ch, func(closeIt bool) {
		if closeIt {
			close(ch)
		}
		select {
		case <-finished:
		case <-time.After(2 * time.Second):
		}
	}
}

func bar(pct int) string {
	const width = 30
	n := min(max(pct*width/100, 0), width)
	return "[" + strings.Repeat("=", n) + strings.Repeat(" ", width-n) + "]"
}

// HumanSize writes n bytes with three significant digits in decimal
// units, as `docker images` does ("78.8 MB", "3.52 MB", "812 kB"): the one
// size format of diet's reports (tables whose column must be in one unit
// use report.MBString).
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
