package engine

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/compression"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/dietimg/diet/internal/gobuild"
	"github.com/dietimg/diet/internal/rootfs"
	"github.com/dietimg/diet/internal/testenv"
)

var (
	probeOnce sync.Once
	probeImg  v1.Image
	probeErr  error
)

// probeImage is a one-layer image holding the static testdata/probe
// program as /probe (its entrypoint) and an /etc/passwd with a user.
func probeImage(t testing.TB) v1.Image {
	t.Helper()
	probeOnce.Do(func() {
		dir, err := os.MkdirTemp("", "diet-runtime-test-")
		if err != nil {
			probeErr = err
			return
		}
		defer os.RemoveAll(dir)
		bin, err := gobuild.Build(context.Background(), gobuild.Options{Package: "./testdata/probe", Output: filepath.Join(dir, "probe")})
		if err != nil {
			probeErr = err
			return
		}
		data, err := os.ReadFile(bin)
		if err != nil {
			probeErr = err
			return
		}
		probeImg, probeErr = imageOf(map[string]fileEntry{
			"probe":       {data, 0o755},
			"etc/passwd":  {[]byte("root:x:0:0:root:/root:/probe\nwww:x:33:44:www:/var/www:/probe\n"), 0o644},
			"etc/group":   {[]byte("root:x:0:\nwww:x:44:\nextra:x:55:www\n"), 0o644},
			"var/www/.ok": {nil, 0o644},
		}, []string{"/probe"}, []string{"echo", "default", "cmd"})
	})
	if probeErr != nil {
		t.Fatalf("building the probe image: %v", probeErr)
	}
	return probeImg
}

type fileEntry struct {
	data []byte
	mode int64
}

func imageOf(files map[string]fileEntry, entrypoint, cmd []string) (v1.Image, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dirs := map[string]bool{}
	for name, f := range files {
		for d := filepath.Dir(name); d != "."; d = filepath.Dir(d) {
			if !dirs[d] {
				dirs[d] = true
				tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d + "/", Mode: 0o755})
			}
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: f.mode, Size: int64(len(f.data))}); err != nil {
			return nil, err
		}
		tw.Write(f.data)
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
	if err != nil {
		return nil, err
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	cf.Config.Entrypoint = entrypoint
	cf.Config.Cmd = cmd
	return mutate.ConfigFile(img, cf)
}

// runtimes returns the runtimes usable here, reporting those missing.
func runtimes(t *testing.T) []string {
	var names []string
	for _, n := range []string{Docker, Podman, Runc} {
		if err := byName(n).Available(context.Background()); err != nil {
			t.Run(n, func(t *testing.T) { testenv.Missing(t, "%v", err) })
			continue
		}
		names = append(names, n)
	}
	return names
}

