package closure

import (
	"io/fs"
	"sync"

	"github.com/dietimg/diet/internal/rootfs"
)

// onceMap computes one value per key, once, however many goroutines ask
// at the same time: the first caller computes, the others wait for its
// result, later callers get it from the map.
type onceMap[V any] struct {
	mu sync.Mutex
	m  map[string]*onceVal[V]
}

type onceVal[V any] struct {
	done chan struct{}
	v    V
	err  error
}

func (o *onceMap[V]) get(key string, compute func() (V, error)) (V, error) {
	o.mu.Lock()
	if o.m == nil {
		o.m = make(map[string]*onceVal[V])
	}
	if e, ok := o.m[key]; ok {
		o.mu.Unlock()
		<-e.done
		return e.v, e.err
	}
	e := &onceVal[V]{done: make(chan struct{})}
	o.m[key] = e
	o.mu.Unlock()
	defer close(e.done)
	e.v, e.err = compute()
	return e.v, e.err
}

// cachingFS remembers the Lstat and ReadLink answers of a root: resolving
// thousands of paths meets the same directories and links again and
// again, and each answer costs several system calls through os.Root.
type cachingFS struct {
	rootfs.FS
	lstat    onceMap[fs.FileInfo]
	readlink onceMap[string]
}

func (c *cachingFS) Lstat(name string) (fs.FileInfo, error) {
	return c.lstat.get(name, func() (fs.FileInfo, error) { return c.FS.Lstat(name) })
}

func (c *cachingFS) ReadLink(name string) (string, error) {
	return c.readlink.get(name, func() (string, error) { return c.FS.ReadLink(name) })
}
