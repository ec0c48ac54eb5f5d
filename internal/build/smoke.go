package build

import (
	"context"
	"fmt"

	"github.com/dietimg/diet/internal/engine"
	"github.com/dietimg/diet/internal/probe"
)

// smoke runs each smoke test on the image of every platform, foreign
// ones under emulation (the runtime refuses, saying how to register an
// emulator, when the machine has none), and fails on the first one that
// does not end as expected.
func smoke(ctx context.Context, opts Options, res *Result) error {
	if len(opts.Smoke) == 0 {
		return nil
	}
	e := opts.Engine
	if e == nil {
		var err error
		if e, err = engine.New(ctx, engine.Auto); err != nil {
			return fmt.Errorf("%w: %w", ErrSmoke, probe.SmokeCheck(opts.Smoke[0], nil, err, ""))
		}
	}
	for i := range res.Images {
		if err := smokeImage(ctx, e, opts, &res.Images[i], len(res.Images) > 1); err != nil {
			return err
		}
	}
	return nil
}

func smokeImage(ctx context.Context, e engine.Engine, opts Options, pi *PlatformImage, name bool) error {
	on := ""
	if name {
		on = pi.Platform.String()
	}
	for _, s := range opts.Smoke {
		r, err := probe.Smoke(ctx, e, pi.Image, s, opts.SmokeTimeout, on)
		if r != nil {
			pi.Smoke = append(pi.Smoke, SmokeResult{Args: s.Args, Runtime: r.Runtime, ExitCode: r.ExitCode, Seconds: r.Duration.Seconds(),
				Stdout: string(r.Stdout), Stderr: string(r.Stderr)})
		}
		if err != nil {
			return fmt.Errorf("%w: %w", ErrSmoke, err)
		}
		where := ""
		if on != "" {
			where = " on " + on
		}
		logf(opts, "smoke ok: %s%s (%s, exit %d, %.2fs)", probe.Quote(s.Args), where, r.Runtime, r.ExitCode, r.Duration.Seconds())
	}
	return nil
}
