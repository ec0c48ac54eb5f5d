package image

import (
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dietimg/diet/internal/progress"
)

// updates returns a channel for go-containerregistry's progress updates,
// shown as a bar about what on log, and a function that waits until the
// last one is shown, closing the channel first when the writer does not
// (tarball does not, remote does).
func updates(log *progress.Log, what string) (chan v1.Update, func(closeIt bool)) {
	ch := make(chan v1.Update, 16)
	finished := make(chan struct{})
	b := log.Bar(what)
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

// HumanSize writes n bytes with three significant digits in decimal
// units, as `docker images` does ("78.8 MB", "3.52 MB", "812 kB"): the one
// size format of diet's reports (tables whose column must be in one unit
// use report.MBString). It is progress.HumanSize.
func HumanSize(n int64) string { return progress.HumanSize(n) }
