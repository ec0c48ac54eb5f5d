package slim

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// dialIn connects to addr inside the network namespace of process pid (a
// container's own, which the host cannot reach otherwise): the socket is
// made on a thread moved into that namespace, and stays there after the
// thread moves back.
func dialIn(ctx context.Context, pid int, addr string) (net.Conn, error) {
	target, err := os.Open(fmt.Sprintf("/proc/%d/ns/net", pid))
	if err != nil {
		return nil, err
	}
	defer target.Close()
	runtime.LockOSThread()
	self, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		runtime.UnlockOSThread()
		return nil, err
	}
	defer self.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return nil, fmt.Errorf("entering the network namespace of process %d: %w", pid, err)
	}
	conn, err := (&net.Dialer{Timeout: time.Second}).DialContext(ctx, "tcp", addr)
	if serr := unix.Setns(int(self.Fd()), unix.CLONE_NEWNET); serr != nil {
		// The thread stays locked, so the runtime ends it with its
		// goroutine rather than run other goroutines in the container's
		// namespace.
		if conn != nil {
			conn.Close()
		}
		return nil, fmt.Errorf("leaving the network namespace of process %d: %w", pid, serr)
	}
	runtime.UnlockOSThread()
	return conn, err
}

// forwardTo waits until port of 127.0.0.1 accepts in the network
// namespace of process pid (or alive says the server is gone, or ctx
// ends), then forwards an address of the host's loopback, on a port the
// kernel picks, to it, until the test's cleanup or the returned stop.
func forwardTo(t *testing.T, ctx context.Context, pid, port int, alive func() error) (addr string, stop func()) {
	t.Helper()
	inner := fmt.Sprintf("127.0.0.1:%d", port)
	for {
		c, err := dialIn(ctx, pid, inner)
		if err == nil {
			c.Close()
			break
		}
		if aerr := alive(); aerr != nil {
			t.Fatalf("waiting for %s in the container: %v", inner, aerr)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s in the container: %v (last: %v)", inner, ctx.Err(), err)
		case <-time.After(200 * time.Millisecond):
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns = map[net.Conn]bool{}
	)
	track := func(c net.Conn, add bool) {
		mu.Lock()
		defer mu.Unlock()
		if add {
			conns[c] = true
		} else {
			delete(conns, c)
		}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			track(c, true)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer track(c, false)
				defer c.Close()
				s, err := dialIn(ctx, pid, inner)
				if err != nil {
					return // the client sees its connection closed
				}
				defer s.Close()
				splice(c, s)
			}()
		}
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			l.Close()
			mu.Lock()
			for c := range conns {
				c.Close()
			}
			mu.Unlock()
			wg.Wait()
		})
	}
	t.Cleanup(stop)
	return l.Addr().String(), stop
}

// splice copies a and b into each other until both directions end.
func splice(a, b net.Conn) {
	done := make(chan struct{})
	go func() {
		io.Copy(b, a)
		closeWrite(b)
		close(done)
	}()
	io.Copy(a, b)
	closeWrite(a)
	<-done
}

func closeWrite(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
}
