package probe

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
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
	// Kind is "http" (the request Method Path, with Header and Body),
	// "tcp" (connect, then send Send and read until Expect), "forward"
	// (copy stdin and stdout to the port) or "batch" (each request of
	// Batch in turn, over one exec: a crawler's requests).
	Kind    string            `json:"kind"`
	Port    int               `json:"port"`
	Method  string            `json:"method,omitempty"`
	Path    string            `json:"path,omitempty"`
	Header  map[string]string `json:"header,omitempty"`
	Body    []byte            `json:"body,omitempty"`
	Send    []byte            `json:"send,omitempty"`
	Expect  []byte            `json:"expect,omitempty"`
	Batch   []Request         `json:"batch,omitempty"`
	Timeout time.Duration     `json:"timeout"`
}

// Answer is what the helper saw. An HTTP answer carries the headers a
// client acts on: the Content-Type (compared, and whether to crawl), the
// Location of a redirect, and the cookies set.
type Answer struct {
	Status      int      `json:"status,omitempty"`
	Body        []byte   `json:"body,omitempty"`
	ContentType string   `json:"content_type,omitempty"`
	Location    string   `json:"location,omitempty"`
	SetCookie   []string `json:"set_cookie,omitempty"`
	Error       string   `json:"error,omitempty"`
	Batch       []Answer `json:"batch,omitempty"`
}

// Inside is the helper's side: it carries out the request given as JSON
// in arg ("-": on stdin, where a request with a body goes, as a command
// line is bounded), in the network namespace it runs in, waiting up to
// the request's timeout for the port to accept. For "http", "tcp" and
// "batch" it writes one Answer as JSON to stdout; for "forward" it copies
// stdin to the port and the port's answer to stdout.
func Inside(ctx context.Context, arg string, stdin io.Reader, stdout io.Writer) error {
	var req Request
	data := []byte(arg)
	if arg == "-" {
		var err error
		if data, err = io.ReadAll(stdin); err != nil {
			return fmt.Errorf("reading the probe request: %w", err)
		}
	}
	if err := json.Unmarshal(data, &req); err != nil {
		return fmt.Errorf("reading the probe request: %w", err)
	}
	if req.Timeout <= 0 {
		req.Timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, req.Timeout)
	defer cancel()
	if req.Kind == "forward" {
		return insideForward(ctx, req, stdin, stdout)
	}
	a, err := insideOne(ctx, req)
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(a)
}

func insideOne(ctx context.Context, req Request) (Answer, error) {
	var a Answer
	switch req.Kind {
	case "http":
		a = insideHTTP(ctx, req)
	case "tcp":
		a.Body, a.Error = insideTCP(ctx, req)
	case "batch":
		for _, r := range req.Batch {
			r.Timeout = req.Timeout
			b, err := insideOne(ctx, r)
			if err != nil {
				return a, err
			}
			a.Batch = append(a.Batch, b)
		}
	default:
		return a, fmt.Errorf("unknown probe request %q", req.Kind)
	}
	return a, nil
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

func insideHTTP(ctx context.Context, req Request) Answer {
	// The port is waited for first, so that the error says which; the
	// request then goes over that very connection.
	conn, err := dialWait(ctx, req.Port, req.Timeout)
	if err != nil {
		return Answer{Error: err.Error()}
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
	method := cmp.Or(req.Method, http.MethodGet)
	url := "http://127.0.0.1:" + strconv.Itoa(req.Port) + req.Path
	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	hr, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		conn.Close()
		return Answer{Error: err.Error()}
	}
	for k, v := range req.Header {
		if strings.EqualFold(k, "Host") {
			hr.Host = v
			continue
		}
		hr.Header.Set(k, v)
	}
	resp, err := client.Do(hr)
	if err != nil {
		return Answer{Error: fmt.Sprintf("%s %s: %v", method, req.Path, err)}
	}
	defer resp.Body.Close()
	a := Answer{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"),
		Location: resp.Header.Get("Location"), SetCookie: resp.Header.Values("Set-Cookie")}
	a.Body, err = io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		a.Error = "reading body: " + err.Error()
	}
	return a
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

// A request longer than this goes on the helper's stdin: one argument of
// a command line is bounded (MAX_ARG_STRLEN, 128 KiB on Linux).
const maxArg = 32 << 10

// helperArgs is the command line of the helper carrying out req, and
// what goes on its stdin (nil for nothing).
func helperArgs(helper []string, req Request) ([]string, io.Reader) {
	arg, _ := json.Marshal(req) // a Request always marshals
	if len(arg) > maxArg {
		return append(append([]string{}, helper...), "-"), bytes.NewReader(arg)
	}
	return append(append([]string{}, helper...), string(arg)), nil
}

// ask runs the helper inside the container with req and reads its answer.
func ask(ctx context.Context, svc Service, helper []string, req Request) Answer {
	var stdout bytes.Buffer
	args, stdin := helperArgs(helper, req)
	out, err := svc.Exec(ctx, args, stdin, &stdout)
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
