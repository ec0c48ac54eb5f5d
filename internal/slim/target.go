package slim

import (
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dietimg/diet/internal/probe"
	"github.com/dietimg/diet/internal/runtime"
)

// Where the sensor and its record directory appear in the container.
const (
	sensorDir = "/.diet-sensor"
	recordDir = "/.diet-record"
)

// target runs one image for the probes, through a real runtime, and when
// a sensor is given, under it: the sensor starts the image's command under
// ptrace and writes one record per run into a host directory.
type target struct {
	img     v1.Image
	cfg     *v1.ConfigFile
	runtime string
	tmp     string
	timeout time.Duration
	notef   func(format string, args ...any) // for Spec.Notef

	sensorHost string // host directory holding the sensor binary "diet"; "" runs untraced
	recordHost string // host directory the records are written to

	runs    int
	execs   []string // record file of each Exec, in order
	service string   // record file of the Start
}

func (t *target) spec(args []string) (runtime.Spec, string) {
	spec := runtime.Spec{Runtime: t.runtime, TempDir: t.tmp, Timeout: t.timeout, StopGrace: 10 * time.Second, Notef: t.notef}
	if t.sensorHost == "" {
		spec.Args = args
		return spec, ""
	}
	t.runs++
	rec := "run-" + strconv.Itoa(t.runs) + ".jsonl"
	cmd := t.cfg.Config.Cmd
	if len(args) > 0 {
		cmd = args
	}
	argv := append(append([]string{}, t.cfg.Config.Entrypoint...), cmd...)
	spec.Entrypoint = append([]string{sensorDir + "/diet", "sensor", "--out", recordDir + "/" + rec, "--"}, argv...)
	// Reading the file descriptors and working directory of a traced
	// process that changed its user (nginx's workers run as www-data)
	// needs CAP_SYS_PTRACE: the one capability ptrace of one's own
	// children can need, and nothing more.
	spec.CapAdd = []string{"SYS_PTRACE"}
	spec.Mounts = []runtime.Mount{
		{Source: t.sensorHost, Target: sensorDir, ReadOnly: true},
		{Source: t.recordHost, Target: recordDir},
	}
	return spec, filepath.Join(t.recordHost, rec)
}

func (t *target) Exec(ctx context.Context, args []string) (*probe.Output, error) {
	spec, rec := t.spec(args)
	if rec != "" {
		t.execs = append(t.execs, rec)
	}
	res, err := runtime.Run(ctx, t.img, spec)
	if err != nil && !(errors.Is(err, runtime.ErrTimeout) && res != nil) {
		return nil, err
	}
	return &probe.Output{ExitCode: res.ExitCode, Stdout: res.Stdout, Stderr: res.Stderr}, nil
}

func (t *target) Start(ctx context.Context) (probe.Service, error) {
	spec, rec := t.spec(nil)
	spec.Network = "host"
	spec.Timeout = 0
	t.service = rec
	c, err := runtime.Start(ctx, t.img, spec)
	if err != nil {
		return nil, err
	}
	return service{c}, nil
}

type service struct{ c *runtime.Container }

func (s service) Done() <-chan struct{} { return s.c.Done() }

func (s service) Stop(ctx context.Context) (*probe.Output, error) {
	res, err := s.c.Stop(ctx)
	if res == nil {
		if err == nil {
			err = errors.New("the container left no result")
		}
		return nil, err
	}
	return &probe.Output{ExitCode: res.ExitCode, Stdout: res.Stdout, Stderr: res.Stderr}, nil
}

// prepareSensor copies the static diet binary at exe into a directory of
// its own under work, to be bind-mounted read-only into the container. A
// binary that needs a dynamic loader would not run in an arbitrary image:
// it is refused.
func prepareSensor(exe, work string) (string, error) {
	f, err := elf.Open(exe)
	if err != nil {
		return "", fmt.Errorf("sensor %s: %w", exe, err)
	}
	static := true
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			static = false
		}
	}
	machine := f.Machine
	f.Close()
	if !static {
		return "", fmt.Errorf("sensor %s is dynamically linked and cannot run inside the image: build diet with CGO_ENABLED=0, pass --sensor with a static diet, or use --no-trace", exe)
	}
	if machine != elf.EM_X86_64 {
		return "", fmt.Errorf("sensor %s is for %s: the sensor only traces x86_64", exe, machine)
	}
	dir := filepath.Join(work, "sensor")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	src, err := os.Open(exe)
	if err != nil {
		return "", err
	}
	defer src.Close()
	dst, err := os.OpenFile(filepath.Join(dir, "diet"), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o755)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return "", fmt.Errorf("copying the sensor: %w", err)
	}
	return dir, dst.Close()
}
