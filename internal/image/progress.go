package image

import (
	"fmt"
	"io"
	"os"
	"strings"
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

// progress returns a channel for go-containerregistry's progress updates
// and a function that waits until the last one is drawn, closing the
// channel first when the writer does not (tarball does not, remote does).
// On a terminal it draws a bar; elsewhere it prints a line every quarter.
func progress(w io.Writer, what string) (chan v1.Update, func(closeIt bool)) {
	ch := make(chan v1.Update, 16)
	finished := make(chan struct{})
	tty := IsTerminal(w)
	go func() {
		defer close(finished)
		lastQuarter := -1
		var last v1.Update
		for u := range ch {
			if u.Error != nil || u.Total <= 0 {
				continue
			}
			last = u
			pct := int(100 * u.Complete / u.Total)
			if tty {
				fmt.Fprintf(w, "\r%s %s %3d%% %s / %s", what, bar(pct), pct, HumanSize(u.Complete), HumanSize(u.Total))
				continue
			}
			if q := pct / 25; q > lastQuarter {
				lastQuarter = q
				fmt.Fprintf(w, "%s: %d%% (%s of %s)\n", what, pct, HumanSize(u.Complete), HumanSize(u.Total))
			}
		}
		if tty && last.Total > 0 {
			fmt.Fprintln(w)
		}
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

// HumanSize formats a byte count as docker does (decimal units: kB, MB, GB).
func HumanSize(n int64) string {
	f := float64(n)
	for _, u := range []string{"B", "kB", "MB", "GB"} {
		if f < 1000 || u == "GB" {
			if u == "B" {
				return fmt.Sprintf("%d B", n)
			}
			return fmt.Sprintf("%.3g %s", f, u)
		}
		f /= 1000
	}
	return ""
}
