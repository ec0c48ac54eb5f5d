package closure

import "sync"

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