func TestRun(t *testing.T) {
	img := probeImage(t)
	for _, rt := range runtimes(t) {
		t.Run(rt, func(t *testing.T) {
			ctx := context.Background()
			cases := []struct {
				name       string
				spec       Spec
				code       int
				stdout     string // substring
				stderr     string
				notContain string
			}{
				{name: "default cmd", code: 3, stdout: "default cmd\n", stderr: "to stderr"},
				{name: "args", spec: Spec{Args: []string{"echo", "a", "b c"}}, code: 3, stdout: "a b c\n"},
				{name: "stdin", spec: Spec{Args: []string{"cat"}, Stdin: []byte("line one\nline two\n")}, stdout: "line one\nline two\n"},
				{name: "env", spec: Spec{Args: []string{"env"}, Env: []string{"FOO=bar"}}, stdout: "FOO=bar\n"},
				{name: "path", spec: Spec{Args: []string{"env"}}, stdout: "PATH=/usr/local/sbin"},
				{name: "env replaces", spec: Spec{Args: []string{"env"}, Env: []string{"PATH=/x"}}, stdout: "PATH=/x\n", notContain: "/usr/local/sbin"},
				{name: "user", spec: Spec{Args: []string{"id"}, User: "www", WorkingDir: "/var/www"}, stdout: "33:44 /var/www\n"},
				{name: "numeric user", spec: Spec{Args: []string{"id"}, User: "1234:5678"}, stdout: "1234:5678 /\n"},
				{name: "entrypoint", spec: Spec{Entrypoint: []string{"/probe", "echo"}, Args: []string{"x"}}, code: 3, stdout: "x\n"},
				{name: "missing program", spec: Spec{Entrypoint: []string{"/nope"}}, code: 127},
				{name: "no network", spec: Spec{Args: []string{"ifaces"}}, stdout: "lo true\n", notContain: "eth"},
				{name: "ptrace", spec: Spec{Args: []string{"ptrace"}}, stdout: "child exit 3\n"},
				// Docker's default set: 0xa80425fb; SYS_PTRACE is bit 19.
				{name: "caps", spec: Spec{Args: []string{"caps"}}, stdout: "00000000a80425fb\n"},
				{name: "cap add", spec: Spec{Args: []string{"caps"}, CapAdd: []string{"SYS_PTRACE"}}, stdout: "00000000a80c25fb\n"},
			}
			for _, c := range cases {
				t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
					c.spec.Timeout = time.Minute
					res, err := byName(rt).Run(ctx, img, c.spec)
					if err != nil {
						t.Fatalf("Run: %v", err)
					}
					if res.Runtime != rt {
						t.Errorf("runtime %q, want %q", res.Runtime, rt)
					}
					if res.ExitCode != c.code {
						t.Errorf("exit code %d, want %d (stdout %q, stderr %q)", res.ExitCode, c.code, res.Stdout, res.Stderr)
					}
					if !strings.Contains(string(res.Stdout), c.stdout) {
						t.Errorf("stdout %q does not contain %q", res.Stdout, c.stdout)
					}
					if !strings.Contains(string(res.Stderr), c.stderr) {
						t.Errorf("stderr %q does not contain %q", res.Stderr, c.stderr)
					}
					if c.notContain != "" && strings.Contains(string(res.Stdout), c.notContain) {
						t.Errorf("stdout %q contains %q", res.Stdout, c.notContain)
					}
				})
			}
		})
	}
}

