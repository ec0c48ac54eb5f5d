package slim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dietimg/diet/internal/compose"
	"github.com/dietimg/diet/internal/engine"
	"github.com/dietimg/diet/internal/probe"
	"github.com/dietimg/diet/internal/rootfs"
)

// What runs beside the image. A program that needs a database at
// start-up cannot be traced alone: its Services start first, from their
// own images, in one network namespace that the image's container then
// joins, so that the database answers it on 127.0.0.1 and under its
// service name (a hosts file every container of the namespace mounts).
// They start fresh for every run of the image, traced or verifying, are
// never traced or slimmed, and are removed when the run ends.
//
// A probe's command (redis-cli ping) is a client of the program, not
// part of it: it runs from the original image in a container of its own
// that joins the program's network namespace and sees the directories
// of the unix sockets the program made, so that neither the trace nor
// the slimmed image ever needs the client, and the verify asks the same
// question. Options.ProbeCmdInside keeps it inside the program's own
// container, for a probe that reads the container's files.

// Service is a program the image needs running beside it, as a compose
// file describes one (a --with IMAGE is one with a name only): its Name
// and Aliases resolve to the loopback inside the namespace; its
// Entrypoint, when not nil, replaces the image's (and drops its Cmd),
// its Command, when not empty, the Cmd; its Health, when not empty, is
// the test run inside it until it exits 0 (without it, the image's
// HEALTHCHECK; without that, "NONE" disabling both, the first of Ports,
// else of the image's exposed ports, accepting a TCP connection; with
// none of these it is ready once started).
type Service struct {
	compose.Service
	// Image is its image, read (compose.Service's Image only names it).
	Image v1.Image
}

// alongside is what the runs of one Slim share for its Services and
// probe commands: the images held, the hosts file, the original image
// that runs the probes' commands.
type alongside struct {
	r        *run // its original tree (rootDir, fsys) and config
	services []Service
	names    []string // the image's own names
	env      []string // added to the image's environment
	inside   bool     // probe commands run in the image's own container
	hosts    string   // the hosts file every container mounts; "" for none

	mu       sync.Mutex
	held     []*engine.Held // the Services' images, as they are first started
	original *engine.Held   // the original image, for the probes' commands
}

// newAlongside makes what the runs share from r's options, with the
// hosts file in r's working directory.
func newAlongside(r *run) (*alongside, error) {
	a := &alongside{r: r, services: r.opts.Services, names: r.opts.Names, env: r.opts.Env, inside: r.opts.ProbeCmdInside}
	a.held = make([]*engine.Held, len(a.services))
	names := slices.Clone(a.names)
	for i, s := range a.services {
		if s.Image == nil {
			return nil, fmt.Errorf("service %s: no image", s.Name)
		}
		if s.Name != "" && slices.ContainsFunc(a.services[:i], func(o Service) bool { return o.Name == s.Name }) {
			return nil, fmt.Errorf("two services are named %s", s.Name)
		}
		names = append(append(names, s.Name), s.Aliases...)
	}
	names = slices.DeleteFunc(names, func(n string) bool { return n == "" })
	if len(names) == 0 {
		return a, nil
	}
	a.hosts = filepath.Join(r.work, "hosts")
	if err := os.WriteFile(a.hosts, hostsFile(names), 0o644); err != nil {
		return nil, fmt.Errorf("writing the hosts file of the services: %w", err)
	}
	os.Chmod(a.hosts, 0o644)
	return a, nil
}

// hostsFile is an /etc/hosts giving names the loopback address.
func hostsFile(names []string) []byte {
	var b bytes.Buffer
	b.WriteString("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n")
	var seen []string
	for _, n := range names {
		if n != "localhost" && !slices.Contains(seen, n) {
			seen = append(seen, n)
		}
	}
	if len(seen) > 0 {
		fmt.Fprintf(&b, "127.0.0.1\t%s\n", strings.Join(seen, " "))
	}
	return b.Bytes()
}

// close lets the held images go. Nil-safe.
func (a *alongside) close() {
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for i, h := range a.held {
		if h != nil {
			h.Release()
			a.held[i] = nil
		}
	}
	if a.original != nil {
		a.original.Release()
		a.original = nil
	}
}

// hostsMount is the mount of the hosts file, if there is one.
func (a *alongside) hostsMount() []engine.Mount {
	if a == nil || a.hosts == "" {
		return nil
	}
	return []engine.Mount{{Source: a.hosts, Target: "/etc/hosts", ReadOnly: true}}
}

// pod is one run's Services, running: the network the image's container
// joins and what to stop after it.
type pod struct {
	network string // Spec.Network of a container joining the services
	ctrs    []*engine.Container
}

