package slim

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/dietimg/diet/internal/engine"
	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/probe"
	"github.com/dietimg/diet/internal/testenv"
)

// stateScript is the command of the state image: it says whether it finds
// the mark an earlier run would have left, leaves one, and serves a page
// naming the state and this run (a fresh id), on 127.0.0.1:PORT.
const stateScript = `B=/bin/busybox
if $B test -e /var/tmp/mark; then s=dirty; else s=clean; fi
echo "$s $($B cat /proc/sys/kernel/random/uuid)" > /srv/page
echo $s > /srv/state
echo run >> /var/tmp/mark
exec $B httpd -f -p 127.0.0.1:$PORT -h /srv`

// stateImage is a small image of the static busybox that serves
// stateScript's page on port, with a second copy of busybox as a probe
// tool (/opt/tool/busybox) that the server never uses.
func stateImage(t *testing.T, port int) v1.Image {
	t.Helper()
	bb, err := os.ReadFile(testenv.LookPath(t, "busybox")[0])
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, d := range []string{"bin/", "srv/", "var/", "var/tmp/", "tmp/", "etc/", "opt/", "opt/tool/"} {
		tw.WriteHeader(&tar.Header{Name: d, Mode: 0o755, Typeflag: tar.TypeDir, ModTime: time.Unix(0, 0)})
	}
	files := []struct {
		name string
		mode int64
		data []byte
	}{{"bin/busybox", 0o755, bb}, {"opt/tool/busybox", 0o755, bb}, {"srv/index.html", 0o644, []byte("image's own index\n")},
		{"etc/passwd", 0o644, []byte("root:x:0:0:root:/root:/bin/sh\n")}, {"etc/group", 0o644, []byte("root:x:0:\n")}}
	for _, f := range files {
		tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data)), Typeflag: tar.TypeReg, ModTime: time.Unix(0, 0)})
		tw.Write(f.data)
	}
	tw.Close()
	b := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(empty.Image, l)
	if err != nil {
		t.Fatal(err)
	}
	cf, _ := img.ConfigFile()
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	cf.Config.Env = []string{"PORT=" + strconv.Itoa(port)}
	cf.Config.Cmd = []string{"/bin/busybox", "sh", "-c", stateScript}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		t.Fatal(err)
	}
	return img
}

// runState runs the state image once with an http probe of its page and a
// cmd probe reading the page from the container's own files, and returns
// the two answers.
func runState(t *testing.T, img v1.Image, held *engine.Held, rt, network string, port int) (http, cmd string) {
	t.Helper()
	probes := []probe.Probe{{Kind: probe.KindHTTP, Port: port, Path: "/page"}, {Kind: probe.KindCmd, Args: []string{"/bin/busybox", "cat", "/srv/page"}}}
	tgt, popts := probeTarget(t, img, rt, network, port)
	tgt.held = held
	popts.Timeout = 30 * time.Second
	out, err := probe.Run(context.Background(), tgt, probes, popts)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range out {
		if o.Error != "" || o.ExitCode != 0 {
			t.Fatalf("probe %s: %+v (stderr %s)", o.Probe, o, o.Stderr)
		}
	}
	return string(out[0].Body), string(out[1].Stdout)
}

// TestRunsIsolated is issue 9's section 4: every run starts from the
// image's own files (no run sees the mark of an earlier one) and its probe
// reaches its own server (the page the http probe gets is the one the
// container's own files hold, with this run's id), under runc and Docker;
// two runs on the same port at once do too; and with host networking the
// server's port is closed once a run has returned. A decoy server on the
// host's port is not what the probes reach.
func TestRunsIsolated(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test (-short)")
	}
	// A decoy on the host, on the very port the image serves on.
	decoy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go http.Serve(decoy, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "decoy on the host") }))
	port := decoy.Addr().(*net.TCPAddr).Port
	img := stateImage(t, port)
	for _, rt := range []string{engine.Runc, engine.Docker} {
		t.Run(rt, func(t *testing.T) {
			// Not in parallel with the host subtest, which ends the decoy.
			held, err := newEngine(t, rt).Hold(context.Background(), img)
			if err != nil {
				t.Fatal(err)
			}
			defer held.Release()
			var mu sync.Mutex
			ids := map[string]bool{}
			check := func(got, files string) {
				if got != files || !strings.HasPrefix(got, "clean ") {
					t.Errorf("the probe got %q, the container's files hold %q: want the same clean page", got, files)
				}
				mu.Lock()
				defer mu.Unlock()
				if ids[got] {
					t.Errorf("two runs served the same page %q", got)
				}
				ids[got] = true
			}
			for i := 0; i < 2; i++ {
				check(runState(t, img, held, rt, "none", port))
			}
			var wg sync.WaitGroup
			for i := 0; i < 2; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					check(runState(t, img, held, rt, "none", port))
				}()
			}
			wg.Wait()
		})
	}
	// Host networking: refused while the decoy holds the port; once it
	// is gone, two runs in a row each find the port closed before they
	// start, and leave it closed.
	t.Run("host", func(t *testing.T) {
		testenv.Runc(t)
		tgt, popts := probeTarget(t, img, engine.Runc, "host", port)
		popts.Timeout = 10 * time.Second
		_, err := probe.Run(context.Background(), tgt, []probe.Probe{{Kind: probe.KindHTTP, Port: port, Path: "/page"}}, popts)
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("port %d of the host is already open", port)) {
			t.Fatalf("host networking with the port taken: %v", err)
		}
		decoy.Close()
		for i := 0; i < 2; i++ {
			check := func(got, files string) {
				if got != files || !strings.HasPrefix(got, "clean ") {
					t.Errorf("run %d: the probe got %q, the files hold %q", i, got, files)
				}
			}
			check(runState(t, img, nil, engine.Runc, "host", port))
			if c, err := net.DialTimeout("tcp", decoy.Addr().String(), time.Second); err == nil {
				c.Close()
				t.Errorf("run %d: port %d still open after the run", i, port)
			}
		}
	})
}