func TestMaxOutput(t *testing.T) {
	img := probeImage(t)
	for _, rt := range runtimes(t) {
		t.Run(rt, func(t *testing.T) {
			in := strings.Repeat("0123456789", 10000)
			res, err := byName(rt).Run(context.Background(), img, Spec{Args: []string{"cat"}, Stdin: []byte(in), MaxOutput: 1000})
			if err != nil {
				t.Fatal(err)
			}
			if string(res.Stdout) != in[:1000] || !res.Truncated || res.ExitCode != 0 {
				t.Errorf("kept %d bytes, truncated %v, exit %d", len(res.Stdout), res.Truncated, res.ExitCode)
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	img := probeImage(t)
	for _, rt := range runtimes(t) {
		t.Run(rt, func(t *testing.T) {
			start := time.Now()
			res, err := byName(rt).Run(context.Background(), img, Spec{Args: []string{"sleep"}, Timeout: 2 * time.Second})
			if err != ErrTimeout {
				t.Fatalf("err = %v, want ErrTimeout", err)
			}
			if res == nil || !res.TimedOut || res.ExitCode == 0 {
				t.Errorf("result %+v, want timed out with a non-zero exit", res)
			}
			if d := time.Since(start); d > 40*time.Second {
				t.Errorf("took %s", d)
			}
			c, err := byName(rt).Start(context.Background(), img, Spec{Args: []string{"sleep"}})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			res, err = c.Wait(ctx)
			if !errors.Is(err, context.DeadlineExceeded) || res == nil || res.ExitCode == 0 {
				t.Errorf("canceled: %v, %+v; want the context's error and a killed container", err, res)
			}
			// A run whose context ends while the image loads leaves nothing.
			ctx, cancel = context.WithCancel(context.Background())
			go func() { time.Sleep(50 * time.Millisecond); cancel() }()
			if _, err := byName(rt).Run(ctx, img, Spec{Args: []string{"sleep"}}); !errors.Is(err, context.Canceled) {
				t.Errorf("canceled early: %v, want context.Canceled", err)
			}
		})
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

func TestHostNetwork(t *testing.T) {
	img := probeImage(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("hi from the host"))
			c.Close()
		}
	}()
	for _, rt := range runtimes(t) {
		t.Run(rt, func(t *testing.T) {
			for _, network := range []string{"host", "none"} {
				res, err := byName(rt).Run(context.Background(), img, Spec{Network: network, Args: []string{"dial", l.Addr().String()}, Timeout: time.Minute})
				if err != nil {
					t.Fatal(err)
				}
				reached := strings.Contains(string(res.Stdout), "hi from the host")
				if reached != (network == "host") {
					t.Errorf("network %s: stdout %q", network, res.Stdout)
				}
			}
		})
	}
}

func TestStartStop(t *testing.T) {
	img := probeImage(t)
	cf, _ := img.ConfigFile()
	cf = cf.DeepCopy()
	cf.Config.StopSignal = "SIGINT"
	intImg, err := mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	for _, rt := range runtimes(t) {
		for _, c := range []struct {
			name string
			img  v1.Image
			want string
		}{{"term", img, "terminated by terminated"}, {"stopsignal", intImg, "terminated by interrupt"}} {
			t.Run(rt+"/"+c.name, func(t *testing.T) {
				ctx := context.Background()
				port := freePort(t)
				ctr, err := byName(rt).Start(ctx, c.img, Spec{Args: []string{"serve", fmt.Sprint(port)}, Timeout: 2 * time.Minute})
				if err != nil {
					t.Fatal(err)
				}
				url := fmt.Sprintf("http://127.0.0.1:%d/ping", port)
				var body []byte
				deadline := time.Now().Add(60 * time.Second)
				for time.Now().Before(deadline) {
					resp, err := http.Get(url)
					if err == nil {
						body, _ = io.ReadAll(resp.Body)
						resp.Body.Close()
						break
					}
					time.Sleep(100 * time.Millisecond)
				}
				res, err := ctr.Stop(ctx)
				if err != nil {
					t.Fatalf("Stop: %v", err)
				}
				if string(body) != "hello from /ping" {
					t.Errorf("server answered %q", body)
				}
				if res.ExitCode != 0 || !strings.Contains(string(res.Stdout), "serving\n"+c.want+"\n") {
					t.Errorf("after Stop: exit %d, stdout %q, stderr %q", res.ExitCode, res.Stdout, res.Stderr)
				}
			})
		}
	}
}

// TestStopDeaf stops a container whose first process ignores its stop
// signal: the kernel would never deliver it, so Stop kills at once rather
// than wait a grace period of five minutes in vain.
func TestStopDeaf(t *testing.T) {
	img := probeImage(t)
	for _, rt := range runtimes(t) {
		t.Run(rt, func(t *testing.T) {
			ctx := context.Background()
			r, w := io.Pipe()
			defer r.Close()
			ctr, err := byName(rt).Start(ctx, img, Spec{Args: []string{"deaf"}, Stdout: w, StopGrace: 5 * time.Minute, Timeout: 10 * time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			line, err := bufio.NewReader(r).ReadString('\n')
			if line != "deaf\n" {
				ctr.Stop(ctx)
				t.Fatalf("the program said %q (%v)", line, err)
			}
			go io.Copy(io.Discard, r)
			began := time.Now()
			res, err := ctr.Stop(ctx)
			took := time.Since(began)
			if err != nil {
				t.Fatal(err)
			}
			if took > time.Minute || res.ExitCode != 137 {
				t.Errorf("Stop took %s, exit code %d: want a kill at once (137)", took.Round(time.Millisecond), res.ExitCode)
			}
		})
	}
}

// TestCleanup checks that a run leaves no container, image tag or bundle.
// Other packages' tests may run containers at the same time: only this
// run's own are looked for.
func TestCleanup(t *testing.T) {
	img := probeImage(t)
	ctx := context.Background()
	for _, rt := range runtimes(t) {
		t.Run(rt, func(t *testing.T) {
			tmp := t.TempDir()
			c, err := byName(rt).Start(ctx, img, Spec{TempDir: tmp, Args: []string{"id"}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Wait(ctx); err != nil {
				t.Fatal(err)
			}
			if left, _ := os.ReadDir(tmp); len(left) > 0 {
				t.Errorf("left in the bundle directory: %v", left)
			}
			switch rt {
			case Docker:
				out, err := docker(ctx, nil, "ps", "--all", "--filter", "name=^"+c.ID+"$", "--format", "{{.Names}}")
				if err != nil || out != "" {
					t.Errorf("container left: %q %v", out, err)
				}
				cfgName, _ := img.ConfigName()
				out, _ = docker(ctx, nil, "images", "--format", "{{.Repository}}:{{.Tag}}", "diet-run/"+cfgName.Hex[:12])
				if out != "" {
					t.Errorf("tags left: %q", out)
				}
			case Runc:
				out, _ := exec.Command("runc", "list", "--quiet").Output()
				if slices.Contains(strings.Fields(string(out)), c.ID) {
					t.Errorf("runc container left: %s", c.ID)
				}
			}
		})
	}
}

func TestHoldRunc(t *testing.T) {
	testenv.Runc(t)
	img := probeImage(t)
	ctx := context.Background()
	h, err := byName(Runc).Hold(ctx, img)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Release()
	if h.dir == "" || h.root == "" {
		t.Fatal("Hold kept no tree")
	}
	tmp := t.TempDir()
	run := func(args ...string) string {
		res, err := h.Run(ctx, Spec{TempDir: tmp, Args: args})
		if err != nil || res.ExitCode != 0 {
			t.Fatalf("Run %v: %v %+v", args, err, res)
		}
		return string(res.Stdout)
	}
	run("write", "/var/www/new")
	if out := run("exists", "/var/www/new"); out != "false\n" {
		t.Errorf("a run sees the file another wrote: %q", out)
	}
	if out := run("exists", "/var/www/.ok"); out != "true\n" {
		t.Errorf("a run does not see the image's file: %q", out)
	}
	if out := run("id"); out != "0:0 /\n" {
		t.Errorf("id: %q", out)
	}
	if _, err := os.Stat(filepath.Join(h.root, "var/www/new")); err == nil {
		t.Errorf("a run wrote into the held tree")
	}
	c, err := h.Start(ctx, Spec{TempDir: tmp, Args: []string{"sleep"}})
	if err != nil {
		t.Fatal(err)
	}
	mi, _ := os.ReadFile("/proc/self/mountinfo")
	if !strings.Contains(string(mi), tmp) || !strings.Contains(string(mi), " - overlay ") {
		t.Errorf("no overlay mount under %s while a held image runs", tmp)
	}
	// Released while a run goes on, the tree stays until that run ends;
	// no new run starts.
	h.Release()
	h.Release()
	if _, err := os.Stat(h.root); err != nil {
		t.Errorf("held tree gone while a run uses it: %v", err)
	}
	if _, err := h.Run(ctx, Spec{Args: []string{"id"}}); !errors.Is(err, ErrReleased) {
		t.Errorf("a run after Release: %v, want ErrReleased", err)
	}
	c.Stop(ctx)
	if _, err := os.Stat(h.dir); err == nil {
		t.Errorf("held tree %s still there after release", h.dir)
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("left in the bundle directory: %v", left)
	}
	if res, err := byName(Runc).Run(ctx, img, Spec{TempDir: tmp, Args: []string{"exists", "/var/www/.ok"}}); err != nil || string(res.Stdout) != "true\n" {
		t.Errorf("a plain run after release: %v %+v", err, res)
	}
}

func TestHold(t *testing.T) {
	testenv.Docker(t)
	img := probeImage(t)
	ctx := context.Background()
	h, err := byName(Docker).Hold(ctx, img)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Release()
	id, _ := img.ConfigName()
	for range 2 {
		res, err := h.Run(ctx, Spec{Args: []string{"id"}})
		if err != nil || res.ExitCode != 0 {
			t.Fatalf("Run: %v %+v", err, res)
		}
	}
	if _, err := docker(ctx, nil, "image", "inspect", id.String()); err != nil {
		t.Errorf("image gone while held: %v", err)
	}
	h.Release()
	h.Release()
	if _, err := docker(ctx, nil, "image", "inspect", id.String()); err == nil {
		t.Errorf("image still there after release")
	}
}

func TestRunErrors(t *testing.T) {
	img := probeImage(t)
	ctx := context.Background()
	if _, err := New(ctx, "lxc"); err == nil || !strings.Contains(err.Error(), "lxc") {
		t.Errorf("New(lxc): %v", err)
	}
	if _, err := byName(Runc).Run(ctx, img, Spec{Network: "bridge"}); err == nil {
		t.Error("Run with network bridge: no error")
	}
	cf, _ := img.ConfigFile()
	cf = cf.DeepCopy()
	cf.Architecture = "s390x"
	if _, err := os.Stat("/proc/sys/fs/binfmt_misc/qemu-s390x"); err != nil {
		foreign, _ := mutate.ConfigFile(img, cf)
		if _, err := byName(Runc).Run(ctx, foreign, Spec{}); !errors.Is(err, ErrNoEmulator) || !strings.Contains(err.Error(), "linux/s390x") {
			t.Errorf("foreign image: %v", err)
		}
	}
	for _, rt := range runtimes(t) {
		t.Run(rt, func(t *testing.T) {
			if res, err := byName(rt).Run(ctx, img, Spec{User: "nosuchuser", Args: []string{"id"}}); err == nil {
				t.Errorf("unknown user: no error, result %+v", res)
			}
			if _, err := byName(rt).Run(ctx, img, Spec{Entrypoint: []string{}}); err == nil || !strings.Contains(err.Error(), "no command") {
				t.Errorf("no command: %v", err)
			}
		})
	}
}

// TestDockerZstd runs an image whose layer is zstd-compressed, which
// Docker 20.10 cannot load as it is.
func TestDockerZstd(t *testing.T) {
	testenv.Docker(t)
	img := probeImage(t)
	layers, _ := img.Layers()
	l := layers[0]
	z, err := tarball.LayerFromOpener(l.Uncompressed, tarball.WithCompression(compression.ZStd), tarball.WithMediaType(types.OCILayerZStd))
	if err != nil {
		t.Fatal(err)
	}
	cf, _ := img.ConfigFile()
	zimg, _ := mutate.AppendLayers(empty.Image, z)
	zimg, _ = mutate.ConfigFile(zimg, cf)
	if mt, _ := z.MediaType(); !strings.Contains(string(mt), "zstd") {
		t.Fatalf("layer media type %s", mt)
	}
	res, err := byName(Docker).Run(context.Background(), zimg, Spec{Args: []string{"echo", "zstd"}})
	if err != nil || res.ExitCode != 3 || string(res.Stdout) != "zstd\n" {
		t.Errorf("Run: %v, %+v", err, res)
	}
}

// TestParallel runs several containers of one image at once.
func TestParallel(t *testing.T) {
	img := probeImage(t)
	for _, rt := range runtimes(t) {
		t.Run(rt, func(t *testing.T) {
			var wg sync.WaitGroup
			errs := make([]error, 4)
			for i := range errs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					arg := fmt.Sprint("run-", i)
					res, err := byName(rt).Run(context.Background(), img, Spec{Args: []string{"echo", arg}, Timeout: 2 * time.Minute})
					switch {
					case err != nil:
						errs[i] = err
					case string(res.Stdout) != arg+"\n" || res.ExitCode != 3:
						errs[i] = fmt.Errorf("stdout %q, exit %d", res.Stdout, res.ExitCode)
					}
				}()
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("run %d: %v", i, err)
				}
			}
		})
	}
}

// TestExec runs commands inside a running server's container: they share
// its private loopback (reach the server on 127.0.0.1 with no host port),
// get standard input, give exit codes, and a missing command is
// ErrNotFound. Two servers on the same port run side by side.
func TestExec(t *testing.T) {
	img := probeImage(t)
	for _, rt := range runtimes(t) {
		t.Run(rt, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			var ctrs []*Container
			for i := 0; i < 2; i++ {
				ctr, err := byName(rt).Start(ctx, img, Spec{Network: "none", Args: []string{"serve", "7777"}, Timeout: 2 * time.Minute})
				if err != nil {
					t.Fatal(err)
				}
				defer ctr.Stop(ctx)
				ctrs = append(ctrs, ctr)
			}
			for _, ctr := range ctrs {
				var res *Result
				var err error
				for i := 0; i < 100; i++ {
					res, err = ctr.Exec(ctx, ExecSpec{Args: []string{"/probe", "get", "http://127.0.0.1:7777/in"}})
					if err != nil || res.ExitCode == 0 {
						break
					}
					time.Sleep(100 * time.Millisecond)
				}
				if err != nil || res.ExitCode != 0 || string(res.Stdout) != "200 hello from /in\n" {
					t.Fatalf("dial from inside: %v %+v", err, res)
				}
			}
			res, err := ctrs[0].Exec(ctx, ExecSpec{Args: []string{"/probe", "cat"}, Stdin: strings.NewReader("in")})
			if err != nil || string(res.Stdout) != "in" {
				t.Errorf("cat: %v %+v", err, res)
			}
			res, err = ctrs[0].Exec(ctx, ExecSpec{Args: []string{"/probe", "echo", "a"}, Env: []string{"X=1"}})
			if err != nil || res.ExitCode != 3 || string(res.Stdout) != "a\n" {
				t.Errorf("echo: %v %+v", err, res)
			}
			res, err = ctrs[0].Exec(ctx, ExecSpec{Args: []string{"/nothing-here"}})
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("missing command: %v", err)
			}
			ctrs[0].Stop(ctx)
			if _, err := ctrs[0].Exec(ctx, ExecSpec{Args: []string{"/probe", "echo"}}); err == nil || !strings.Contains(err.Error(), "ended") {
				t.Errorf("exec in an ended container: %v", err)
			}
		})
	}
}

// TestHoldDir: runs of an image held from the caller's own unpacked tree
// see its files, never write into it, and release leaves it to the caller.
func TestHoldDir(t *testing.T) {
	testenv.Runc(t)
	img := probeImage(t)
	ctx := context.Background()
	root := filepath.Join(t.TempDir(), "rootfs")
	if _, err := rootfs.Unpack(ctx, img, root, rootfs.UnpackOptions{KeepOwners: true}); err != nil {
		t.Fatal(err)
	}
	// A file only the caller's tree has: runs must be seeing that tree.
	if err := os.WriteFile(filepath.Join(root, "var/www/mine"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	h, err := byName(Runc).HoldDir(ctx, img, root)
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	runOf := func(run func(Spec) (*Result, error), args ...string) string {
		res, err := run(Spec{TempDir: tmp, Args: args})
		if err != nil || res.ExitCode != 0 {
			t.Fatalf("Run %v: %v %+v", args, err, res)
		}
		return string(res.Stdout)
	}
	held := func(s Spec) (*Result, error) { return h.Run(ctx, s) }
	plain := func(s Spec) (*Result, error) { return byName(Runc).Run(ctx, img, s) }
	if out := runOf(held, "exists", "/var/www/mine"); out != "true\n" {
		t.Errorf("a run does not see the held tree: %q", out)
	}
	runOf(held, "write", "/var/www/new")
	if _, err := os.Stat(filepath.Join(root, "var/www/new")); err == nil {
		t.Error("a run wrote into the caller's tree")
	}
	if out := runOf(plain, "exists", "/var/www/mine"); out != "false\n" {
		t.Errorf("a run not through the Held uses the caller's tree: %q", out)
	}
	h.Release()
	if _, err := os.Stat(filepath.Join(root, "var/www/mine")); err != nil {
		t.Errorf("release removed the caller's tree: %v", err)
	}
	if _, err := h.Run(ctx, Spec{Args: []string{"id"}}); !errors.Is(err, ErrReleased) {
		t.Errorf("a run after Release: %v, want ErrReleased", err)
	}
}

// TestNew: a runtime chosen once by name runs images without naming it in
// each Spec, and holds them.
func TestNew(t *testing.T) {
	ctx := context.Background()
	if _, err := New(ctx, "lxc"); err == nil || !strings.Contains(err.Error(), `unknown runtime "lxc"`) {
		t.Errorf("New(lxc): %v", err)
	}
	for _, name := range []string{Docker, Podman, Runc} {
		if got := byName(name).Name(); got != name {
			t.Errorf("byName(%s).Name() = %s", name, got)
		}
	}
	img := probeImage(t)
	for _, name := range []string{Runc, Docker} {
		t.Run(name, func(t *testing.T) {
			if err := byName(name).Available(ctx); err != nil {
				testenv.Missing(t, "%v", err)
			}
			e, err := New(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			if err := e.Available(ctx); err != nil {
				t.Fatal(err)
			}
			res, err := e.Run(ctx, img, Spec{Args: []string{"id"}})
			if err != nil || res.Runtime != name || res.ExitCode != 0 {
				t.Fatalf("Run: %v %+v", err, res)
			}
			h, err := e.Hold(ctx, img)
			if err != nil {
				t.Fatal(err)
			}
			defer h.Release()
			if h.Runtime() != name {
				t.Errorf("held in %s, want %s", h.Runtime(), name)
			}
			res, err = h.Run(ctx, Spec{Args: []string{"echo", "held"}})
			if err != nil || res.ExitCode != 3 || string(res.Stdout) != "held\n" {
				t.Fatalf("held Run: %v %+v", err, res)
			}
		})
	}
}
