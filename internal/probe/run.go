package probe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
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
	// Start starts the image's default command in the background, with
	// host networking so that its ports are on 127.0.0.1.
	Start(ctx context.Context) (Service, error)
}

// Service is the image's default command running in the background.
type Service interface {
	// Done is closed once the program has ended.
	Done() <-chan struct{}
	// Stop ends the program (SIGTERM, then SIGKILL) and returns its output.
	Stop(ctx context.Context) (*Output, error)
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
	// Running says the program was still running when the probe ended
	// (wait and default probes).
	Running bool `json:"running,omitempty"`
	// Error says why the probe got no answer ("port 80 never answered").
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
	for _, i := range service {
		out[i] = runService(ctx, svc, probes[i], opts)
	}
	res, err := svc.Stop(ctx)
	if err != nil {
		return nil, fmt.Errorf("stopping the image: %w", err)
	}
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

func runExec(ctx context.Context, target Target, p Probe, opts Options) (Outcome, error) {
	ctx, cancel := context.WithTimeout(ctx, opts.timeout())
	defer cancel()
	res, err := target.Exec(ctx, p.Args)
	if err != nil {
		return Outcome{}, fmt.Errorf("probe %s: %w", p, err)
	}
	return Outcome{Probe: p, ExitCode: res.ExitCode, Stdout: res.Stdout, Stderr: res.Stderr}, nil
}

func runService(ctx context.Context, svc Service, p Probe, opts Options) Outcome {
	o := Outcome{Probe: p}
	switch p.Kind {
	case KindHTTP:
		o.Status, o.Body, o.Error = httpGet(ctx, svc, p.Port, p.Path, opts.timeout())
	case KindScript:
		res, err := runScript(ctx, p.Script, opts)
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

// httpGet waits for the port to answer on 127.0.0.1 and returns the status
// and body of GET path, or why there was none.
func httpGet(ctx context.Context, svc Service, port int, path string, timeout time.Duration) (int, []byte, string) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := &http.Client{
		Timeout:       30 * time.Second,
		Transport:     &http.Transport{DisableKeepAlives: true, Proxy: nil},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	url := "http://127.0.0.1:" + strconv.Itoa(port) + path
	var last error
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return 0, nil, err.Error()
		}
		resp, err := client.Do(req)
		if err == nil {
			body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
			resp.Body.Close()
			if err != nil {
				return resp.StatusCode, body, "reading body: " + err.Error()
			}
			return resp.StatusCode, body, ""
		}
		last = err
		select {
		case <-svc.Done():
			return 0, nil, fmt.Sprintf("the program ended before port %d answered", port)
		case <-ctx.Done():
			return 0, nil, fmt.Sprintf("port %d never answered within %s: %v", port, timeout, last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// runScript runs a host script: directly when it is executable, else
// with sh. Its environment says where the container listens.
func runScript(ctx context.Context, name string, opts Options) (*Output, error) {
	ctx, cancel := context.WithTimeout(ctx, opts.timeout())
	defer cancel()
	fi, err := os.Stat(name)
	if err != nil {
		return nil, fmt.Errorf("probe script: %w", err)
	}
	var cmd *exec.Cmd
	if fi.Mode()&0o111 != 0 {
		cmd = exec.CommandContext(ctx, name)
	} else {
		cmd = exec.CommandContext(ctx, "sh", name)
	}
	cmd.Env = append(append(os.Environ(), "DIET_PROBE_HOST=127.0.0.1"), opts.Env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second
	err = cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		if ctx.Err() != nil {
			return nil, fmt.Errorf("probe script %s: %w", name, ctx.Err())
		}
	default:
		return nil, fmt.Errorf("probe script %s: %w", name, err)
	}
	return &Output{ExitCode: cmd.ProcessState.ExitCode(), Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}, nil
}
