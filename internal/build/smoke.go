package build

import (
	"context"
	"fmt"
	"strings"

	"github.com/dietimg/diet/internal/engine"
)

// smoke runs each smoke test on the image of every platform, foreign
// ones under emulation (the runtime refuses, saying how to register an
// emulator, when the machine has none), and fails on the first one that
// does not end as expected.
func smoke(ctx context.Context, opts Options, res *Result) error {
	for i := range res.Images {
		if err := smokeImage(ctx, opts, &res.Images[i], len(res.Images) > 1); err != nil {
			return err
		}
	}
	return nil
}

func smokeImage(ctx context.Context, opts Options, pi *PlatformImage, name bool) error {
	on := ""
	if name {
		on = " on " + pi.Platform.String()
	}
	for _, s := range opts.Smoke {
		r, err := engine.Run(ctx, pi.Image, engine.Spec{
			Args:    s.Args,
			Stdin:   s.Stdin,
			Runtime: opts.Runtime,
			Network: "none",
			Timeout: opts.SmokeTimeout,
		})
		if err != nil && r == nil {
			return fmt.Errorf("%w: running %s%s: %w", ErrSmoke, quote(s.Args), on, err)
		}
		sr := SmokeResult{Args: s.Args, Runtime: r.Runtime, ExitCode: r.ExitCode, Seconds: r.Duration.Seconds(),
			Stdout: string(r.Stdout), Stderr: string(r.Stderr)}
		pi.Smoke = append(pi.Smoke, sr)
		if err != nil {
			return fmt.Errorf("%w: %s%s: %w%s", ErrSmoke, quote(s.Args), on, err, tail(r.Stderr))
		}
		if r.ExitCode != s.ExpectExit {
			return fmt.Errorf("%w: %s%s exited with %d, want %d (%s)%s", ErrSmoke, quote(s.Args), on, r.ExitCode, s.ExpectExit, r.Runtime, tail(r.Stderr))
		}
		if s.ExpectStdout != nil && strings.TrimSuffix(string(r.Stdout), "\n") != strings.TrimSuffix(*s.ExpectStdout, "\n") {
			return fmt.Errorf("%w: %s%s printed %q, want %q", ErrSmoke, quote(s.Args), on, clip(string(r.Stdout)), clip(*s.ExpectStdout))
		}
		logf(opts, "smoke ok: %s%s (%s, exit %d, %.2fs)", quote(s.Args), on, r.Runtime, r.ExitCode, r.Duration.Seconds())
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
