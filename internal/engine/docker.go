package engine

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/dietimg/diet/internal/dockercli"
)

// Docker is driven through the docker command rather than the engine's Go
// client (github.com/moby/moby/client, which go-containerregistry's daemon
// package uses): attaching to a container with standard input, keeping its
// stdout and stderr apart and forwarding signals is what the command
// already does well, and it negotiates the API version with any engine
// (this one is Docker 20.10, API 1.41). The image goes in with
// `docker load` from a tarball streamed by go-containerregistry, under a
// tag unique to the run, and leaves with `docker rmi`.
//
// podman takes the same commands (podman.go says where it differs), so
// both are a cliEngine: the name of its command.
type cliEngine string

// docker runs one docker command and returns its stdout, or an error with
// its stderr (run).
func docker(ctx context.Context, stdin io.Reader, args ...string) (string, error) {
	return cliEngine(Docker).run(ctx, stdin, args...)
}

// run runs one command of the engine (dockercli.Run) and returns its
// stdout, trimmed, or a *dockercli.Error with its stderr.
func (e cliEngine) run(ctx context.Context, stdin io.Reader, args ...string) (string, error) {
	var stdout bytes.Buffer
	if err := dockercli.Run(ctx, string(e), stdin, &stdout, args...); err != nil {
		return "", err
	}
	return strings.TrimSpace(stdout.String()), nil
}

// initPID is the process ID the engine gives container name's first
// process, once /proc shows that process in the container's cgroup: an
// engine in a virtual machine or another PID namespace (Docker Desktop, a
// remote DOCKER_HOST) gives IDs that are not diet's.
func (e cliEngine) initPID(ctx context.Context, name string) (int, error) {
	out, err := e.run(ctx, nil, "inspect", "--format", "{{.Id}} {{.State.Pid}}", name)
	if err != nil {
		return 0, err
	}
	var id string
	var pid int
	if _, err := fmt.Sscan(out, &id, &pid); err != nil || pid <= 0 || len(id) < 12 {
		return 0, fmt.Errorf("%s inspect %s: no process in %q", e, name, out)
	}
	cg, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil || !bytes.Contains(cg, []byte(id)) {
		return 0, fmt.Errorf("process %d is not container %s here", pid, name)
	}
	return pid, nil
}

// loadDocker makes img known to the engine under a new tag and returns the
// tag and the image ID to run.
//
// The engine goes on with a load or a tag after the command dies, so both
// run to their end whatever ctx says; when ctx has ended meanwhile, the
// tag is removed again and ctx's error returned.
func (e cliEngine) load(ctx context.Context, img v1.Image) (tag, id string, err error) {
	if err := ctx.Err(); err != nil {
		return "", "", err
	}
	tag, id, err = e.loadUncanceled(context.WithoutCancel(ctx), img)
	if err == nil && ctx.Err() != nil {
		rmiCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		e.run(rmiCtx, nil, "rmi", tag)
		cancel()
		return "", "", ctx.Err()
	}
	return tag, id, err
}

func (e cliEngine) loadUncanceled(ctx context.Context, img v1.Image) (tag, id string, err error) {
	cfgName, err := img.ConfigName()
	if err != nil {
		return "", "", fmt.Errorf("reading image config digest: %w", err)
	}
	id = cfgName.String()
	if e == Podman {
		id = cfgName.Hex // podman's image IDs are the bare hex
	}
	tag = fmt.Sprintf("diet-run/%s:%s", cfgName.Hex[:12], randomID())
	// The engine names an image by its config digest: when it has the
	// image already, a tag is all that is needed.
	if _, err := e.run(ctx, nil, "image", "inspect", "--format", "{{.Id}}", id); err == nil {
		if _, err := e.run(ctx, nil, "tag", id, tag); err == nil {
			return tag, id, nil
		}
	}
	if e == Podman {
		return tag, id, loadPodman(ctx, img, id, tag)
	}
	ref, err := name.NewTag(tag)
	if err != nil {
		return "", "", err
	}
	if img, err = gzipLayers(img); err != nil {
		return "", "", err
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(tarball.Write(ref, img, pw)) }()
	_, err = docker(ctx, pr, "load", "--quiet")
	pr.CloseWithError(io.ErrClosedPipe)
	if err != nil {
		return "", "", fmt.Errorf("loading image into docker: %w", err)
	}
	return tag, id, nil
}

