package probe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"time"
)

// Output is how a run of the image, or of a script, ended.
type Output struct {
	ExitCode int
	Stdout   []byte
	Stderr   []byte
}

// Target runs the image being probed.
type Target interface {
	// Exec runs the image with args replacing its Cmd, to completion.
	Exec(ctx context.Context, args []string) (*Output, error)
	// Start starts the image's default command in the background, in a
	// network namespace of its own (or the host's, as the caller chose).
	Start(ctx context.Context) (Service, error)
}

// Service is the image's default command running in the background.
type Service interface {
	// Done is closed once the program has ended.
	Done() <-chan struct{}
	// Stop ends the program (SIGTERM, then SIGKILL) and returns its
	// output once its container is gone.
	Stop(ctx context.Context) (*Output, error)
	// Exec runs args inside the running container, in its namespaces,
	// with stdin (nil: empty) and, when stdout is not nil, its output
	// going there rather than into the Output. A command that is not in
	// the container is an error.
	Exec(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) (*Output, error)
}

// Options bound the probes.
type Options struct {
	// Timeout bounds each probe: an exec run, the wait for an http port,
	// a script. 0 means 60 seconds.
	Timeout time.Duration
	// DefaultWait is how long the default command runs when no probe is
	// given. 0 means 15 seconds: the wait includes the runtime's own
	// start and cleanup, which take seconds for a large image.
	DefaultWait time.Duration
	// Env is added to the environment of script probes.
	Env []string
	// Helper is the command line, inside the container, of the diet that
	// carries out the network probes there (Inside): diet itself, run
	// with a hidden command, with the Request as the last argument.
	Helper []string
	// Ports are the container's ports a script probe can reach, through
	// host ports diet forwards (DIET_PROBE_ADDR). None: the ports of the
	// http and tcp probes.
	Ports []int
	// Crawl bounds the crawler, which follows the same-origin links of
	// the HTML answers of http probes (zero: no crawl).
	Crawl Crawl
	// Replay says the probes are those of an earlier run's outcomes
	// (OutcomeProbes), requests the crawler and OpenAPI documents added
	// included: nothing is crawled or expanded again.
	Replay bool
}

func (o Options) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return 60 * time.Second
}

// Outcome is what one probe saw. Reports and comparisons use it; the
// fields that do not apply to the probe's kind stay zero.
type Outcome struct {
	Probe    Probe  `json:"probe"`
	ExitCode int    `json:"exit_code"`
	Stdout   []byte `json:"stdout,omitempty"`
	Stderr   []byte `json:"stderr,omitempty"`
	Status   int    `json:"status,omitempty"`
	Body     []byte `json:"body,omitempty"`
	// ContentType is an HTTP answer's, compared as the body is;
	// Location a redirect's, which the crawler follows.
	ContentType string `json:"content_type,omitempty"`
	Location    string `json:"location,omitempty"`
	// Running says the program was still running when the probe ended
	// (wait and default probes).
	Running bool `json:"running,omitempty"`
	// Error says why the probe got no answer ("port 80 never accepted a
	// connection within 1m0s").
	Error string `json:"error,omitempty"`
}

// maxBody bounds an HTTP body kept for comparison.
const maxBody = 64 << 20

// Run drives target with each probe in turn and returns what each saw.
// Exec probes each run the image once; the other probes share one run of
// its default command. With no probe, the default command runs for
// Options.DefaultWait. An error means the image could not be run at all;
// a program that fails is an Outcome.
func Run(ctx context.Context, target Target, probes []Probe, opts Options) ([]Outcome, error) {
	if len(probes) == 0 {
		probes = []Probe{{Kind: KindDefault}}
	}
	out := make([]Outcome, len(probes))
	var service []int
	for i, p := range probes {
		if p.Service() {
			service = append(service, i)
			continue
		}
		o, err := runExec(ctx, target, p, opts)
		if err != nil {
			return nil, err
		}
		out[i] = o
	}
	if len(service) == 0 {
		return out, nil
	}
	svc, err := target.Start(ctx)
	if err != nil {
		return nil, fmt.Errorf("starting the image for probe %s: %w", probes[service[0]], err)
	}
	if opts.Ports == nil {
		for _, p := range probes {
			if p.Kind == KindHTTP || p.Kind == KindTCP || p.Kind == KindOpenAPI {
				opts.Ports = append(opts.Ports, p.Port)
			}
		}
	}
	ready := false
	sess := newSession()
	var extra []Outcome // what the crawler and OpenAPI documents added
	for _, i := range service {
		if probes[i].Kind == KindCmd && !ready {
			awaitPorts(ctx, svc, opts)
			ready = true
		}
		out[i] = runService(ctx, svc, probes[i], opts, sess)
		if probes[i].Kind == KindOpenAPI && !opts.Replay && out[i].Failure() == "" {
			ops, err := openAPIProbes(out[i].Body, probes[i].Port, probes[i].Path)
			if err != nil {
				out[i].Error = err.Error()
				continue
			}
			for _, op := range ops {
				extra = append(extra, runService(ctx, svc, op, opts, sess))
			}
		}
	}
	if !opts.Replay && opts.Crawl.Max > 0 {
		extra = append(extra, crawl(ctx, svc, opts, sess, append(slices.Clip(out), extra...))...)
	}
	res, err := svc.Stop(ctx)
	if err != nil {
		return nil, fmt.Errorf("stopping the image: %w", err)
	}
	out = append(out, extra...)
	for _, i := range service {
		if probes[i].Kind == KindDefault && !out[i].Running && res != nil {
			out[i].ExitCode, out[i].Stdout, out[i].Stderr = res.ExitCode, res.Stdout, res.Stderr
		}
		if out[i].Error != "" && res != nil && len(out[i].Stderr) == 0 {
			out[i].Stderr = res.Stderr
		}
	}
	return out, nil
}

