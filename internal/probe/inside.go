package probe

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// The network probes run inside the container, in its own network
// namespace, so that they reach the container's server and nothing else:
// the host's port is never used, a server of the host on the same port
// cannot answer in the container's place, and any number of containers
// listen on the same port at once. Diet runs itself there (the helper,
// Options.Helper) with one JSON argument, a Request, through the
// runtime's exec (Service.Exec). The helper answers with one JSON Answer
// on standard output, or, to forward a connection, copies its standard
// input and output to and from the port.

// Request is what the helper inside the container is asked to do.
type Request struct {
	// Kind is "http" (GET Path), "tcp" (connect, then send Send and read
	// until Expect) or "forward" (copy stdin and stdout to the port).
	Kind    string        `json:"kind"`
	Port    int           `json:"port"`
	Path    string        `json:"path,omitempty"`
	Send    []byte        `json:"send,omitempty"`
	Expect  []byte        `json:"expect,omitempty"`
	Timeout time.Duration `json:"timeout"`
}

// Answer is what the helper saw.
type Answer struct {
	Status int    `json:"status,omitempty"`
	Body   []byte `json:"body,omitempty"`
	Error  string `json:"error,omitempty"`
}

// Inside is the helper's side: it carries out the request given as JSON
// in arg, in the network namespace it runs in, waiting up to the
// request's timeout for the port to accept. For "http" and "tcp" it
// writes one Answer as JSON to stdout; for "forward" it copies stdin to
// the port and the port's answer to stdout.
func Inside(ctx context.Context, arg string, stdin io.Reader, stdout io.Writer) error {
	var req Request
	if err := json.Unmarshal([]byte(arg), &req); err != nil {
		return fmt.Errorf("reading the probe request: %w", err)
	}
	if req.Timeout <= 0 {
		req.Timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, req.Timeout)
	defer cancel()
	var a Answer
	switch req.Kind {
	case "http":
		a.Status, a.Body, a.Error = insideHTTP(ctx, req)
	case "tcp":
		a.Body, a.Error = insideTCP(ctx, req)
	case "forward":
		return insideForward(ctx, req, stdin, stdout)
	default:
		return fmt.Errorf("unknown probe request %q", req.Kind)
	}
	return json.NewEncoder(stdout).Encode(a)
}

// dialWait connects to the port on the loopback, trying again until it
// accepts or ctx ends.
func dialWait(ctx context.Context, port int, timeout time.Duration) (net.Conn, error) {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	var d net.Dialer
	var last error
	for {
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			return c, nil
		}
		last = err
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("port %d never accepted a connection within %s: %v", port, timeout, last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func insideHTTP(ctx context.Context, req Request) (int, []byte, string) {
	// The port is waited for first, so that the error says which; the
	// request then goes over that very connection.
	conn, err := dialWait(ctx, req.Port, req.Timeout)
	if err != nil {
		return 0, nil, err.Error()
	}
	used := false
	client := &http.Client{
		Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil,
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				if !used {
					used = true
					return conn, nil
				}
				return dialWait(ctx, req.Port, req.Timeout)
			}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	url := "http://127.0.0.1:" + strconv.Itoa(req.Port) + req.Path
	hr, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, err.Error()
	}
	resp, err := client.Do(hr)
	if err != nil {
		return 0, nil, fmt.Sprintf("GET %s: %v", req.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return resp.StatusCode, body, "reading body: " + err.Error()
	}
	return resp.StatusCode, body, ""
}

// insideTCP connects, sends, and reads until the expected bytes have come
// (the answer is then everything up to their end, so that it does not
// depend on how the reads fell) or, with nothing expected, keeps nothing.
func insideTCP(ctx context.Context, req Request) ([]byte, string) {
	conn, err := dialWait(ctx, req.Port, req.Timeout)
	if err != nil {
		return nil, err.Error()
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	if len(req.Send) > 0 {
		if _, err := conn.Write(req.Send); err != nil {
			return nil, fmt.Sprintf("sending to port %d: %v", req.Port, err)
		}
	}
	if len(req.Expect) == 0 {
		return nil, ""
	}
	var got []byte
	buf := make([]byte, 32<<10)
	for {
		if i := bytes.Index(got, req.Expect); i >= 0 {
			return got[:i+len(req.Expect)], ""
		}
		if len(got) > maxBody {
			return got, fmt.Sprintf("port %d sent %d bytes without %q", req.Port, len(got), req.Expect)
		}
		n, err := conn.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			if bytes.Contains(got, req.Expect) {
				continue
			}
			why := err.Error()
			if errors.Is(err, io.EOF) {
				why = "the connection was closed"
			} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
				why = "timed out after " + req.Timeout.String()
			}
			return got, fmt.Sprintf("port %d did not answer %q: %s, after %d bytes %q", req.Port, req.Expect, why, len(got), excerpt(got, 200))
		}
	}
}

func insideForward(ctx context.Context, req Request, stdin io.Reader, stdout io.Writer) error {
	conn, err := dialWait(ctx, req.Port, req.Timeout)
	if err != nil {
		return err
	}
	defer conn.Close()
	go func() {
		io.Copy(conn, stdin)
		if tc, ok := conn.(*net.TCPConn); ok {
			tc.CloseWrite()
		}
	}()
	_, err = io.Copy(stdout, conn)
	return err
}

// helperArgs is the command line of the helper carrying out req.
func helperArgs(helper []string, req Request) []string {
	arg, _ := json.Marshal(req) // a Request always marshals
	return append(append([]string{}, helper...), string(arg))
}

// ask runs the helper inside the container with req and reads its answer.
func ask(ctx context.Context, svc Service, helper []string, req Request) Answer {
	var stdout bytes.Buffer
	out, err := svc.Exec(ctx, helperArgs(helper, req), nil, &stdout)
	switch {
	case (err != nil || out.ExitCode != 0) && isDone(svc):
		// The helper dies with the container (SIGKILL, 137).
		return Answer{Error: fmt.Sprintf("the program ended before port %d answered", req.Port)}
	case err != nil:
		return Answer{Error: "running the probe inside the container: " + err.Error()}
	case out.ExitCode != 0:
		return Answer{Error: fmt.Sprintf("the probe inside the container exited %d: %s", out.ExitCode, firstLine(out.Stderr))}
	}
	var a Answer
	if err := json.Unmarshal(stdout.Bytes(), &a); err != nil {
		return Answer{Error: fmt.Sprintf("reading the answer of the probe inside the container: %v (%q)", err, excerpt(stdout.Bytes(), 200))}
	}
	return a
}

// isDone says whether the program has ended, giving the runtime time to
// notice: an exec fails as the container goes down, seconds before the
// container is seen to have gone on a busy machine.
func isDone(svc Service) bool {
	select {
	case <-svc.Done():
		return true
	case <-time.After(10 * time.Second):
		return false
	}
}

func firstLine(b []byte) string {
	s := string(bytes.TrimSpace(b))
	if i := bytes.IndexByte([]byte(s), '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
