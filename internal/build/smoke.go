package build

import (
	"context"
	"fmt"
	"strings"

	"github.com/dietimg/diet/internal/runtime"
)

// smoke runs each smoke test on the image for this machine's platform
// (other platforms cannot run here) and fails on the first one that does
// not end as expected.
func smoke(ctx context.Context, opts Options, res *Result) error {
	if len(opts.Smoke) == 0 {
		return nil
	}
	host := hostPlatform()
	var pi *PlatformImage
	for i := range res.Images {
		if res.Images[i].Platform.Architecture == host.Architecture {
			pi = &res.Images[i]
			break
		}
	}
	if pi == nil {
		return fmt.Errorf("%w: no image for this machine (%s) to run", ErrSmoke, host.String())
	}
	for _, s := range opts.Smoke {
		r, err := runtime.Run(ctx, pi.Image, runtime.Spec{
			Args:    s.Args,
			Stdin:   s.Stdin,
			Runtime: opts.Runtime,
			Network: "none",
			Timeout: opts.SmokeTimeout,
		})
		if err != nil && r == nil {
			return fmt.Errorf("%w: running %s: %w", ErrSmoke, quote(s.Args), err)
		}
		sr := SmokeResult{Args: s.Args, Runtime: r.Runtime, ExitCode: r.ExitCode, Seconds: r.Duration.Seconds(),
			Stdout: string(r.Stdout), Stderr: string(r.Stderr)}
		pi.Smoke = append(pi.Smoke, sr)
		if err != nil {
			return fmt.Errorf("%w: %s: %w%s", ErrSmoke, quote(s.Args), err, tail(r.Stderr))
		}
		if r.ExitCode != s.ExpectExit {
			return fmt.Errorf("%w: %s exited with %d, want %d (%s)%s", ErrSmoke, quote(s.Args), r.ExitCode, s.ExpectExit, r.Runtime, tail(r.Stderr))
		}
		if s.ExpectStdout != nil && strings.TrimSuffix(string(r.Stdout), "\n") != strings.TrimSuffix(*s.ExpectStdout, "\n") {
			return fmt.Errorf("%w: %s printed %q, want %q", ErrSmoke, quote(s.Args), clip(string(r.Stdout)), clip(*s.ExpectStdout))
		}
		logf(opts, "smoke ok: %s (%s, exit %d, %.2fs)", quote(s.Args), r.Runtime, r.ExitCode, r.Duration.Seconds())
	}
	return nil
}

func quote(args []string) string {
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

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

// tail is the end of a failed run's stderr, for the error message.
func tail(stderr []byte) string {
	s := strings.TrimSpace(string(stderr))
	if s == "" {
		return ""
	}
	if len(s) > 600 {
		s = "..." + s[len(s)-600:]
	}
	return "\nstderr:\n" + s
}
