package build

import (
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dietimg/diet/internal/engine"
	"github.com/dietimg/diet/internal/sysfiles"
)

// configure fills the image config: platform, times, entrypoint, command,
// environment, user, working directory, labels and ports.
func configure(cf *v1.ConfigFile, opts Options, prog *program, sysEnv []string, plat v1.Platform) error {
	cf.OS, cf.Architecture, cf.Variant = plat.OS, plat.Architecture, plat.Variant
	cf.Created = v1.Time{Time: opts.Epoch}
	c := &cf.Config
	if opts.Entrypoint != nil {
		c.Entrypoint = opts.Entrypoint
	} else {
		c.Entrypoint = []string{prog.installPath}
	}
	// A base image's command was written for its own entrypoint.
	c.Cmd = opts.Cmd
	env := c.Env
	if len(env) == 0 {
		env = []string{engine.DefaultPath}
	}
	for _, kv := range append(append([]string(nil), sysEnv...), opts.Env...) {
		if !strings.Contains(kv, "=") {
			return fmt.Errorf("--env %q: want KEY=VALUE", kv)
		}
		env = setEnv(env, kv)
	}
	c.Env = env
	if opts.Workdir != "" {
		c.WorkingDir = opts.Workdir
	}
	if opts.User != "" {
		c.User = imageUser(opts.User)
	}
	if len(opts.Labels) > 0 {
		if c.Labels == nil {
			c.Labels = map[string]string{}
		}
		maps.Copy(c.Labels, opts.Labels)
	}
	for _, p := range opts.Ports {
		port, err := normalPort(p)
		if err != nil {
			return err
		}
		if c.ExposedPorts == nil {
			c.ExposedPorts = map[string]struct{}{}
		}
		c.ExposedPorts[port] = struct{}{}
	}
	return nil
}

// setEnv sets KEY=VALUE in env, replacing an earlier KEY.
func setEnv(env []string, kv string) []string {
	k, _, _ := strings.Cut(kv, "=")
	out := env[:0:0]
	for _, e := range env {
		if ek, _, _ := strings.Cut(e, "="); ek != k {
			out = append(out, e)
		}
	}
	return append(out, kv)
}

// imageUser maps the nonroot user to its ids, which need no /etc/passwd
// lookup in the runtime.
func imageUser(u string) string {
	if u == "nonroot" {
		return fmt.Sprintf("%d:%d", sysfiles.NonrootUID, sysfiles.NonrootUID)
	}
	return u
}

func normalPort(p string) (string, error) {
	num, proto, ok := strings.Cut(p, "/")
	if !ok {
		proto = "tcp"
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 1 || n > 65535 || (proto != "tcp" && proto != "udp" && proto != "sctp") {
		return "", fmt.Errorf("--port %q: want PORT[/tcp|udp|sctp]", p)
	}
	return fmt.Sprintf("%d/%s", n, proto), nil
}

// annotations are the manifest's org.opencontainers.image.* annotations,
// then the user's.
func annotations(opts Options, prog *program, base v1.Image) map[string]string {
	ann := map[string]string{
		"org.opencontainers.image.created": opts.Epoch.UTC().Format(time.RFC3339),
		"org.opencontainers.image.title":   prog.name,
	}
	if base != nil {
		if opts.Base != "" {
			ann["org.opencontainers.image.base.name"] = opts.Base
		}
		if d, err := base.Digest(); err == nil {
			ann["org.opencontainers.image.base.digest"] = d.String()
		}
	}
	maps.Copy(ann, opts.Annotations)
	return ann
}
