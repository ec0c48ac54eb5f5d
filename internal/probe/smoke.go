package probe

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dietimg/diet/internal/engine"
)

// SmokeSpec is one smoke test: a run of the image that must end as
// expected. build and compare run them (build.Smoke is this type).
type SmokeSpec struct {
	Args  []string
	Stdin []byte
	// ExpectExit is the exit status the run must end with.
	ExpectExit int
	// ExpectStdout, when not nil, must equal the run's standard output
	// (a trailing newline on either side is ignored).
	ExpectStdout *string
}

// Smoke runs img once as s says, with no network, in the runtime e,
// killed after timeout (0: no limit). The
// Result is nil only when the image could not be run at all. The error
// says what went wrong in words that quote the command, with the end of
// its stderr when that helps: a failure to run, an exit status or an
// output that is not the expected one. on, when not "", is where the run
// was ("linux/arm64"), for messages that must tell platforms apart.
func Smoke(ctx context.Context, e engine.Engine, img v1.Image, s SmokeSpec, timeout time.Duration, on string) (*engine.Result, error) {
	r, err := e.Run(ctx, img, engine.Spec{
		Args:    s.Args,
		Stdin:   s.Stdin,
		Network: "none",
		Timeout: timeout,
	})
	return r, SmokeCheck(s, r, err, on)
}

// SmokeCheck is the verdict of Smoke on a run that ended with r and err:
// nil when it went as s expects.
func SmokeCheck(s SmokeSpec, r *engine.Result, err error, on string) error {
	what := Quote(s.Args)
	if on != "" {
		what += " on " + on
	}
	if err != nil && r == nil {
		return fmt.Errorf("running %s: %w", what, err)
	}
	if err != nil {
		return fmt.Errorf("%s: %w%s", what, err, Tail(r.Stderr))
	}
	if r.ExitCode != s.ExpectExit {
		return fmt.Errorf("%s exited with %d, want %d (%s)%s", what, r.ExitCode, s.ExpectExit, r.Runtime, Tail(r.Stderr))
	}
	if s.ExpectStdout != nil && strings.TrimSuffix(string(r.Stdout), "\n") != strings.TrimSuffix(*s.ExpectStdout, "\n") {
		return fmt.Errorf("%s printed %q, want %q", what, Clip(string(r.Stdout)), Clip(*s.ExpectStdout))
	}
	return nil
}

// Quote is args as a shell would read them back, or "(the image's
// command)" for none.
func Quote(args []string) string {
	if len(args) == 0 {
		return "(the image's command)"
	}
	q := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t'\"\\$") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		q[i] = a
	}
	return strings.Join(q, " ")
}

// clipLen is how much of an output a message quotes.
const clipLen = 200

// Clip is s cut to its first 200 bytes (on a character boundary) and
// "...", for a message.
func Clip(s string) string {
	if len(s) <= clipLen {
		return s
	}
	n := clipLen
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

// tailLen is how much of the end of a failed run's stderr a message shows.
const tailLen = 600

// Tail is the end of a failed run's stderr, for an error message: a
// newline, "stderr:" and its last 600 bytes; "" for an empty stderr.
func Tail(stderr []byte) string {
	s := strings.TrimSpace(string(stderr))
	if s == "" {
		return ""
	}
	if len(s) > tailLen {
		n := len(s) - tailLen
		for n < len(s) && !utf8.RuneStart(s[n]) {
			n++
		}
		s = "..." + s[n:]
	}
	return "\nstderr:\n" + s
}
