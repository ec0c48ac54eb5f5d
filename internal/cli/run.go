package cli

import (
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/dietimg/diet/internal/engine"
	"github.com/dietimg/diet/internal/image"
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

func newRun() *cobra.Command {
	var (
		spec      engine.Spec
		stdinFile string
		asJSON    bool
		env       []string
		capAdd    []string
		plat      platformOptions
		reg       registryOptions
	)
	cmd := &cobra.Command{
		Use:   "run [flags] IMAGE [-- ARGS...]",
		Short: "Run an image in Docker, podman or runc and pass its output and exit code through",
		Long: `Run an image to completion in a real container runtime, the way diet checks
the images it makes. ARGS replace the image's command, as in docker run.
The program's output is passed through and diet exits with its exit code.

The network is none (only loopback) unless --network host is given. With
--runtime auto, Docker is used when an engine answers, else podman, else
runc (rootless when diet is not root).`,
		Example: `  diet run oci:out/slice:latest -- 3-5 /etc/hostname
  diet run --runtime runc --stdin input.txt docker-archive:app.tar
  diet run --runtime podman oci-archive:app.tar -- --version
  diet run --network host --timeout 30s docker://localhost:5000/app:slim -- --version
  diet run --json oci:out/app`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ref := args[0]
			spec.Args = args[1:]
			spec.Env = env
			spec.CapAdd = capAdd
			ctx := cmd.Context()
			p, err := plat.single()
			if err != nil {
				return err
			}
			img, err := image.Read(ctx, ref, image.Options{Insecure: reg.insecure, Platform: p})
			if err != nil {
				return err
			}
			switch stdinFile {
			case "":
			case "-":
				spec.StdinReader = cmd.InOrStdin()
			default:
				data, err := os.ReadFile(stdinFile)
				if err != nil {
					return fmt.Errorf("reading --stdin: %w", err)
				}
				spec.Stdin = data
			}
			if !asJSON {
				spec.Stdout, spec.Stderr = cmd.OutOrStdout(), cmd.ErrOrStderr()
			}
			spec.Notef = func(format string, args ...any) { slog.Warn(fmt.Sprintf(format, args...)) }
			res, err := engine.Run(ctx, img, spec)
			if err != nil && res != nil && ctx.Err() != nil {
				return ExitError{Code: 130, Err: fmt.Errorf("%s: interrupted, container killed", ref)}
			}
			if err != nil && !errors.Is(err, engine.ErrTimeout) {
				return err
			}
			if asJSON {
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
		},
	}
	f := cmd.Flags()
	f.StringVar(&spec.Runtime, "runtime", engine.Auto, "container runtime: auto (Docker, else podman, else runc), docker, podman or runc")
	f.StringVar(&spec.Network, "network", "none", "network: none (loopback only) or host")
	f.StringVar(&stdinFile, "stdin", "", "file to give the program as standard input (- for diet's own)")
	f.DurationVar(&spec.Timeout, "timeout", 0, "kill the container after this long (0: no limit)")
	f.StringVarP(&spec.User, "user", "u", "", "user to run as (name, uid or uid:gid)")
	f.StringVarP(&spec.WorkingDir, "workdir", "w", "", "working directory inside the container")
	f.StringArrayVarP(&env, "env", "e", nil, "set an environment variable (KEY=VALUE), repeatable")
	f.StringArrayVar(&capAdd, "cap-add", nil, "add a capability to Docker's default set, repeatable")
	plat.addFlags(cmd, "image to take from an index (default: linux on this machine's architecture)")
	reg.addFlags(cmd)
	f.BoolVar(&asJSON, "json", false, "print the result (exit code, output, runtime, time) as JSON")
	return cmd
}
