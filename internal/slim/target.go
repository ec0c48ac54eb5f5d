package slim

import (
	"context"
	"errors"
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

	sensorHost string   // host directory holding the sensor binary "diet"; "" runs untraced
	sensorArgv []string // how the container starts the sensor (sensor.argv)
	recordHost string   // host directory the records are written to

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
	spec.Entrypoint = append(append(append([]string{}, t.sensorArgv...), "sensor", "--out", recordDir+"/"+rec, "--"), argv...)
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
