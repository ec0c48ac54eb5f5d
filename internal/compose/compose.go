// Package compose reads what diet slim needs of a Compose file: the
// image of the service to slim, and the services it depends on
// (depends_on, transitively), in the order they start, each with its
// image, environment, command, volumes, healthcheck and ports. The file
// is read by the Compose specification's own loader
// (github.com/compose-spec/compose-go), with its interpolation, .env
// file, extends and includes; every profile is active.
package compose

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/dietimg/diet/internal/engine"
)

// ErrBuildOnly is returned for a service that has build: and no image:,
// which must be built before diet can run it.
var ErrBuildOnly = errors.New("compose: the service has only build:, no image:")

// Service is one service of the file, as diet runs it.
type Service struct {
	Name string
	// Aliases are its other names: container_name, hostname, and its
	// aliases on its networks.
	Aliases []string
	// Image is its image: ""; with Build, when it has only build:.
	Image string
	Build bool
	// Entrypoint, when not nil, replaces the image's; Command, when not
	// nil, its Cmd.
	Entrypoint, Command []string
	// Env is its environment, KEY=VALUE, sorted.
	Env              []string
	User, WorkingDir string
	// Mounts are its bind mounts; named volumes and tmpfs are left out
	// (a fresh container's own directory is what a new volume holds).
	Mounts []engine.Mount
	// Health is its healthcheck's test as Docker writes it ("CMD",
	// args... or "CMD-SHELL", command; "NONE" when disabled; nil: none
	// given), run every HealthInterval (0: not given).
	Health         []string
	HealthInterval time.Duration
	// Ports are its TCP ports: those of expose:, then the container's
	// side of ports:.
	Ports []int
}

// Project is the file read: the service to slim and the services it
// depends on, first to start first.
type Project struct {
	Name    string
	File    string
	Target  Service
	Depends []Service
}

// Load reads file and returns service name with what it depends on. A
// file that does not parse or has no such service is an error naming
// it.
func Load(ctx context.Context, file, name string) (*Project, error) {
	opts, err := cli.NewProjectOptions([]string{file},
		cli.WithOsEnv, cli.WithDotEnv, cli.WithProfiles([]string{"*"}),
		cli.WithWorkingDirectory(filepath.Dir(file)))
	if err != nil {
		return nil, fmt.Errorf("reading compose file %s: %w", file, err)
	}
	p, err := opts.LoadProject(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading compose file %s: %w", file, err)
	}
	if _, ok := p.Services[name]; !ok {
		names := slices.Sorted(maps.Keys(p.Services))
		return nil, fmt.Errorf("compose file %s has no service %q (its services: %s)", file, name, strings.Join(names, ", "))
	}
	order, err := dependencies(p, name)
	if err != nil {
		return nil, fmt.Errorf("compose file %s: %w", file, err)
	}
	out := &Project{Name: p.Name, File: file, Target: service(p.Services[name])}
	for _, d := range order {
		out.Depends = append(out.Depends, service(p.Services[d]))
	}
	return out, nil
}

// dependencies are the services name depends on, transitively, each
// after its own dependencies.
func dependencies(p *types.Project, name string) ([]string, error) {
	var order []string
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(n string, path []string) error
	visit = func(n string, path []string) error {
		switch state[n] {
		case 1:
			return fmt.Errorf("services depend on each other in a cycle: %s", strings.Join(append(path, n), " -> "))
		case 2:
			return nil
		}
		s, ok := p.Services[n]
		if !ok {
			return fmt.Errorf("service %s depends on %s, which the file does not define", path[len(path)-1], n)
		}
		state[n] = 1
		deps := s.GetDependencies()
		sort.Strings(deps)
		for _, d := range deps {
			if err := visit(d, append(path, n)); err != nil {
				return err
			}
		}
		state[n] = 2
		if n != name {
			order = append(order, n)
		}
		return nil
	}
	return order, visit(name, nil)
}

// service is what diet runs of one service's configuration.
func service(s types.ServiceConfig) Service {
	out := Service{Name: s.Name, Image: s.Image, Build: s.Build != nil, User: s.User, WorkingDir: s.WorkingDir}
	for _, a := range []string{s.ContainerName, s.Hostname} {
		if a != "" && a != s.Name && !slices.Contains(out.Aliases, a) {
			out.Aliases = append(out.Aliases, a)
		}
	}
	for _, n := range slices.Sorted(maps.Keys(s.Networks)) {
		if nc := s.Networks[n]; nc != nil {
			for _, a := range nc.Aliases {
				if a != s.Name && !slices.Contains(out.Aliases, a) {
					out.Aliases = append(out.Aliases, a)
				}
			}
		}
	}
	if s.Entrypoint != nil {
		out.Entrypoint = slices.Clone([]string(s.Entrypoint))
	}
	if s.Command != nil {
		out.Command = slices.Clone([]string(s.Command))
	}
	for k, v := range s.Environment {
		if v != nil {
			out.Env = append(out.Env, k+"="+*v)
		}
	}
	sort.Strings(out.Env)
	for _, v := range s.Volumes {
		if v.Type == types.VolumeTypeBind && v.Source != "" && v.Target != "" {
			out.Mounts = append(out.Mounts, engine.Mount{Source: v.Source, Target: v.Target, ReadOnly: v.ReadOnly})
		}
	}
	if hc := s.HealthCheck; hc != nil && hc.Disable {
		out.Health = []string{"NONE"}
	} else if hc != nil {
		out.Health = slices.Clone([]string(hc.Test))
		if hc.Interval != nil {
			out.HealthInterval = time.Duration(*hc.Interval)
		}
	}
	out.Ports = portList(s.Expose)
	for _, p := range s.Ports {
		if (p.Protocol == "" || p.Protocol == "tcp") && p.Target > 0 && !slices.Contains(out.Ports, int(p.Target)) {
			out.Ports = append(out.Ports, int(p.Target))
		}
	}
	return out
}

// portList turns expose: entries ("6379", "6379/tcp", "8000-8001") into
// the TCP ports they name, the first of a range only.
func portList(specs []string) []int {
	var out []int
	for _, s := range specs {
		p, proto, _ := strings.Cut(s, "/")
		if proto != "" && proto != "tcp" {
			continue
		}
		p, _, _ = strings.Cut(p, "-")
		if n, err := strconv.Atoi(p); err == nil && n > 0 && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// ImageOf is the image to run for s, or ErrBuildOnly, with what to do,
// for a service that has only build:.
func (p *Project) ImageOf(s Service) (string, error) {
	if s.Image != "" {
		return s.Image, nil
	}
	if s.Build {
		return "", fmt.Errorf("service %s of %s: %w: build it first (docker compose -f %s build %s, which tags it %s-%s) and give it an image: name", s.Name, p.File, ErrBuildOnly, p.File, s.Name, p.Name, s.Name)
	}
	return "", fmt.Errorf("service %s of %s has no image:", s.Name, p.File)
}
