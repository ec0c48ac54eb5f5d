package inspect

import (
	"io/fs"
	"runtime"
	"sort"
	"sync"

	"github.com/dietimg/diet/internal/closure"
	"github.com/dietimg/diet/internal/rootfs"
)

// Many inspects names concurrently, GOMAXPROCS at a time, sharing the
// resolver's cache, and returns the reports and errors in the order of
// names (errs[i] is nil when names[i] went well).
func Many(r *closure.Resolver, names []string) (reps []*Report, errs []error) {
	reps, errs = make([]*Report, len(names)), make([]error, len(names))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(names)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				reps[i], errs[i] = Inspect(r, names[i])
			}
		}()
	}
	for i := range names {
		next <- i
	}
	close(next)
	wg.Wait()
	return reps, errs
}

// Walk lists the files under dir (a path inside the root), sorted, for
// `diet inspect -r`: regular files and symlinks, without descending into
// symlinked directories. dir itself may be reached through symlinks.
func Walk(fsys rootfs.FS, dir string) ([]string, error) {
	res, err := rootfs.Resolve(fsys, dir)
	if err != nil {
		return nil, err
	}
	var out []string
	err = fs.WalkDir(fsys, rootfs.Rel(res.Path), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			// A link to a directory is not a program; a dangling one is
			// listed, to be reported.
			if fi, err := rootfs.Stat(fsys, p); err == nil && fi.IsDir() {
				return nil
			}
		} else if !d.Type().IsRegular() {
			return nil
		}
		out = append(out, rootfs.Clean(p))
		return nil
	})
	sort.Strings(out)
	return out, err
}
