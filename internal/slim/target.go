package slim

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dietimg/diet/internal/engine"
	"github.com/dietimg/diet/internal/probe"
	"github.com/dietimg/diet/internal/progress"
)

// Where the sensor and its record directory appear in the container.
const (
	sensorDir = "/.diet-sensor"
	recordDir = "/.diet-record"
)

// target runs one image for the probes, through a real runtime, and when
// tracing, under the sensor: the sensor starts the image's command under
// ptrace and writes one record per run into a host directory. The same
// diet binary, mounted in every run, is the helper that makes the network
// probes' requests inside the container (probe.Inside).
type target struct {
	img     v1.Image
	cfg     *v1.ConfigFile
	eng     engine.Engine
	tmp     string
	timeout time.Duration
	notes   *progress.Log // for Spec.Log
	// network is "none" (the default: a namespace of the container's
	// own, with a loopback) or "host".
	network string
	// ports are the ports the probes use, which under host networking
	// must not be open before the container starts.
	ports []int

	sensorHost string   // host directory holding the diet binary; "" for none
	sensorArgv []string // how the container starts it (prepareSensor)
	trace      bool     // run the image under the sensor
	recordHost string   // host directory the records are written to
	// traceProbeCmds runs cmd probes under the sensor too, each with a
	// record of its own (--keep-probe-files).
	traceProbeCmds bool
	// seccomp (--seccomp): calls makes the sensor record every system
	// call, and qemu-user's own log of the emulated program's (a foreign
	// image) with qemuStrace; aux are the records of what runs beside
	// the program in the container (seccomp.go); profile, when not nil,
	// is the filter every run is under.
	calls, qemuStrace bool
	aux               []string
	profile           []byte
	// held, when not nil, is img held in its runtime: the runs go
	// through it rather than getting img in each time.
	held *engine.Held
	// side, when not nil, is what runs beside the image: its Services
	// and the probes' commands (services.go).
	side *alongside

	runs    int
	execs   []string // record file of each Exec, in order
	service string   // record file of the Start
	probes  []string // record files of the traced cmd probes
}

// needsHelper says whether a probe runs the helper: all but exec probes
// run the service, and the network ones need the helper inside it.
func needsHelper(probes []probe.Probe) bool {
	for _, p := range probes {
		switch p.Kind {
		case probe.KindHTTP, probe.KindTCP, probe.KindScript, probe.KindOpenAPI:
			return true
		}
	}
	return false
}

// helper is the command line of the in-container helper, diet started
// as sensorArgv says (prepareSensor).
func helper(sensorArgv []string) []string {
	return append(append([]string{}, sensorArgv...), "probe-inside")
}

// probePorts are the ports a probe run may use: those of the http and tcp
// probes and the image's exposed TCP ports, in that order (a script's
// DIET_PROBE_ADDR is the first).
func probePorts(cfg *v1.ConfigFile, probes []probe.Probe) []int {
	var ports []int
	seen := map[int]bool{}
	add := func(p int) {
		if p > 0 && !seen[p] {
			seen[p] = true
			ports = append(ports, p)
		}
	}
	for _, p := range probes {
		if p.Kind == probe.KindHTTP || p.Kind == probe.KindTCP || p.Kind == probe.KindOpenAPI {
			add(p.Port)
		}
	}
	var exposed []int
	for k := range cfg.Config.ExposedPorts {
		port, proto, _ := strings.Cut(k, "/")
		if n, err := strconv.Atoi(port); err == nil && (proto == "" || proto == "tcp") {
			exposed = append(exposed, n)
		}
	}
	sort.Ints(exposed)
	for _, p := range exposed {
		add(p)
	}
	return ports
}

