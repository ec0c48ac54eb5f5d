package slim

import (
	"archive/tar"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/dietimg/diet/internal/engine"
	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/testenv"
)

// TestSlimRootless runs diet slim as an ordinary user made for the test,
// with and without subordinate id ranges, on the fat nginx (HTTP probe)
// and jq (exec probe) images: both must verify, with the same answers and
// the same digests as the slims made as root. With ranges, nginx's
// error.log keeps its owner www-data (33) inside the container and in the
// slim image; without, owners are folded to root in the container only,
// and diet says so.
func TestSlimRootless(t *testing.T) {
	root := slimNginx(t)
	rootJq := slimJq(t)
	for _, sub := range []bool{true, false} {
		name := map[bool]string{true: "subids", false: "single-id"}[sub]
		t.Run(name, func(t *testing.T) {
			u := testenv.Unprivileged(t, sub)
			testenv.UnprivilegedPort(t, 80)
			ng := runSlimAs(t, u, "oci:"+fatLayout(t)+":nginx", "--probe-http", "80/")
			ng.mustSucceed(t)
			if ng.res.Digest != root.res.Digest {
				t.Errorf("nginx slim made as %s: %s, as root %s", u.Name, ng.res.Digest, root.res.Digest)
			}
			if ng.res.Slim[0].Status != 200 || string(ng.res.Slim[0].Body) != string(root.res.Slim[0].Body) {
				t.Errorf("nginx slim answered %d %q", ng.res.Slim[0].Status, ng.res.Slim[0].Body)
			}
			if uid := ownerIn(t, ng.dest, "var/log/nginx/error.log"); uid != 33 {
				t.Errorf("/var/log/nginx/error.log is owned by %d in the slim made as %s, want 33 (www-data)", uid, u.Name)
			}
			folded := "are root in the container"
			if got := strings.Contains(ng.stderr, folded); got == sub {
				t.Errorf("subordinate ids %v, but the note %q said: %v\n%s", sub, folded, got, ng.stderr)
			}

			jq := runSlimAs(t, u, "oci:"+fatLayout(t)+":jq", jqProbe...)
			jq.mustSucceed(t)
			if jq.res.Digest != rootJq.res.Digest || string(jq.res.Slim[0].Stdout) != "6\n" {
				t.Errorf("jq slim made as %s: %s printing %q, as root %s", u.Name, jq.res.Digest, jq.res.Slim[0].Stdout, rootJq.res.Digest)
			}
		})
	}
}

// ownerIn returns the uid the image at ref gives name (no leading slash).
func ownerIn(t *testing.T, ref, name string) int {
	t.Helper()
	img, err := image.Read(context.Background(), ref, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			t.Fatalf("%s is not in %s", name, ref)
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Name == name || h.Name == "/"+name || h.Name == "./"+name {
			return h.Uid
		}
	}
}

// TestSlimmedNginxInPodman runs the slimmed nginx image in podman and asks
// it for its page.
func TestSlimmedNginxInPodman(t *testing.T) {
	run := slimNginx(t) // holds the port 80 lock
	podman := newEngine(t, engine.Podman)
	img, err := image.Read(t.Context(), run.dest, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctr, err := podman.Start(t.Context(), img, engine.Spec{Timeout: 2 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	var body []byte
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		resp, err := http.Get("http://127.0.0.1:80/")
		if err == nil {
			body, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			break
		}
	}
	res, err := ctr.Stop(t.Context())
	if err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if res.Runtime != engine.Podman || !strings.Contains(string(body), "Welcome to nginx") {
		t.Errorf("the slimmed nginx in podman answered %q (%s: exit %d, stderr %q)", body, res.Runtime, res.ExitCode, res.Stderr)
	}
}
