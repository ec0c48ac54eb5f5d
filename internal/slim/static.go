package slim

import (
	"fmt"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dietimg/diet/internal/inspect"
	"github.com/dietimg/diet/internal/probe"
	"github.com/dietimg/diet/internal/rootfs"
)

// static keeps the static closure of what the image runs.
func (r *run) static() error {
	return addStatic(r.k, r.fsys, r.cfg, r.opts)
}

// addStatic keeps the static closure of the entrypoint and command, and
// of the programs exec probes run.
func addStatic(k *keeper, fsys rootfs.FS, cfg *v1.ConfigFile, opts Options) error {
	var argvs [][]string
	probeCmd := map[int]bool{} // argvs of --probe-cmd, kept by --keep-probe-files
	argvs = append(argvs, append(append([]string{}, cfg.Config.Entrypoint...), cfg.Config.Cmd...))
	for _, p := range opts.Probes {
		if p.Kind == probe.KindExec {
			argvs = append(argvs, append(append([]string{}, cfg.Config.Entrypoint...), p.Args...))
		}
		if p.Kind == probe.KindCmd && opts.KeepProbeFiles {
			argvs = append(argvs, p.Args)
			probeCmd[len(argvs)-1] = true
		}
	}
	done := map[string]bool{}
	for n, argv := range argvs {
		why := "entrypoint"
		if probeCmd[n] {
			why = "--keep-probe-files"
		}
		if len(argv) == 0 {
			continue
		}
		progs := []string{argv[0]}
		// A shell running a command string: the command's program too.
		for i := 1; i+1 < len(argv); i++ {
			if argv[i] == "-c" {
				if words, err := probe.SplitWords(argv[i+1]); err == nil && len(words) > 0 {
					progs = append(progs, words[0])
				}
				break
			}
		}
		for i := 0; i < len(progs); i++ {
			name := progs[i]
			p := lookPath(fsys, name, cfg.Config.Env, cfg.Config.WorkingDir)
			if p == "" || done[p] {
				continue
			}
			done[p] = true
			rep, err := k.addProgram(p, why)
			if err != nil && i == 0 && len(done) == 1 {
				return fmt.Errorf("inspecting the entrypoint %s: %w", p, err)
			}
			// A wrapper script (docker-entrypoint.sh ending in exec "$@")
			// runs its first argument: that program too.
			if i == 0 && rep != nil && rep.Kind == inspect.KindScript && len(argv) > 1 && !strings.HasPrefix(argv[1], "-") {
				progs = append(progs, argv[1])
			}
		}
	}
	return nil
}