// OutcomeProbes are the probes of outcomes, those the crawler and
// OpenAPI documents added included: what a second run asks, with
// Options.Replay, to ask exactly what the first asked.
func OutcomeProbes(outs []Outcome) []Probe {
	ps := make([]Probe, len(outs))
	for i, o := range outs {
		ps[i] = o.Probe
	}
	return ps
}

func runExec(ctx context.Context, target Target, p Probe, opts Options) (Outcome, error) {
	ctx, cancel := context.WithTimeout(ctx, opts.timeout())
	defer cancel()
	res, err := target.Exec(ctx, p.Args)
	if err != nil {
		return Outcome{}, fmt.Errorf("probe %s: %w", p, err)
	}
	return Outcome{Probe: p, ExitCode: res.ExitCode, Stdout: res.Stdout, Stderr: res.Stderr}, nil
}

// awaitPorts waits, from inside the container, until each of the ports
// accepts a connection, so that a command probe (a client such as
// redis-cli or psql) does not run before the server listens: under the
// trace a server starts several times slower than it does alone. A port
// that never accepts only ends the wait; the command then runs and its
// outcome says what it met.
func awaitPorts(ctx context.Context, svc Service, opts Options) {
	ctx, cancel := context.WithTimeout(ctx, opts.timeout()+15*time.Second)
	defer cancel()
	for _, port := range opts.Ports {
		if a := ask(ctx, svc, opts.Helper, Request{Kind: "tcp", Port: port, Timeout: opts.timeout()}); a.Error != "" {
			return
		}
	}
}

func runService(ctx context.Context, svc Service, p Probe, opts Options, sess *session) Outcome {
	o := Outcome{Probe: p}
	// The helper and the command bound themselves by the timeout; the
	// margin is for the runtime to start them.
	ctx, cancel := context.WithTimeout(ctx, opts.timeout()+15*time.Second)
	defer cancel()
	switch p.Kind {
	case KindHTTP, KindOpenAPI:
		req, err := sess.request(p)
		if err != nil {
			o.Error = err.Error()
			break
		}
		req.Timeout = opts.timeout()
		sess.answer(&o, ask(ctx, svc, opts.Helper, req))
	case KindTCP:
		a := ask(ctx, svc, opts.Helper, Request{Kind: "tcp", Port: p.Port, Send: p.Send, Expect: p.Expect, Timeout: opts.timeout()})
		o.Body, o.Error = a.Body, a.Error
	case KindCmd:
		cctx, cancel := context.WithTimeout(ctx, opts.timeout())
		defer cancel()
		res, err := svc.Exec(cctx, p.Args, nil, nil)
		switch {
		case cctx.Err() != nil:
			o.Error = fmt.Sprintf("%s did not end within %s", p.Args[0], opts.timeout())
		case err != nil:
			o.Error = err.Error()
		default:
			o.ExitCode, o.Stdout, o.Stderr = res.ExitCode, res.Stdout, res.Stderr
		}
	case KindScript:
		fwd, err := forward(ctx, svc, opts.Helper, opts.Ports, opts)
		if err != nil {
			o.Error = err.Error()
			break
		}
		res, err := runScript(ctx, p.Script, opts, fwd.env)
		fwd.wait()
		if err != nil {
			o.Error = err.Error()
		} else {
			o.ExitCode, o.Stdout, o.Stderr = res.ExitCode, res.Stdout, res.Stderr
		}
	case KindWait, KindDefault:
		d := p.Wait
		if p.Kind == KindDefault {
			d = opts.DefaultWait
			if d <= 0 {
				d = 15 * time.Second
			}
		}
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-svc.Done():
		case <-t.C:
			o.Running = true
		case <-ctx.Done():
			o.Error = ctx.Err().Error()
		}
	}
	return o
}

// runScript runs a host script: directly when it is executable, else
// with sh. Its environment (env) says where the container listens.
func runScript(ctx context.Context, name string, opts Options, env []string) (*Output, error) {
	ctx, cancel := context.WithTimeout(ctx, opts.timeout())
	defer cancel()
	fi, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	var cmd *exec.Cmd
	if fi.Mode()&0o111 != 0 {
		cmd = exec.CommandContext(ctx, name)
	} else {
		cmd = exec.CommandContext(ctx, "sh", name)
	}
	cmd.Env = append(append(os.Environ(), env...), opts.Env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second
	err = cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		if ctx.Err() != nil {
			return nil, fmt.Errorf("did not end within %s", opts.timeout())
		}
	default:
		return nil, fmt.Errorf("running it: %w", err)
	}
	return &Output{ExitCode: cmd.ProcessState.ExitCode(), Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}, nil
}
