package slim

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/dietimg/diet/internal/engine"
	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/slim/fatimages"
	"github.com/dietimg/diet/internal/testenv"
)

// webPort is where the web app of the services test listens.
const webPort = 15080

// webApp is a web app that needs Redis at start-up: it connects to the
// host named cache (REDIS_HOST) with a raw RESP exchange, stores a value,
// and refuses to start without it; its page holds the value read back.
const webApp = `import os, socket, sys
from http.server import BaseHTTPRequestHandler, HTTPServer

HOST = os.environ.get("REDIS_HOST", "cache")
PORT = int(os.environ.get("REDIS_PORT", "6379"))

def resp(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a.encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out

def ask(*args):
    with socket.create_connection((HOST, PORT), timeout=5) as s:
        s.sendall(resp(*args))
        f = s.makefile("rb")
        line = f.readline()
        if line.startswith(b"$"):
            n = int(line[1:])
            return None if n < 0 else f.read(n + 2)[:-2].decode()
        if line.startswith(b"-"):
            raise RuntimeError(line.decode().strip())
        return line[1:].decode().strip()

try:
    ask("SET", "greeting", "hello from redis")
except OSError as e:
    print("no redis at %s:%d: %s" % (HOST, PORT, e), file=sys.stderr)
    sys.exit(1)

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("value=%s\n" % ask("GET", "greeting")).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass

HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
`

// webImage is the flask corpus image (Debian with python3) running
// webApp instead.
func webImage(t *testing.T, layout string) v1.Image {
	t.Helper()
	base, err := image.Read(context.Background(), "oci:"+layout+":flask", image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(base, tarLayer(t, map[string]string{"app/web.py": webApp}))
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.Config.Cmd = []string{"python3", "/app/web.py"}
	cf.Config.Env = slices.DeleteFunc(cf.Config.Env, func(e string) bool { return strings.HasPrefix(e, "PORT=") })
	cf.Config.Env = append(cf.Config.Env, fmt.Sprintf("PORT=%d", webPort), fmt.Sprintf("REDIS_PORT=%d", fatimages.RedisPort))
	cf.Config.ExposedPorts = map[string]struct{}{fmt.Sprintf("%d/tcp", webPort): {}}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		t.Fatal(err)
	}
	return img
}