// up starts t's Services, each once the one before is ready, and makes
// spec (the image's run) join them and see the hosts file and the
// image's extra environment. A nil pod (no Services) is a valid one.
func (t *target) up(ctx context.Context, spec *engine.Spec) (*pod, error) {
	a := t.side
	if a == nil {
		return nil, nil
	}
	spec.Env = append(spec.Env, a.env...)
	spec.Mounts = append(spec.Mounts, a.hostsMount()...)
	if len(a.services) == 0 {
		return nil, nil
	}
	p := &pod{}
	for i, s := range a.services {
		c, err := t.startService(ctx, i, p.network)
		if err != nil {
			p.down(ctx)
			return nil, err
		}
		p.ctrs = append(p.ctrs, c)
		if p.network == "" {
			p.network = c.JoinNetwork()
			if t.network == "host" {
				p.network = "host"
			}
		}
		if err := t.ready(ctx, s, c); err != nil {
			p.down(ctx)
			return nil, fmt.Errorf("service %s: %w", s.Name, err)
		}
	}
	spec.Network = p.network
	return p, nil
}

// down stops and removes the pod's containers, the last started first,
// even when ctx has ended (engine's Stop then kills at once).
func (p *pod) down(ctx context.Context) {
	if p == nil {
		return
	}
	ctx = context.WithoutCancel(ctx)
	for i := len(p.ctrs) - 1; i >= 0; i-- {
		p.ctrs[i].Stop(ctx)
	}
	p.ctrs = nil
}

// startService starts the i-th Service, held on first use, in network
// (""; the first, which makes the namespace).
func (t *target) startService(ctx context.Context, i int, network string) (*engine.Container, error) {
	a, s := t.side, t.side.services[i]
	a.mu.Lock()
	h := a.held[i]
	if h == nil {
		var err error
		if h, err = t.eng.Hold(ctx, s.Image); err != nil {
			a.mu.Unlock()
			return nil, fmt.Errorf("service %s: %w", s.Name, err)
		}
		a.held[i] = h
	}
	a.mu.Unlock()
	if network == "" {
		network = t.network
		if network == "" {
			network = "none"
		}
	}
	spec := engine.Spec{TempDir: t.tmp, Network: network, StopGrace: 10 * time.Second, Log: t.notes,
		Entrypoint: s.Entrypoint, Args: s.Command, Env: s.Env, User: s.User, WorkingDir: s.WorkingDir,
		Mounts: append(slices.Clone(s.Mounts), a.hostsMount()...)}
	if t.sensorHost != "" {
		spec.Mounts = append(spec.Mounts, engine.Mount{Source: t.sensorHost, Target: sensorDir, ReadOnly: true})
	}
	c, err := h.Start(ctx, spec)
	if err != nil {
		return nil, fmt.Errorf("starting service %s: %w", s.Name, err)
	}
	return c, nil
}

// ready waits, within the probes' timeout, until service s running in c
// is ready: its health command exits 0, or its first port accepts a
// connection (the helper inside it asks). A service that ends first is
// not ready.
func (t *target) ready(ctx context.Context, s Service, c *engine.Container) error {
	timeout := t.timeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cfg, err := s.Image.ConfigFile()
	if err != nil {
		return fmt.Errorf("reading its image config: %w", err)
	}
	health, interval := healthArgs(s.Health), s.HealthInterval
	if len(s.Health) == 0 && cfg.Config.Healthcheck != nil {
		health = healthArgs(cfg.Config.Healthcheck.Test)
		interval = cfg.Config.Healthcheck.Interval
	}
	ports := s.Ports
	if len(ports) == 0 {
		ports = probePorts(cfg, nil)
	}
	var check func() (bool, string)
	what := ""
	switch {
	case len(health) > 0:
		what = fmt.Sprintf("its healthcheck (%s) did not pass", strings.Join(health, " "))
		check = func() (bool, string) {
			res, err := c.Exec(ctx, engine.ExecSpec{Args: health, MaxOutput: 64 << 10})
			switch {
			case err != nil:
				return false, err.Error()
			case res.ExitCode != 0:
				return false, fmt.Sprintf("exit %d: %s", res.ExitCode, firstLines(append(res.Stdout, res.Stderr...)))
			}
			return true, ""
		}
	case len(ports) > 0 && t.sensorHost != "":
		what = fmt.Sprintf("its port %d never accepted a connection", ports[0])
		check = func() (bool, string) {
			arg, _ := json.Marshal(probe.Request{Kind: "tcp", Port: ports[0], Timeout: timeout})
			var out bytes.Buffer
			res, err := c.Exec(ctx, engine.ExecSpec{Args: append(helper(t.sensorArgv), string(arg)), Stdout: &out})
			if err != nil {
				return false, err.Error()
			}
			var ans probe.Answer
			if res.ExitCode != 0 || json.Unmarshal(out.Bytes(), &ans) != nil {
				return false, fmt.Sprintf("the helper exited %d: %s", res.ExitCode, firstLines(res.Stderr))
			}
			return ans.Error == "", ans.Error
		}
	default:
		return nil
	}
	interval = min(max(interval, 200*time.Millisecond), time.Second)
	last := ""
	for {
		ok, why := check()
		if ok {
			return nil
		}
		if why != "" {
			last = why
		}
		select {
		case <-c.Done():
			res, _ := c.Wait(context.WithoutCancel(ctx))
			if res == nil {
				return errors.New("it ended before it was ready")
			}
			return fmt.Errorf("it exited %d before it was ready; its stderr: %s", res.ExitCode, firstLines(res.Stderr))
		case <-ctx.Done():
			return fmt.Errorf("not ready within %s: %s (%s)", timeout, what, last)
		case <-time.After(interval):
		}
	}
}