// TestSlimStateImage slims the state image with diet: the original's run
// and the verify run both start clean (the verify run does not see the
// original run's mark), and the result holds the image's own files only,
// none that a probe run wrote.
func TestSlimStateImage(t *testing.T) {
	needRunc(t)
	dir := t.TempDir()
	src := "oci:" + filepath.Join(dir, "in") + ":state"
	if err := image.Write(context.Background(), src, stateImage(t, 8000), image.Options{}); err != nil {
		t.Fatal(err)
	}
	for _, rt := range []string{engine.Runc, engine.Docker} {
		t.Run(rt, func(t *testing.T) {
			newEngine(t, rt)
			t.Parallel()
			r := runSlimRef(t, src, "--runtime", rt, "--probe-http", "8000/state", "--probe-cmd", "/bin/busybox cat /var/tmp/mark", "--probe-cmd-inside", "--keep", "/srv")
			r.mustSucceed(t)
			for _, o := range append(r.res.Original, r.res.Slim...) {
				if got := string(o.Body) + string(o.Stdout); got != "clean\n" && got != "run\n" {
					t.Errorf("probe %s answered %q", o.Probe, got)
				}
			}
			kept := r.kept()
			for _, p := range []string{"/var/tmp/mark", "/srv/page", "/srv/state"} {
				if _, ok := kept[p]; ok {
					t.Errorf("%s, written by a probe run, is in the result", p)
				}
			}
			if _, ok := kept["/srv/index.html"]; !ok {
				t.Error("/srv/index.html of the image is not kept")
			}
		})
	}
}

// TestSlimBadProbes: a probe command missing from the image, a port that
// never opens, a command or script that hangs, an answer that never
// comes: each is a clear error naming the probe, within --timeout, and
// nothing is written.
func TestSlimBadProbes(t *testing.T) {
	needRunc(t)
	dir := t.TempDir()
	src := "oci:" + filepath.Join(dir, "in") + ":state"
	if err := image.Write(context.Background(), src, stateImage(t, 8000), image.Options{}); err != nil {
		t.Fatal(err)
	}
	hang := filepath.Join(dir, "hang.sh")
	if err := os.WriteFile(hang, []byte("#!/bin/sh\nexec "+testenv.LookPath(t, "busybox")[0]+" sleep 600\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--probe-cmd", "redis-cli ping"}, "probe cmd 'redis-cli ping' of the original: redis-cli: not found in the image"},
		{[]string{"--probe-http", "9999/"}, "probe http 9999/ of the original: port 9999 never accepted a connection within 3s"},
		{[]string{"--probe-cmd", "/bin/busybox sleep 600"}, "probe cmd '/bin/busybox sleep 600' of the original: /bin/busybox did not end within 3s"},
		{[]string{"--probe-script", hang}, "probe script " + hang + " of the original: did not end within 3s"},
		{[]string{"--probe-tcp", "8000", "--probe-send", `x\r\n\r\n`, "--probe-expect", "never"}, `probe tcp 8000 of the original: port 8000 did not answer "never"`},
	} {
		t.Run(c.args[0], func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			r := runSlimRef(t, src, append([]string{"--timeout", "3s"}, c.args...)...)
			if r.code == 0 || !strings.Contains(r.stderr, c.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant %q", r.code, r.stderr, c.want)
			}
			if took := time.Since(start); took > 45*time.Second {
				t.Errorf("took %s with --timeout 3s", took)
			}
			if _, err := os.Stat(strings.TrimSuffix(strings.TrimPrefix(r.dest, "oci:"), ":slim")); !os.IsNotExist(err) {
				t.Errorf("%s was written (%v)", r.dest, err)
			}
		})
	}
}

// TestSlimKeepProbeFiles: a --probe-cmd tool that the application never
// uses is cut (verify then fails, with a hint, and nothing is written)
// unless --keep-probe-files, which keeps it.
func TestSlimKeepProbeFiles(t *testing.T) {
	needRunc(t)
	dir := t.TempDir()
	src := "oci:" + filepath.Join(dir, "in") + ":state"
	if err := image.Write(context.Background(), src, stateImage(t, 8000), image.Options{}); err != nil {
		t.Fatal(err)
	}
	// The http probe first: the page is there once the port is open.
	// The command reads the container's own files: it runs inside.
	args := []string{"--probe-http", "8000/", "--probe-cmd", "/opt/tool/busybox cat /srv/state", "--probe-cmd-inside"}
	r := runSlimRef(t, src, args...)
	if r.code == 0 || !strings.Contains(r.stderr, "--keep-probe-files keeps it") || !strings.Contains(r.stderr, "/opt/tool/busybox: not found in the image") {
		t.Errorf("without --keep-probe-files: exit %d\n%s", r.code, r.stderr)
	}
	r = runSlimRef(t, src, append(args, "--keep-probe-files")...)
	r.mustSucceed(t)
	if k, ok := r.kept()["/opt/tool/busybox"]; !ok || !strings.Contains(k.Reason.Detail, "--keep-probe-files") {
		t.Errorf("/opt/tool/busybox kept %v for %+v, want for --keep-probe-files", ok, k.Reason)
	}
	if got := string(r.res.Slim[1].Stdout); got != "clean\n" {
		t.Errorf("slim answered %q; original %+v; slim %+v", got, r.res.Original, r.res.Slim)
	}
}
