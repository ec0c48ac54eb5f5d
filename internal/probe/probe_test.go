package probe

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dietimg/diet/internal/testenv"
)

func TestSplitWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		err  bool
	}{
		{"jq --version", []string{"jq", "--version"}, false},
		{`-g 'daemon off;'`, []string{"-g", "daemon off;"}, false},
		{`a "b c" d\ e`, []string{"a", "b c", "d e"}, false},
		{`"x\"y" 'it''s'`, []string{`x"y`, "its"}, false},
		{`''`, []string{""}, false},
		{"  ", nil, false},
		{`'open`, nil, true},
		{`"open`, nil, true},
		{`end\`, nil, true},
	}
	for _, tt := range tests {
		got, err := SplitWords(tt.in)
		if (err != nil) != tt.err || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("SplitWords(%q) = %q, %v; want %q (error %v)", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestParse(t *testing.T) {
	p, err := ParseHTTP("80/")
	if err != nil || p.Port != 80 || p.Path != "/" || p.String() != "http 80/" {
		t.Errorf("ParseHTTP(80/) = %+v, %v", p, err)
	}
	p, err = ParseHTTP("8080/healthz?x=1")
	if err != nil || p.Port != 8080 || p.Path != "/healthz?x=1" {
		t.Errorf("ParseHTTP = %+v, %v", p, err)
	}
	if p, err = ParseHTTP("8080"); err != nil || p.Path != "/" {
		t.Errorf("ParseHTTP(8080) = %+v, %v", p, err)
	}
	for _, bad := range []string{"", "x/", "0/", "70000/"} {
		if _, err := ParseHTTP(bad); err == nil {
			t.Errorf("ParseHTTP(%q) accepted", bad)
		}
	}
	if _, err := ParseScript(filepath.Join(t.TempDir(), "missing.sh")); err == nil || !strings.Contains(err.Error(), "missing.sh") {
		t.Errorf("ParseScript of a missing file: %v", err)
	}
	if _, err := ParseWait("-1s"); err == nil {
		t.Error("ParseWait(-1s) accepted")
	}
	if p, err := ParseExec("jq -n '1+1'"); err != nil || !reflect.DeepEqual(p.Args, []string{"jq", "-n", "1+1"}) || p.String() != "exec 'jq -n 1+1'" {
		t.Errorf("ParseExec = %+v, %v", p, err)
	}
}

// fake is a Target whose "image" is Go code: exec answers from a table,
// the service serves HTTP on a local port until stopped or for life.
type fake struct {
	exec    map[string]Output
	handler http.Handler
	life    time.Duration // 0: runs until stopped
	port    int
	started int
}

type fakeService struct {
	exec map[string]Output
	done chan struct{}
	srv  *http.Server
	out  *Output
}

func (s *fakeService) Done() <-chan struct{} { return s.done }
func (s *fakeService) Stop(ctx context.Context) (*Output, error) {
	select {
	case <-s.done:
	default:
		s.srv.Close()
		close(s.done)
	}
	return s.out, nil
}

// Exec runs the helper (args "inside REQUEST") in this process: the
// fake's container network is the host's loopback.
func (s *fakeService) Exec(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) (*Output, error) {
	if len(args) == 2 && args[0] == "inside" {
		var buf bytes.Buffer
		w := stdout
		if w == nil {
			w = &buf
		}
		if stdin == nil {
			stdin = strings.NewReader("")
		}
		// As in a container, the helper dies with the program.
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		go func() {
			select {
			case <-s.done:
				cancel()
			case <-ctx.Done():
			}
		}()
		err := Inside(ctx, args[1], stdin, w)
		select {
		case <-s.done:
			return nil, errors.New("the container has ended")
		default:
		}
		if err != nil {
			return &Output{ExitCode: 1, Stderr: []byte(err.Error())}, nil
		}
		return &Output{Stdout: buf.Bytes()}, nil
	}
	if o, ok := s.exec[strings.Join(args, " ")]; ok {
		return &o, nil
	}
	return nil, errors.New("exec " + args[0] + ": not found")
}

func (f *fake) Exec(ctx context.Context, args []string) (*Output, error) {
	o, ok := f.exec[strings.Join(args, " ")]
	if !ok {
		return &Output{ExitCode: 127, Stderr: []byte("not found\n")}, nil
	}
	return &o, nil
}

func (f *fake) Start(ctx context.Context) (Service, error) {
	f.started++
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	f.port = l.Addr().(*net.TCPAddr).Port
	s := &fakeService{exec: f.exec, done: make(chan struct{}), srv: &http.Server{Handler: f.handler}, out: &Output{ExitCode: 3, Stdout: []byte("bye\n")}}
	go s.srv.Serve(l)
	if f.life > 0 {
		go func() {
			time.Sleep(f.life)
			s.srv.Close()
			close(s.done)
		}()
	}
	return s, nil
}

func TestRunAndCompare(t *testing.T) {
	mk := func(code int, body string) *fake {
		return &fake{
			exec: map[string]Output{"--version": {ExitCode: 0, Stdout: []byte("v1\n")}},
			handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(code)
				w.Write([]byte(body))
			}),
		}
	}
	ctx := context.Background()
	orig := mk(200, "<h1>Welcome</h1>")
	// The http probe needs the port before Start: take it from a first run.
	svc, _ := orig.Start(ctx)
	svc.Stop(ctx)
	probes := []Probe{{Kind: KindExec, Args: []string{"--version"}}, {Kind: KindHTTP, Port: 0, Path: "/"}, {Kind: KindWait, Wait: 50 * time.Millisecond}}
	// Each fake chooses its port at Start; point the probe at it.
	run := func(f *fake) []Outcome {
		t.Helper()
		tgt := &portFixer{fake: f, probes: probes}
		out, err := Run(ctx, tgt, probes, Options{Timeout: 10 * time.Second, Helper: []string{"inside"}})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	a := run(orig)
	if a[0].ExitCode != 0 || string(a[0].Stdout) != "v1\n" || a[1].Status != 200 || string(a[1].Body) != "<h1>Welcome</h1>" || !a[2].Running {
		t.Fatalf("original outcomes %+v", a)
	}
	if orig.started != 2 {
		t.Errorf("service probes should share one start, got %d starts", orig.started-1)
	}
	if d := Compare(a, run(mk(200, "<h1>Welcome</h1>"))); len(d) != 0 {
		t.Errorf("same answers differ: %v", d)
	}
	d := Compare(a, run(mk(404, "not found")))
	if len(d) != 3 || d[1].Field != "content type" {
		t.Fatalf("want status, content type and body differences, got %v", d)
	}
	if got := d[0].String(); !strings.HasPrefix(got, "probe http ") || !strings.HasSuffix(got, "/: status 200 (original) vs 404 (slim)") {
		t.Errorf("difference reads %q", got)
	}
	broken := mk(200, "<h1>Welcome</h1>")
	broken.exec = nil
	d = Compare(a, run(broken))
	if len(d) != 2 || d[0].Field != "exit code" || d[0].Original != "0" || d[0].Slim != "127" || d[1].Field != "stdout" {
		t.Errorf("exec differences %v", d)
	}
	if !strings.Contains(d[0].Stderr, "not found") {
		t.Errorf("difference lacks the slim stderr: %+v", d[0])
	}
}

// portFixer points http and tcp probes at the port the fake listens on.
type portFixer struct {
	*fake
	probes []Probe
}

func (p *portFixer) Start(ctx context.Context) (Service, error) {
	s, err := p.fake.Start(ctx)
	for i := range p.probes {
		if k := p.probes[i].Kind; k == KindHTTP || k == KindTCP || k == KindOpenAPI {
			p.probes[i].Port = p.fake.port
		}
	}
	return s, err
}

func TestRunHTTPProgramEnds(t *testing.T) {
	f := &fake{life: 10 * time.Millisecond, handler: http.NotFoundHandler()}
	// Nothing listens on port 1: the program ends first.
	out, err := Run(context.Background(), f, []Probe{{Kind: KindHTTP, Port: 1, Path: "/"}}, Options{Timeout: 5 * time.Second, Helper: []string{"inside"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out[0].Error, "ended before port 1 answered") {
		t.Errorf("error %q", out[0].Error)
	}
}

func TestRunDefault(t *testing.T) {
	f := &fake{life: 10 * time.Millisecond, handler: http.NotFoundHandler()}
	out, err := Run(context.Background(), f, nil, Options{DefaultWait: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if out[0].Probe.Kind != KindDefault || out[0].Running || out[0].ExitCode != 3 || string(out[0].Stdout) != "bye\n" {
		t.Errorf("default outcome %+v", out[0])
	}
	f = &fake{handler: http.NotFoundHandler()}
	out, _ = Run(context.Background(), f, nil, Options{DefaultWait: 20 * time.Millisecond})
	if !out[0].Running {
		t.Errorf("a server should still run: %+v", out[0])
	}
}

// TestRunScript runs a host script that reaches the service through the
// forwarded address of DIET_PROBE_ADDR (busybox wget as the client).
func TestRunScript(t *testing.T) {
	busybox := testenv.LookPath(t, "busybox")[0]
	dir := t.TempDir()
	script := filepath.Join(dir, "check.sh")
	body := "echo host=$DIET_PROBE_HOST; " + busybox + " wget -q -O - http://$DIET_PROBE_ADDR/x; exit 2\n"
	if err := os.WriteFile(script, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	p, _ := ParseScript(script)
	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("hello from " + r.URL.Path)) })
	f := &fake{handler: hello}
	// The script reaches the port of the http probe (set at Start).
	probes := []Probe{{Kind: KindHTTP, Path: "/"}, p}
	out, err := Run(context.Background(), &portFixer{fake: f, probes: probes}, probes, Options{Helper: []string{"inside"}, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if out[1].ExitCode != 2 || string(out[1].Stdout) != "host=127.0.0.1\nhello from /x" || out[1].Error != "" {
		t.Errorf("script outcome %+v", out[1])
	}
}

// TestRunTCPAndCmd: a tcp exchange keeps the answer up to the expected
// bytes; a cmd probe runs in the service; a port that never opens, a
// missing command, a hanging script each give an error naming what
// happened, within the timeout.
func TestRunTCPAndCmd(t *testing.T) {
	busybox := testenv.LookPath(t, "busybox")[0]
	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("hello from " + r.URL.Path)) })
	tcp, err := ParseTCP("1", `GET /t HTTP/1.0\r\n\r\n`, "hello")
	if err != nil || string(tcp.Send) != "GET /t HTTP/1.0\r\n\r\n" {
		t.Fatalf("ParseTCP = %+v, %v", tcp, err)
	}
	cmd, _ := ParseCmd("status --short")
	closed := Probe{Kind: KindTCP, Port: freePort(t)}
	hang := filepath.Join(t.TempDir(), "hang.sh")
	os.WriteFile(hang, []byte(busybox+" sleep 60\n"), 0o644)
	missing, _ := ParseCmd("redis-cli ping")
	probes := []Probe{tcp, cmd, closed, {Kind: KindScript, Script: hang}, missing}
	f := &fake{handler: hello, exec: map[string]Output{"status --short": {ExitCode: 4, Stdout: []byte("up\n")}}}
	start := time.Now()
	out, err := Run(context.Background(), &portFixer{fake: f, probes: probes[:1]}, probes, Options{Helper: []string{"inside"}, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("the probes took %s with a timeout of 1s", took)
	}
	if !strings.HasPrefix(string(out[0].Body), "HTTP/1.0 200 OK") || !strings.HasSuffix(string(out[0].Body), "hello") || out[0].Error != "" {
		t.Errorf("tcp outcome %+v", out[0])
	}
	if out[1].ExitCode != 4 || string(out[1].Stdout) != "up\n" {
		t.Errorf("cmd outcome %+v", out[1])
	}
	for i, want := range []string{2: "never accepted a connection within 1s", 3: "did not end within 1s", 4: "redis-cli: not found"} {
		if i >= 2 && !strings.Contains(out[i].Error, want) {
			t.Errorf("%s: error %q, want %q", probes[i], out[i].Error, want)
		}
	}
	if _, err := ParseTCP("1", `\q`, ""); err == nil {
		t.Error("a bad escape in --probe-send was accepted")
	}
	if _, err := ParseCmd(" "); err == nil {
		t.Error("an empty --probe-cmd was accepted")
	}
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func FuzzSplitWords(f *testing.F) {
	for _, s := range []string{`jq -n '1+1'`, `a "b c" d\ e`, `"x\"y"`, `'open`, `end\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		words, err := SplitWords(s)
		if err != nil {
			return
		}
		// Quoting each word back and splitting again gives the same words.
		var quoted []string
		for _, w := range words {
			quoted = append(quoted, "'"+strings.ReplaceAll(w, "'", `'\''`)+"'")
		}
		again, err := SplitWords(strings.Join(quoted, " "))
		if err != nil || !reflect.DeepEqual(again, words) {
			t.Fatalf("%q: words %q, requoted %q gives %q (%v)", s, words, quoted, again, err)
		}
	})
}

