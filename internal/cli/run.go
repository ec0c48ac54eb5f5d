package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/spf13/cobra"

	"github.com/dietimg/diet/internal/runtime"
)

func init() { register(newRun) }

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
		spec      runtime.Spec
		stdinFile string
		asJSON    bool
		env       []string
		capAdd    []string
	)
	cmd := &cobra.Command{
		Use:   "run [flags] IMAGE [-- ARGS...]",
		Short: "Run an image in Docker or runc and pass its output and exit code through",
		Long: `Run an image to completion in a real container runtime, the way diet checks
the images it makes. ARGS replace the image's command, as in docker run.
The program's output is passed through and diet exits with its exit code.

The network is none (only loopback) unless --network host is given. With
--runtime auto, Docker is used when an engine answers, else runc (as root).`,
		Example: `  diet run oci:out/slice:latest -- 3-5 /etc/hostname
  diet run --runtime runc --stdin input.txt docker-archive:app.tar
  diet run --network host --timeout 30s docker://localhost:5000/app:slim -- --version
  diet run --json oci:out/app`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ref := args[0]
			spec.Args = args[1:]
			spec.Env = env
			spec.CapAdd = capAdd
			ctx := cmd.Context()
			img, err := readRunImage(ctx, ref)
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
			res, err := runtime.Run(ctx, img, spec)
			if err != nil && !errors.Is(err, runtime.ErrTimeout) {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				if err := enc.Encode(runOutput{
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
	f.StringVar(&spec.Runtime, "runtime", runtime.Auto, "container runtime: auto, docker or runc")
	f.StringVar(&spec.Network, "network", "none", "network: none (loopback only) or host")
	f.StringVar(&stdinFile, "stdin", "", "file to give the program as standard input (- for diet's own)")
	f.DurationVar(&spec.Timeout, "timeout", 0, "kill the container after this long (0: no limit)")
	f.StringVarP(&spec.User, "user", "u", "", "user to run as (name, uid or uid:gid)")
	f.StringVarP(&spec.WorkingDir, "workdir", "w", "", "working directory inside the container")
	f.StringArrayVarP(&env, "env", "e", nil, "set an environment variable (KEY=VALUE), repeatable")
	f.StringArrayVar(&capAdd, "cap-add", nil, "add a capability to Docker's default set, repeatable")
	f.BoolVar(&asJSON, "json", false, "print the result (exit code, output, runtime, time) as JSON")
	return cmd
}

// readRunImage reads the image for `diet run`.
//
// TODO: use image.Read once the image package is committed; until then
// oci:DIR[:TAG] and docker-archive:FILE are read here.
func readRunImage(ctx context.Context, ref string) (v1.Image, error) {
	_ = ctx
	switch {
	case strings.HasPrefix(ref, "oci:"):
		dir, tag := strings.TrimPrefix(ref, "oci:"), ""
		if i := strings.LastIndex(dir, ":"); i >= 0 {
			dir, tag = dir[:i], dir[i+1:]
		}
		p, err := layout.FromPath(dir)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", ref, err)
		}
		idx, err := p.ImageIndex()
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", ref, err)
		}
		im, err := idx.IndexManifest()
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", ref, err)
		}
		var found []v1.Descriptor
		for _, d := range im.Manifests {
			if tag == "" || d.Annotations["org.opencontainers.image.ref.name"] == tag {
				found = append(found, d)
			}
		}
		if len(found) != 1 {
			return nil, fmt.Errorf("reading %s: %d images match (name one with oci:DIR:TAG)", ref, len(found))
		}
		img, err := idx.Image(found[0].Digest)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", ref, err)
		}
		return img, nil
	case strings.HasPrefix(ref, "docker-archive:"):
		img, err := tarball.ImageFromPath(strings.TrimPrefix(ref, "docker-archive:"), nil)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", ref, err)
		}
		return img, nil
	}
	return nil, fmt.Errorf("%s: unsupported image location (use oci:DIR[:TAG] or docker-archive:FILE)", ref)
}
