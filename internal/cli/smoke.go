package cli

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/dietimg/diet/internal/build"
	"github.com/dietimg/diet/internal/probe"
)

// smokeFlags are the flags of the commands that prove an image runs
// (build and compare): what to run, what to expect, and where.
type smokeFlags struct {
	smoke        []string
	expectStdout string
	expectExit   int
	stdin        string
	runtime      string
	timeout      time.Duration
}

func (f *smokeFlags) addFlags(cmd *cobra.Command, smokeUsage string) {
	fl := cmd.Flags()
	fl.StringArrayVar(&f.smoke, "smoke", nil, smokeUsage)
	fl.StringVar(&f.expectStdout, "expect-stdout", "", "smoke runs must print exactly this")
	fl.IntVar(&f.expectExit, "expect-exit", 0, "smoke runs must exit with this status")
	fl.StringVar(&f.stdin, "smoke-stdin", "", "file given as standard input to smoke runs")
	runtimeFlag(fl, &f.runtime, "the runtime of the smoke runs")
	fl.DurationVar(&f.timeout, "smoke-timeout", time.Minute, "kill a smoke run after this long")
}

// smokes turns the flags into runs. --expect-* or --smoke-stdin without
// --smoke mean one run with the image's own command.
func (f *smokeFlags) smokes() ([]build.Smoke, error) {
	var stdin []byte
	if f.stdin != "" {
		var err error
		if stdin, err = os.ReadFile(f.stdin); err != nil {
			return nil, fmt.Errorf("--smoke-stdin: %w", err)
		}
	}
	args := f.smoke
	if len(args) == 0 && (f.expectStdout != "" || f.expectExit != 0 || f.stdin != "") {
		args = []string{""}
	}
	var out []build.Smoke
	for _, s := range args {
		words, err := probe.SplitWords(s)
		if err != nil {
			return nil, fmt.Errorf("--smoke %q: %w", s, err)
		}
		sm := build.Smoke{Args: words, Stdin: stdin, ExpectExit: f.expectExit}
		if f.expectStdout != "" {
			want := f.expectStdout
			sm.ExpectStdout = &want
		}
		out = append(out, sm)
	}
	return out, nil
}
