package slim

import (
	"debug/elf"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dietimg/diet/internal/closure"
	"github.com/dietimg/diet/internal/elfinfo"
	"github.com/dietimg/diet/internal/rootfs"
	"github.com/dietimg/diet/internal/safefile"
)

// prepareSensor puts diet's own binary at exe into a directory of its own
// under work, to be bind-mounted read-only into the container at
// sensorDir, and returns that directory and the command that starts the
// sensor there. A static diet runs as it is. A dynamic one (go install on
// a machine with a C compiler gives one: cgo for net and os/user) would
// not start in an arbitrary image, whose libc may be another or absent:
// its own loader and libraries, found on this machine the way the loader
// finds them, go beside it, and the container starts it through that
// loader, which then looks nowhere in the image.
func prepareSensor(exe, work string) (dir string, argv []string, err error) {
	f, err := elf.Open(exe)
	if err != nil {
		return "", nil, fmt.Errorf("sensor %s: %w", exe, err)
	}
	machine := f.Machine
	f.Close()
	if machine != elf.EM_X86_64 {
		return "", nil, fmt.Errorf("sensor %s is for %s: the sensor only traces x86_64", exe, machine)
	}
	dir = filepath.Join(work, "sensor")
	os.RemoveAll(dir) // nothing stale from an earlier run in --workdir
	if err := os.MkdirAll(filepath.Join(dir, "lib"), 0o755); err != nil {
		return "", nil, err
	}
	if err := safefile.Copy(filepath.Join(dir, "diet"), exe, 0o755); err != nil {
		return "", nil, fmt.Errorf("copying the sensor: %w", err)
	}
	host, err := rootfs.Dir("/")
	if err != nil {
		return "", nil, err
	}
	real, err := filepath.EvalSymlinks(exe)
	if err != nil {
		return "", nil, fmt.Errorf("sensor %s: %w", exe, err)
	}
	r := closure.New(host, closure.Options{})
	cl, err := r.Resolve(real)
	if err != nil {
		return "", nil, fmt.Errorf("sensor %s: %w", exe, err)
	}
	if cl.Interpreter == nil && len(cl.Objects) == 0 {
		return dir, []string{sensorDir + "/diet"}, nil
	}
	var missing []string
	for _, m := range cl.Missing {
		if !m.Optional {
			missing = append(missing, m.Soname)
		}
	}
	if len(missing) > 0 || cl.Interpreter == nil {
		return "", nil, fmt.Errorf("sensor %s is dynamically linked and its libraries are not all on this machine (missing: %s): build diet with CGO_ENABLED=0, pass --sensor with a static diet, or use --no-trace", exe, strings.Join(missing, ", "))
	}
	if err := safefile.Copy(filepath.Join(dir, "lib", "ld.so"), cl.Interpreter.Realpath, 0o755); err != nil {
		return "", nil, fmt.Errorf("copying the sensor's loader: %w", err)
	}
	for _, o := range cl.Objects {
		if o.Dlopen {
			continue
		}
		if err := safefile.Copy(filepath.Join(dir, "lib", path.Base(o.Soname)), o.Realpath, 0o755); err != nil {
			return "", nil, fmt.Errorf("copying the sensor's library %s: %w", o.Soname, err)
		}
	}
	lib := sensorDir + "/lib"
	argv = []string{lib + "/ld.so", "--library-path", lib, sensorDir + "/diet"}
	if ef, err := r.File(real); err == nil && ef.Libc == elfinfo.Glibc {
		// Nor the image's ld.so.cache, which could name its own libc.
		argv = slices.Insert(argv, 1, "--inhibit-cache")
	}
	return dir, argv, nil
}
