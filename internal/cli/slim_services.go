package cli

import (
	"context"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/spf13/cobra"

	"github.com/dietimg/diet/internal/compose"
	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/slim"
)

// alongside are slim's flags for what runs beside the image: the
// services of a compose file or --with images, and where probe commands
// run.
type alongside struct {
	compose, service string
	with             []string
	probeCmdInside   bool
	project          *compose.Project // read by image
}

func (a *alongside) addFlags(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&a.compose, "compose", "", "compose `FILE`: slim the image of --service, with the services it depends on (depends_on) started first from their own images in the same network, as the file gives them, for every run; IMAGE may then be left out")
	fl.StringVar(&a.service, "service", "", "with --compose, the `NAME` of the service to slim")
	fl.StringArrayVar(&a.with, "with", nil, "[NAME=]IMAGE: start this image first, in the same network, for every run (a database the program needs); NAME (default: the image's name) resolves to 127.0.0.1 there (repeatable)")
	fl.BoolVar(&a.probeCmdInside, "probe-cmd-inside", false, "run --probe-cmd commands inside the image's own container, as a command that reads the container's files needs (the probe's tool must then be in the slimmed image too: --keep-probe-files)")
}

// image is the image to slim: IMAGE, or with --compose, the image of
// --service, which IMAGE must then name too when given (or stand for,
// when the service has only build:).
func (a *alongside) image(ctx context.Context, args []string) (string, error) {
	switch {
	case a.compose == "" && a.service != "":
		return "", errors.New("--service names a service of --compose FILE: give --compose too")
	case a.compose == "" && len(args) == 0:
		return "", errors.New("diet slim needs IMAGE (or --compose FILE --service NAME)")
	case a.compose == "":
		return args[0], nil
	case a.service == "":
		return "", fmt.Errorf("--compose %s: give --service NAME, the service to slim", a.compose)
	}
	p, err := compose.Load(ctx, a.compose, a.service)
	if err != nil {
		return "", err
	}
	a.project = p
	ref, err := p.ImageOf(p.Target)
	switch {
	case errors.Is(err, compose.ErrBuildOnly) && len(args) == 1:
		return args[0], nil // the image built from it
	case err != nil:
		return "", err
	case len(args) == 1 && !sameImage(args[0], ref):
		return "", fmt.Errorf("IMAGE %s is not the image of service %s (%s): leave IMAGE out to slim that one", args[0], a.service, ref)
	case len(args) == 1:
		return args[0], nil
	}
	return ref, nil
}

// sameImage says whether two locations name the same image: the same
// text, or the same reference under Docker's names (a bare one,
// docker://, docker-daemon:).
func sameImage(a, b string) bool {
	if a == b {
		return true
	}
	norm := func(s string) string {
		loc, err := image.Parse(s)
		if err != nil || (loc.Transport != image.Docker && loc.Transport != image.DockerDaemon) {
			return s
		}
		ref, err := name.ParseReference(loc.Ref)
		if err != nil {
			return s
		}
		return ref.Name()
	}
	return norm(a) == norm(b)
}

// options adds the services, the names and environment of --service and
// where probe commands run to opts, reading each service's image.
func (a *alongside) options(ctx context.Context, opts *slim.Options, insecure bool) error {
	opts.ProbeCmdInside = a.probeCmdInside
	read := func(svc, ref string) (slim.Service, error) {
		img, err := image.Read(ctx, ref, image.Options{Insecure: insecure})
		if err != nil {
			return slim.Service{}, fmt.Errorf("service %s: reading its image %s: %w", svc, ref, err)
		}
		return slim.Service{Service: compose.Service{Name: svc}, Image: img}, nil
	}
	if p := a.project; p != nil {
		opts.Names = append([]string{p.Target.Name}, p.Target.Aliases...)
		opts.Env = p.Target.Env
		for _, d := range p.Depends {
			ref, err := p.ImageOf(d)
			if err != nil {
				return err
			}
			s, err := read(d.Name, ref)
			if err != nil {
				return err
			}
			s.Service = d
			opts.Services = append(opts.Services, s)
		}
	}
	for _, w := range a.with {
		svc, ref := withName(w)
		if svc == "" {
			return fmt.Errorf("--with %s: no name can be made of it: give NAME=IMAGE", w)
		}
		s, err := read(svc, ref)
		if err != nil {
			return fmt.Errorf("--with %s: %w", w, err)
		}
		opts.Services = append(opts.Services, s)
	}
	return nil
}

// serviceName is what a host name may be.
var serviceName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

// withName splits --with's NAME=IMAGE; without NAME, the name is the
// image's: the last part of its repository (docker-daemon:redis:7 is
// redis), an oci: layout's tag, or an archive's file name.
func withName(w string) (svc, ref string) {
	if n, r, ok := strings.Cut(w, "="); ok && serviceName.MatchString(n) && !strings.Contains(n, ":") {
		return n, r
	}
	loc, err := image.Parse(w)
	if err != nil {
		return "", w
	}
	switch {
	case loc.Transport == image.Docker || loc.Transport == image.DockerDaemon:
		if r, err := name.ParseReference(loc.Ref); err == nil {
			svc = path.Base(r.Context().RepositoryStr())
		}
	case loc.Ref != "":
		svc, _, _ = strings.Cut(loc.Ref, "@")
	default:
		svc = strings.TrimSuffix(filepath.Base(loc.Path), filepath.Ext(loc.Path))
	}
	if !serviceName.MatchString(svc) {
		return "", w
	}
	return svc, w
}