// TestSlimServices is issue 22's section 4: a web app that needs Redis
// at start-up is slimmed with --compose and with --with, under runc and
// Docker; Redis starts from its own image for each run, is never traced
// or slimmed, and no container of the runs is left. A dependency that
// never becomes ready, and a compose file naming no such service, are
// clear errors, and nothing is written.
func TestSlimServices(t *testing.T) {
	needRunc(t)
	testenv.Docker(t)
	layout := corpusLayout(t)
	dir := t.TempDir()
	if d := os.Getenv("DIET_TEST_SERVICES_DIR"); d != "" {
		dir = d // to run diet slim by hand on the images after
	}
	web := "oci:" + filepath.Join(dir, "in") + ":web"
	if err := image.Write(context.Background(), web, webImage(t, layout), image.Options{}); err != nil {
		t.Fatal(err)
	}
	redis := "oci:" + layout + ":redis"
	before := redisDigest(t, redis)
	compose := filepath.Join(dir, "compose.yaml")
	writeCompose := func(file, health string) {
		t.Helper()
		data := fmt.Sprintf(`services:
  web:
    image: %s
    environment:
      REDIS_HOST: cache
    depends_on: [cache]
  cache:
    image: %s
    command: ["redis-server", "--port", "%d", "--save", ""]
%s`, web, redis, fatimages.RedisPort, health)
		if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeCompose(compose, "")
	probe := fmt.Sprintf("%d/", webPort)
	for _, c := range []struct {
		name, rt string
		args     []string
	}{
		{"compose-runc", engine.Runc, []string{"--compose", compose, "--service", "web"}},
		{"with-runc", engine.Runc, []string{web, "--with", "cache=" + redis}},
		{"compose-docker", engine.Docker, []string{"--compose", compose, "--service", "web"}},
		{"with-docker", engine.Docker, []string{web, "--with", "cache=" + redis}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			r := runSlimArgs(t, append(c.args, "--runtime", c.rt, "--probe-http", probe, "--timeout", "90s")...)
			r.mustSucceed(t)
			t.Logf("%s: %s", c.name, time.Since(start).Round(time.Second))
			for _, o := range append(r.res.Original, r.res.Slim...) {
				if !strings.Contains(string(o.Body), "value=hello from redis") {
					t.Errorf("probe %s answered %q", o.Probe, o.Body)
				}
			}
			for p := range r.kept() {
				if strings.Contains(p, "redis") {
					t.Errorf("%s of the dependency is in the slimmed web app", p)
				}
			}
			noContainersUnder(t, c.rt, r.dir)
		})
	}
	t.Run("bad", func(t *testing.T) {
		never := filepath.Join(dir, "never.yaml")
		writeCompose(never, "    healthcheck:\n      test: [\"CMD\", \"false\"]\n")
		for _, c := range []struct {
			args []string
			want string
		}{
			{[]string{"--compose", never, "--service", "web", "--timeout", "5s"}, "service cache: not ready within 5s: its healthcheck (false) did not pass"},
			{[]string{"--compose", compose, "--service", "nope"}, `has no service "nope" (its services: cache, web)`},
			{[]string{web, "--with", "cache=oci:" + filepath.Join(dir, "missing") + ":x"}, "service cache: reading its image"},
		} {
			r := runSlimArgs(t, append(c.args, "--probe-http", probe)...)
			if r.code == 0 || !strings.Contains(r.stderr, c.want) {
				t.Errorf("%v: exit %d, stderr:\n%s\nwant %q", c.args, r.code, r.stderr, c.want)
			}
			if _, err := os.Stat(filepath.Join(r.dir, "out")); !os.IsNotExist(err) {
				t.Errorf("%v: the output was written (%v)", c.args, err)
			}
			noContainersUnder(t, engine.Runc, r.dir)
		}
	})
	if after := redisDigest(t, redis); after != before {
		t.Errorf("the dependency's image changed: %s -> %s", before, after)
	}
}

// argsRun is a slimRun with the directory of its output and work.
type argsRun struct {
	*slimRun
	dir string
}

// runSlimArgs runs diet slim with args as they are (IMAGE among them, or
// not), its output and work directory in a directory of its own.
func runSlimArgs(t *testing.T, args ...string) argsRun {
	t.Helper()
	dir := t.TempDir()
	return argsRun{runSlimIn(t, nil, dir, "", args...), dir}
}

func redisDigest(t *testing.T, ref string) string {
	t.Helper()
	img, err := image.Read(context.Background(), ref, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

// noContainersUnder fails when a container whose bundle or mounts are
// under dir (the slim's work directory) is still there.
func noContainersUnder(t *testing.T, rt, dir string) {
	t.Helper()
	var out []byte
	var err error
	switch rt {
	case engine.Runc:
		out, err = exec.Command("runc", "list").CombinedOutput()
	default:
		out, err = exec.Command(rt, "ps", "-aq", "--filter", "name=diet-run-").CombinedOutput()
		if ids := strings.Fields(string(out)); err == nil && len(ids) > 0 {
			args := append([]string{"inspect", "--format", "{{.Name}} {{range .Mounts}}{{.Source}} {{end}}"}, ids...)
			out, _ = exec.Command(rt, args...).CombinedOutput() // a container may go meanwhile
		}
	}
	if err != nil {
		t.Fatalf("listing %s containers: %v: %s", rt, err, out)
	}
	if strings.Contains(string(out), dir) {
		t.Errorf("%s containers of the slim are left:\n%s", rt, out)
	}
}