// healthArgs is a healthcheck's test in exec form: CMD's arguments, or
// CMD-SHELL's command run by /bin/sh; nil for NONE or none.
func healthArgs(test []string) []string {
	if len(test) < 2 {
		return nil
	}
	switch test[0] {
	case "CMD":
		return slices.Clone(test[1:])
	case "CMD-SHELL":
		return []string{"/bin/sh", "-c", strings.Join(test[1:], " ")}
	}
	return nil
}

// outside says whether a probe's command args runs from the original
// image in a container of its own (not the helper, not a command traced
// for --keep-probe-files, not --probe-cmd-inside).
func (t *target) outside(args []string) bool {
	helper := len(t.sensorArgv) > 0 && len(args) > 0 && args[0] == t.sensorArgv[0]
	return t.side != nil && !t.side.inside && !t.traceProbeCmds && !helper
}

// probeCmd runs a probe's command from the original image, as its user
// and with its environment, in the network of s (and its Services), with
// the directories of the unix sockets s's program made.
func (s service) probeCmd(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) (*probe.Output, error) {
	t, a := s.t, s.t.side
	r := a.r
	if p := lookPath(r.fsys, args[0], r.cfg.Config.Env, r.cfg.Config.WorkingDir); p == "" || !statOK(r.fsys, p) {
		return nil, fmt.Errorf("%s: not found in the image", args[0])
	}
	a.mu.Lock()
	h := a.original
	if h == nil {
		var err error
		if h, err = t.eng.HoldDir(ctx, r.img, r.rootDir); err != nil {
			a.mu.Unlock()
			return nil, fmt.Errorf("holding the original image for the probe's command: %w", err)
		}
		a.original = h
	}
	a.mu.Unlock()
	spec := engine.Spec{TempDir: t.tmp, Entrypoint: args, Env: a.env, Log: t.notes, StopGrace: 5 * time.Second,
		Network: s.c.JoinNetwork(), Stdout: stdout, Mounts: a.hostsMount()}
	if s.pod != nil {
		spec.Network = s.pod.network
	}
	if t.network == "host" {
		spec.Network = "host"
	}
	if stdin != nil {
		spec.StdinReader = stdin
	}
	spec.Mounts = append(spec.Mounts, t.socketDirs(ctx, s.c)...)
	return runOutput(h.Run(ctx, spec))
}

// statOK says whether p is in the tree, following its links there.
func statOK(fsys rootfs.FS, p string) bool {
	_, err := rootfs.Stat(fsys, p)
	return err == nil
}

// socketDirs are the mounts of the directories holding the unix sockets
// that c's program made, from c's root file system on this machine, at
// the same places. Where they cannot be found (podman without root on
// its vfs driver), none: a probe that needs a socket then says so.
func (t *target) socketDirs(ctx context.Context, c *engine.Container) []engine.Mount {
	socks, err := c.UnixSockets(ctx)
	if err != nil || len(socks) == 0 {
		return nil
	}
	root, err := c.RootDir(ctx)
	if err != nil {
		t.notes.Printf("the probe's command cannot see the program's unix sockets: %v", err)
		return nil
	}
	fsys, err := rootfs.Dir(root)
	if err != nil {
		return nil
	}
	var mounts []engine.Mount
	for _, sock := range socks {
		if strings.HasPrefix(sock, sensorDir+"/") || strings.HasPrefix(sock, recordDir+"/") {
			continue
		}
		res, err := rootfs.Resolve(fsys, sock)
		if err != nil {
			continue
		}
		// Another container of the namespace (a Service) may have bound
		// this name in its own file system.
		fi, err := os.Lstat(filepath.Join(root, res.Path))
		if err != nil || fi.Mode()&fs.ModeSocket == 0 {
			continue
		}
		dir := path.Dir(res.Path)
		if dir == "/" || slices.ContainsFunc(mounts, func(m engine.Mount) bool { return m.Target == dir }) {
			continue
		}
		mounts = append(mounts, engine.Mount{Source: filepath.Join(root, dir), Target: dir, ReadOnly: true})
	}
	return mounts
}
