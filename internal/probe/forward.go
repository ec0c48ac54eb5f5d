package probe

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"sync"
)

// A script probe runs on the host, but the server listens in the
// container's own network namespace, which a host program cannot reach
// (and, under rootless runc, diet cannot enter). So diet listens on a
// free port of the host's loopback for each port of the container the
// script may need, and carries every connection to it through the helper
// inside the container (a "forward" Request over the runtime's exec).
// The script finds the addresses in its environment: DIET_PROBE_ADDR
// (HOST:PORT of the first port), DIET_PROBE_HOST and DIET_PROBE_PORT, and
// DIET_PROBE_ADDR_<PORT> for each container port.

// forwarder listens on the host for the ports of one container.
type forwarder struct {
	listeners []net.Listener
	wg        sync.WaitGroup
	cancel    context.CancelFunc
	env       []string
}

// forward starts a listener for each port and returns the forwarder; its
// env says where the script connects.
func forward(ctx context.Context, svc Service, helper []string, ports []int, opts Options) (*forwarder, error) {
	ctx, cancel := context.WithCancel(ctx)
	f := &forwarder{cancel: cancel}
	for i, port := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			f.wait()
			return nil, fmt.Errorf("listening for the script's connections to port %d: %w", port, err)
		}
		f.listeners = append(f.listeners, l)
		addr := l.Addr().String()
		if i == 0 {
			_, p, _ := net.SplitHostPort(addr)
			f.env = append(f.env, "DIET_PROBE_ADDR="+addr, "DIET_PROBE_HOST=127.0.0.1", "DIET_PROBE_PORT="+p)
		}
		f.env = append(f.env, "DIET_PROBE_ADDR_"+strconv.Itoa(port)+"="+addr)
		req := Request{Kind: "forward", Port: port, Timeout: opts.timeout()}
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				f.wg.Add(1)
				go func() {
					defer f.wg.Done()
					f.carry(ctx, svc, helper, req, c.(*net.TCPConn))
				}()
			}
		}()
	}
	return f, nil
}

// carry runs the helper with the connection as its standard input and
// output: handed over as a file, so that no copying goroutine outlives it.
func (f *forwarder) carry(ctx context.Context, svc Service, helper []string, req Request, c *net.TCPConn) {
	defer c.Close()
	file, err := c.File()
	if err != nil {
		return
	}
	defer file.Close()
	args, _ := helperArgs(helper, req) // a forward request is short
	svc.Exec(ctx, args, file, file)
}

// wait stops listening, ends the connections still carried (the script
// has ended: a server keeping one open for the next request would hold it
// for ever), and waits for them.
func (f *forwarder) wait() {
	for _, l := range f.listeners {
		l.Close()
	}
	f.cancel()
	f.wg.Wait()
}