// FuzzUnescape: whatever --probe-send says, no panic; and any bytes
// written with Go's escapes read back as those bytes.
func FuzzUnescape(f *testing.F) {
	for _, s := range []string{`PING\r\n`, `\x00\xff`, `"quoted"`, `\`, `\q`, "é\t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		unescape(s)
		q := strconv.Quote(s)
		got, err := unescape(q[1 : len(q)-1])
		if err != nil || string(got) != s {
			t.Fatalf("%q escaped as %s reads back as %q (%v)", s, q, got, err)
		}
	})
}

// lateServer is a service that listens only some time after it starts,
// as a traced server does, and whose "client" command fails unless it
// can connect, as redis-cli and psql do.
type lateServer struct {
	*fakeService
	port int
}

func (s *lateServer) Exec(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) (*Output, error) {
	if len(args) == 1 && args[0] == "client" {
		c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)))
		if err != nil {
			return &Output{ExitCode: 2, Stderr: []byte(err.Error())}, nil
		}
		c.Close()
		return &Output{Stdout: []byte("connected\n")}, nil
	}
	return s.fakeService.Exec(ctx, args, stdin, stdout)
}

type lateTarget struct {
	fake
	delay time.Duration
	port  int
}

func (t *lateTarget) Start(ctx context.Context) (Service, error) {
	s := &lateServer{fakeService: &fakeService{done: make(chan struct{}), srv: &http.Server{Handler: http.NotFoundHandler()}, out: &Output{}}, port: t.port}
	time.AfterFunc(t.delay, func() {
		if l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(t.port))); err == nil {
			go s.srv.Serve(l)
		}
	})
	return s, nil
}

// TestRunCmdWaitsForPorts: a command probe runs once the image's ports
// accept connections, not as soon as the program starts.
func TestRunCmdWaitsForPorts(t *testing.T) {
	tgt := &lateTarget{delay: 700 * time.Millisecond, port: freePort(t)}
	cmd, _ := ParseCmd("client")
	out, err := Run(context.Background(), tgt, []Probe{cmd}, Options{Helper: []string{"inside"}, Timeout: 10 * time.Second, Ports: []int{tgt.port}})
	if err != nil {
		t.Fatal(err)
	}
	if out[0].ExitCode != 0 || string(out[0].Stdout) != "connected\n" {
		t.Errorf("the command ran before the server listened: %+v (stderr %q)", out[0], out[0].Stderr)
	}
}