// startEngine starts img in the Docker engine or podman: the image held
// there by h, or when h is nil, img loaded for this run. release is
// called once the container is gone.
func startEngine(ctx context.Context, e cliEngine, img v1.Image, cfg *v1.ConfigFile, spec Spec, h *Held, release func()) (*Container, error) {
	if _, err := command(cfg, spec); err != nil {
		return nil, err
	}
	cname := "diet-run-" + randomID()
	profile, removeProfile, err := seccompFile(spec)
	if err != nil {
		release()
		return nil, err
	}
	defer removeProfile() // the command reads it: the engine keeps a copy
	create, args, err := createArgs(e, spec, cname)
	if err != nil {
		release()
		return nil, err
	}
	if profile != "" {
		create = append(create, "--security-opt", "seccomp="+profile)
	}
	id, rmi, err := e.image(ctx, img, h, release)
	if err != nil {
		return nil, err
	}
	create = append(append(create, id), args...)
	// As with loading, the engine creates the container even if the
	// command dies: create runs to its end, and ctx is looked at after.
	if _, err := e.run(context.WithoutCancel(ctx), nil, create...); err != nil {
		rmi()
		return nil, fmt.Errorf("creating container: %w", err)
	}
	c := &Container{ID: cname, Runtime: string(e), stopSignal: cfg.Config.StopSignal}
	if e == Podman {
		c.errCopy = &capped{max: 64 << 10}
	}
	c.cleanup = func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		e.run(ctx, nil, "rm", "--force", cname)
		rmi()
	}
	c.kill = func(ctx context.Context, sig string) error {
		_, err := e.run(ctx, nil, "kill", "--signal", sig, cname)
		return err
	}
	c.exitCode = func(ctx context.Context, attached int) (int, error) { return e.exitCode(ctx, c, attached) }
	c.initPID = func(ctx context.Context) (int, error) { return e.initPID(ctx, cname) }
	if err := ctx.Err(); err != nil {
		c.cleanup()
		return nil, err
	}
	interactive := spec.interactive()
	startArgs := []string{"start", "--attach"}
	if interactive {
		startArgs = append(startArgs, "--interactive")
	}
	c.cmd = exec.Command(string(e), append(startArgs, cname)...)
	if interactive {
		c.cmd.Stdin = stdin(spec)
	}
	// Signals for the program go through `docker kill`; the attached
	// command keeps to its own process group so that a terminal's ^C
	// reaches diet, which decides.
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := c.launch(spec); err != nil {
		return nil, err
	}
	return c, nil
}

// image returns the engine's id of the image to run: the held one's, or
// img loaded now, with rmi, which removes what this run loaded and then
// calls release.
func (e cliEngine) image(ctx context.Context, img v1.Image, h *Held, release func()) (id string, rmi func(), err error) {
	if h != nil {
		return h.id, release, nil
	}
	tag, loaded, err := e.load(ctx, img)
	if err != nil {
		return "", nil, err
	}
	return loaded, func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		e.run(ctx, nil, "rmi", tag)
		release()
	}, nil
}

// interactive reports whether the program gets a standard input.
func (spec Spec) interactive() bool { return spec.Stdin != nil || spec.StdinReader != nil }

// createArgs are the arguments of `docker create` up to the image, and
// the arguments after it (the command).
func createArgs(e cliEngine, spec Spec, cname string) (create, args []string, err error) {
	create = []string{"create", "--name", cname, "--network", spec.Network}
	if e == Podman {
		create = append(create, podmanDefaults()...)
	}
	if spec.interactive() {
		create = append(create, "--interactive")
	}
	for _, c := range spec.CapAdd {
		create = append(create, "--cap-add", strings.TrimPrefix(strings.ToUpper(c), "CAP_"))
	}
	if spec.User != "" {
		create = append(create, "--user", spec.User)
	}
	if spec.WorkingDir != "" {
		create = append(create, "--workdir", spec.WorkingDir)
	}
	for _, e := range spec.Env {
		create = append(create, "--env", e)
	}
	for _, m := range spec.Mounts {
		src, err := filepath.Abs(m.Source)
		if err != nil {
			return nil, nil, err
		}
		opt := "type=bind,source=" + src + ",target=" + m.Target
		if m.ReadOnly {
			opt += ",readonly"
		}
		create = append(create, "--mount", opt)
	}
	if spec.Entrypoint != nil {
		ep := ""
		if len(spec.Entrypoint) > 0 {
			ep = spec.Entrypoint[0]
			args = append(args, spec.Entrypoint[1:]...)
		}
		create = append(create, "--entrypoint", ep)
	}
	return create, append(args, spec.Args...), nil
}

// exitCode reads the exit code of container c from the engine; attached is
// the exit code of `docker start --attach`.
func (e cliEngine) exitCode(ctx context.Context, c *Container, attached int) (int, error) {
	out, err := e.run(ctx, nil, "inspect", "--format", "{{.State.Status}} {{.State.ExitCode}} {{json .State.Error}}", c.ID)
	if err != nil {
		return attached, fmt.Errorf("reading exit code: %w", err)
	}
	status, out, _ := strings.Cut(out, " ")
	codeText, errJSON, _ := strings.Cut(out, " ")
	if e == Podman && status == "created" && errJSON == `""` && attached != 0 {
		return podmanStartError(attached, c.errCopy)
	}
	code, err := strconv.Atoi(codeText)
	if err != nil {
		return attached, fmt.Errorf("reading exit code: %q", out)
	}
	var startErr string
	json.Unmarshal([]byte(errJSON), &startErr)
	// A program that is missing or cannot be executed is an exit code
	// (127, 126), as with docker run; anything else that kept the
	// container from starting is an error.
	if startErr != "" && !strings.Contains(startErr, "exec:") {
		return code, fmt.Errorf("starting container: %s", startErr)
	}
	return code, nil
}

// gzipLayers returns img with its zstd layers recompressed with gzip:
// Docker engines before 23 cannot load zstd layers, and the engine checks
// only the uncompressed contents, so the image keeps its ID.
func gzipLayers(img v1.Image) (v1.Image, error) {
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("reading layers: %w", err)
	}
	changed := false
	for i, l := range layers {
		mt, err := l.MediaType()
		if err != nil || !strings.Contains(string(mt), "zstd") {
			continue
		}
		l := l
		gz, err := tarball.LayerFromOpener(l.Uncompressed, tarball.WithCompressionLevel(gzip.BestSpeed))
		if err != nil {
			return nil, fmt.Errorf("recompressing layer %d: %w", i, err)
		}
		layers[i] = gz
		changed = true
	}
	if !changed {
		return img, nil
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	out, err := mutate.AppendLayers(empty.Image, layers...)
	if err != nil {
		return nil, err
	}
	return mutate.ConfigFile(out, cfg)
}