func (t *target) spec(args []string) (engine.Spec, string) {
	spec := engine.Spec{TempDir: t.tmp, Timeout: t.timeout, StopGrace: 10 * time.Second, Log: t.notes}
	if t.sensorHost != "" {
		spec.Mounts = []engine.Mount{{Source: t.sensorHost, Target: sensorDir, ReadOnly: true}}
	}
	spec.Seccomp = t.profile
	if !t.trace {
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
	if t.user() != "" {
		// The sensor stays root and starts the program as the image's
		// user: the kernel gives a traced exec its file capabilities
		// (a server binding port 80 through cap_net_bind_service) only
		// when the tracer holds them.
		spec.User = "0:0"
	}
	spec.Entrypoint = t.sensorCmd(rec, argv)
	// Reading the file descriptors and working directory of a traced
	// process that changed its user (nginx's workers run as www-data)
	// needs CAP_SYS_PTRACE: the one capability ptrace of one's own
	// children can need, and nothing more.
	spec.CapAdd = []string{"SYS_PTRACE"}
	spec.Mounts = append(spec.Mounts, engine.Mount{Source: t.recordHost, Target: recordDir})
	return spec, filepath.Join(t.recordHost, rec)
}

// recordFiles are the record files of the traced runs that answered
// outcomes, one per outcome: each exec probe's run of its own, in order,
// and the service's one run for the others.
func (t *target) recordFiles(outcomes []probe.Outcome) []string {
	files := make([]string, len(outcomes))
	ex := 0
	for i, o := range outcomes {
		files[i] = t.service
		if !o.Probe.Service() {
			if ex < len(t.execs) {
				files[i] = t.execs[ex]
			}
			ex++
		}
	}
	return files
}

// user is the image's user when it is not root: the traced program runs
// as that user while its sensor runs as root.
func (t *target) user() string {
	switch u := t.cfg.Config.User; u {
	case "", "0", "root", "0:0", "root:root":
		return ""
	default:
		return u
	}
}

// userFlags make diet's sensor or sensor-exec start its program as the
// image's user (with the HOME a runtime would give it).
func (t *target) userFlags() []string {
	flags := []string{"--user", t.user()}
	if !slices.ContainsFunc(t.cfg.Config.Env, func(e string) bool { return strings.HasPrefix(e, "HOME=") }) {
		flags = append(flags, "--set-home")
	}
	return flags
}

// sensorCmd is the command line that runs argv under the sensor, as the
// image's user, recording into rec of the record directory.
func (t *target) sensorCmd(rec string, argv []string) []string {
	cmd := append(append([]string{}, t.sensorArgv...), "sensor", "--out", recordDir+"/"+rec, "--stop-signal", cmp.Or(t.cfg.Config.StopSignal, "TERM"))
	cmd = append(cmd, t.callFlags()...)
	if t.user() != "" {
		cmd = append(append(cmd, t.userFlags()...), "--self", strings.Join(t.sensorArgv, " "))
	}
	return append(append(cmd, "--"), argv...)
}

func (t *target) Exec(ctx context.Context, args []string) (*probe.Output, error) {
	spec, rec := t.spec(args)
	if rec != "" {
		t.execs = append(t.execs, rec)
	}
	pod, err := t.up(ctx, &spec)
	if err != nil {
		return nil, err
	}
	defer pod.down(ctx)
	var res *engine.Result
	if t.held != nil {
		res, err = t.held.Run(ctx, spec)
	} else {
		res, err = t.eng.Run(ctx, t.img, spec)
	}
	return runOutput(res, err)
}

func (t *target) Start(ctx context.Context) (probe.Service, error) {
	spec, rec := t.spec(nil)
	spec.Network = t.network
	if spec.Network == "" {
		spec.Network = "none"
	}
	if spec.Network == "host" {
		if err := portsClosed(ctx, t.ports); err != nil {
			return nil, err
		}
	}
	spec.Timeout = 0
	t.service = rec
	pod, err := t.up(ctx, &spec)
	if err != nil {
		return nil, err
	}
	var c *engine.Container
	if t.held != nil {
		c, err = t.held.Start(ctx, spec)
	} else {
		c, err = t.eng.Start(ctx, t.img, spec)
	}
	if err != nil {
		pod.down(ctx)
		return nil, err
	}
	return service{c, t, pod}, nil
}

// portsClosed refuses host networking when a port of the probes is open
// before the container has started: whatever listens there would answer
// the probes in the image's place (another server, or the container of an
// earlier run that is still going).
func portsClosed(ctx context.Context, ports []int) error {
	for _, p := range ports {
		d := net.Dialer{Timeout: 500 * time.Millisecond}
		c, err := d.DialContext(ctx, "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err == nil {
			c.Close()
			return fmt.Errorf("--network host: port %d of the host is already open before the container started, so the probes would reach whatever listens there instead of the image; stop it, or leave out --network host (the default gives the container a network of its own)", p)
		}
	}
	return nil
}

type service struct {
	c   *engine.Container
	t   *target
	pod *pod // its Services, stopped after it
}

// Exec runs the helper inside the container, and a probe's command from
// the original image beside it (services.go), or inside it with
// --probe-cmd-inside; a cmd probe runs inside under the sensor, with a
// record of its own, when the probe's files are to be kept.
func (s service) Exec(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) (*probe.Output, error) {
	if s.t.outside(args) {
		return s.probeCmd(ctx, args, stdin, stdout)
	}
	helper := len(s.t.sensorArgv) > 0 && args[0] == s.t.sensorArgv[0]
	if s.t.calls && (helper || !s.t.traceProbeCmds) {
		args, helper = s.t.auxCmd(args), true
	}
	switch {
	case helper || !s.t.trace:
	case s.t.traceProbeCmds:
		rec := "probe-" + strconv.Itoa(len(s.t.probes)+1) + ".jsonl"
		s.t.probes = append(s.t.probes, filepath.Join(s.t.recordHost, rec))
		args = s.t.sensorCmd(rec, args)
	case s.t.user() != "":
		// The container runs as root for its sensor; the probe's
		// command runs as the image's user, as it would in the image.
		name := args[0]
		args = append(append(append(append([]string{}, s.t.sensorArgv...), "sensor-exec"), s.t.userFlags()...), append([]string{"--"}, args...)...)
		res, err := s.c.Exec(ctx, engine.ExecSpec{Args: args, Stdin: stdin, Stdout: stdout})
		if err == nil && res.ExitCode == 127 && bytes.HasPrefix(res.Stderr, []byte("diet: "+name+": ")) {
			return nil, fmt.Errorf("%s: not found in the image", name)
		}
		return output(res, err)
	}
	res, err := s.c.Exec(ctx, engine.ExecSpec{Args: args, Stdin: stdin, Stdout: stdout})
	if errors.Is(err, engine.ErrNotFound) {
		return nil, fmt.Errorf("%s: not found in the image", args[0])
	}
	return output(res, err)
}

// runOutput is the result of a run to completion as a probe's: one
// killed at its timeout is an outcome (the probe records how it ended),
// not an error.
func runOutput(res *engine.Result, err error) (*probe.Output, error) {
	if errors.Is(err, engine.ErrTimeout) && res != nil {
		err = nil
	}
	return output(res, err)
}

// output is a runtime's result as a probe's.
func output(res *engine.Result, err error) (*probe.Output, error) {
	if err != nil {
		return nil, err
	}
	return &probe.Output{ExitCode: res.ExitCode, Stdout: res.Stdout, Stderr: res.Stderr}, nil
}

func (s service) Done() <-chan struct{} { return s.c.Done() }

func (s service) Stop(ctx context.Context) (*probe.Output, error) {
	res, err := s.c.Stop(ctx)
	s.pod.down(ctx)
	if res == nil {
		if err == nil {
			err = errors.New("the container left no result")
		}
		return nil, err
	}
	return &probe.Output{ExitCode: res.ExitCode, Stdout: res.Stdout, Stderr: res.Stderr}, nil
}
