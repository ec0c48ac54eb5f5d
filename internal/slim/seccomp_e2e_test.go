package slim

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dietimg/diet/internal/engine"
	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/probe"
)

// TestSlimSeccompRefusesUnseenCall plants a profile narrower than the
// probes (issue 23): made from the traced run of the first probe only,
// while the verify runs both, and the second makes a call the first never
// did (os.mkfifo: mknodat). The verify under the profile must fail and
// name that call; with --seccomp-add of it, the same slim passes.
func TestSlimSeccompRefusesUnseenCall(t *testing.T) {
	needRunc(t)
	ctx := context.Background()
	img, err := image.Read(ctx, "oci:"+fatLayout(t)+":python", image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var probes []probe.Probe
	for _, args := range []string{`python3 -c 'print(1)'`, `python3 -c 'import os; os.mkfifo("/tmp/diet-fifo"); print(2)'`} {
		p, err := probe.ParseExec(args)
		if err != nil {
			t.Fatal(err)
		}
		probes = append(probes, p)
	}
	for _, tc := range []struct {
		name string
		add  []string
	}{{"narrow", nil}, {"widened", []string{"mknodat"}}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := Options{Probes: probes, Sensor: dietBinary(t), WorkDir: t.TempDir(), Timeout: time.Minute,
				Seccomp: true, SeccompAdd: tc.add, seccompProbes: []int{0}}
			res, err := Slim(ctx, newEngine(t, engine.Runc), img, opts)
			if res == nil || res.SeccompInfo == nil {
				t.Fatalf("no profile: %v", err)
			}
			sc := res.SeccompInfo
			t.Logf("%s: %s; refused %v", tc.name, sc, sc.Refused)
			if tc.add != nil {
				if err != nil || !sc.Verified {
					t.Fatalf("with --seccomp-add %v: %v (verified %v, refused %v)", tc.add, err, sc.Verified, sc.Refused)
				}
				return
			}
			if !errors.Is(err, ErrDifferent) || sc.Verified {
				t.Fatalf("the verify passed under a profile without mknodat: %v", err)
			}
			if !slices.Contains(sc.Refused, "mknodat") || !strings.Contains(err.Error(), "mknodat") {
				t.Errorf("refused %v, error %v: want mknodat named", sc.Refused, err)
			}
			if slices.Contains(sc.Calls, "mknodat") {
				t.Errorf("the profile allows mknodat: %v", sc.Calls)
			}
		})
	}
}
