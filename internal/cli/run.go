package cli

import (
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/dietimg/diet/internal/engine"
	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/progress"
)

// runOutput is what `diet run --json` prints.
type runOutput struct {
	Image    string  `json:"image"`
	Runtime  string  `json:"runtime"`
	ExitCode int     `json:"exit_code"`
	TimedOut bool    `json:"timed_out,omitempty"`
	Seconds  float64 `json:"seconds"`
	Stdout   string  `json:"stdout"`
	Stderr   string  `json:"stderr"`
}

// runFlags are the flags of diet run.
type runFlags struct {
	spec      engine.Spec
	runtime   string
	stdinFile string
	asJSON    bool
	env       []string
	capAdd    []string
	plat      platformOptions
	reg       registryOptions
}

func newRun() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run [flags] IMAGE [-- ARGS...]",
		Short: "Run an image in Docker, podman or runc and pass its output and exit code through",
		Long: `Run an image to completion in a real container runtime, the way diet checks
the images it makes. ARGS replace the image's command, as in docker run.
The program's output is passed through and diet exits with its exit code.

The network is none (only loopback) unless --network host is given. With
--runtime auto (the default), runc is used when it can run here
(rootless when diet is not root), else Docker, else podman.`,
		Example: `  diet run oci:out/slice:latest -- 3-5 /etc/hostname
  diet run --runtime runc --stdin input.txt docker-archive:app.tar
  diet run --runtime podman oci-archive:app.tar -- --version
  diet run --network host --timeout 30s docker://localhost:5000/app:slim -- --version
  diet run --json oci:out/app`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return f.run(cmd, args[0], args[1:]) },
	}
	fl := cmd.Flags()
	runtimeFlag(fl, &f.runtime, "the container runtime")
	fl.StringVar(&f.spec.Network, "network", "none", "network: none (loopback only) or host")
	fl.StringVar(&f.stdinFile, "stdin", "", "file to give the program as standard input (- for diet's own)")
	fl.DurationVar(&f.spec.Timeout, "timeout", 0, "kill the container after this long (0: no limit)")
	fl.StringVarP(&f.spec.User, "user", "u", "", "user to run as (name, uid or uid:gid)")
	fl.StringVarP(&f.spec.WorkingDir, "workdir", "w", "", "working directory inside the container")
	fl.StringArrayVarP(&f.env, "env", "e", nil, "set an environment variable (KEY=VALUE), repeatable")
	fl.StringArrayVar(&f.capAdd, "cap-add", nil, "add a capability to Docker's default set, repeatable")
	f.plat.addFlags(cmd, "image to take from an index (default: linux on this machine's architecture)")
	f.reg.addFlags(cmd)
	fl.BoolVar(&f.asJSON, "json", false, "print the result (exit code, output, runtime, time) as JSON")
	return cmd
}

func (f *runFlags) run(cmd *cobra.Command, ref string, args []string) error {
	spec := f.spec
	spec.Args, spec.Env, spec.CapAdd = args, f.env, f.capAdd
	ctx := cmd.Context()
	eng, err := engine.New(ctx, f.runtime)
	if err != nil {
		return err
	}
	p, err := f.plat.single()
	if err != nil {
		return err
	}
	img, err := image.Read(ctx, ref, image.Options{Insecure: f.reg.insecure, Platform: p})
	if err != nil {
		return err
	}
	switch f.stdinFile {
	case "":
	case "-":
		spec.StdinReader = cmd.InOrStdin()
	default:
		data, err := os.ReadFile(f.stdinFile)
		if err != nil {
			return fmt.Errorf("reading --stdin: %w", err)
		}
		spec.Stdin = data
	}
	if !f.asJSON {
		spec.Stdout, spec.Stderr = cmd.OutOrStdout(), cmd.ErrOrStderr()
	}
	spec.Log = progress.Func(func(line string) { slog.Warn(line) })
	res, err := eng.Run(ctx, img, spec)
	if err != nil && res != nil && ctx.Err() != nil {
		return ExitError{Code: 130, Err: fmt.Errorf("%s: interrupted, container killed", ref)}
	}
	if err != nil && !errors.Is(err, engine.ErrTimeout) {
		return err
	}
	if f.asJSON {
		if err := printJSON(cmd, runOutput{
			Image: ref, Runtime: res.Runtime, ExitCode: res.ExitCode, TimedOut: res.TimedOut,
			Seconds: res.Duration.Seconds(), Stdout: string(res.Stdout), Stderr: string(res.Stderr),
		}); err != nil {
			return err
		}
	}
	if res.TimedOut {
		return ExitError{Code: 124, Err: fmt.Errorf("%s: killed after %s", ref, spec.Timeout)}
	}
	if res.ExitCode != 0 {
		return ExitError{Code: res.ExitCode}
	}
	return nil
}
