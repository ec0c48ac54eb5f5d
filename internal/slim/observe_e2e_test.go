package slim

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/probe"
	"github.com/dietimg/diet/internal/slim/fatimages"
	"github.com/dietimg/diet/internal/testenv"
)

// TestSlimKeepsWhatProgramsSee slims the observe image: nginx with
// cap_net_bind_service=+ep, run as www-data on port 80, listing files
// with their modification times, one of them under two names (a hard
// link). The slim must answer the same, still bind port 80 as www-data
// under the Docker engine (which, unlike runc, gives a non-root user no
// capabilities but those of the file), keep the hard link as a link and
// the times of the original.
func TestSlimKeepsWhatProgramsSee(t *testing.T) {
	needRunc(t)
	// Traced: the sensor stays root and starts nginx as www-data, so the
	// kernel grants the traced exec its file capability (it withholds it
	// under a tracer without it) and the original binds port 80.
	run := runSlim(t, "observe", "--keep", "/srv/www", "--keep", "/etc/nginx/observe.conf",
		"--probe-http", "80/", "--probe-http", "80/big.bin", "--probe-http", "80/sub/")
	run.mustSucceed(t)
	res := run.res
	listing := res.Original[0].Body
	if res.Original[0].Status != 200 || !bytes.Contains(listing, []byte(fatimages.ObserveListed)) || !bytes.Contains(listing, []byte("big-link.bin")) {
		t.Fatalf("the original's listing (status %d) lacks the time %q of notes.txt:\n%s", res.Original[0].Status, fatimages.ObserveListed, listing)
	}
	if !bytes.Equal(listing, res.Slim[0].Body) {
		t.Errorf("listings differ:\noriginal:\n%s\nslim:\n%s", listing, res.Slim[0].Body)
	}
	if len(res.Original[1].Body) != fatimages.ObserveBig || !bytes.Equal(res.Original[1].Body, res.Slim[1].Body) {
		t.Errorf("big.bin: %d bytes from the original, %d from the slim", len(res.Original[1].Body), len(res.Slim[1].Body))
	}
	kept := run.kept()
	if x := kept["/usr/sbin/nginx"].Xattrs; len(x) != 1 || x[0] != "security.capability" {
		t.Errorf("report: /usr/sbin/nginx kept with extended attributes %v, want security.capability", x)
	}
	if h := kept["/srv/www/big.bin"].HardLink + kept["/srv/www/big-link.bin"].HardLink; h == "" {
		t.Errorf("report: big.bin and big-link.bin kept as two files, not one with two names")
	}

	img, err := image.Read(context.Background(), run.dest, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// An independent reader copies the slim, checking every blob.
	skopeo := testenv.LookPath(t, "skopeo")[0]
	if out, err := exec.Command(skopeo, "copy", run.dest, "dir:"+filepath.Join(t.TempDir(), "copy")).CombinedOutput(); err != nil {
		t.Errorf("skopeo copy %s: %v\n%s", run.dest, err, out)
	}
	ls, err := img.Layers()
	if err != nil || len(ls) != 1 {
		t.Fatalf("layers %v, %v", ls, err)
	}
	rc, err := ls[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	hdrs := map[string]*tar.Header{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		hdrs[h.Name] = h
	}
	rc.Close()
	// One name carries the data (the first in layer order), the other is
	// a tar link to it: the slim holds the file once.
	data, link := hdrs["srv/www/big-link.bin"], hdrs["srv/www/big.bin"]
	if data == nil || link == nil {
		t.Fatalf("big.bin or big-link.bin missing from the slim: %v %v", data, link)
	}
	if data.Typeflag != tar.TypeReg || data.Size != fatimages.ObserveBig || link.Typeflag != tar.TypeLink || link.Linkname != data.Name || link.Size != 0 {
		t.Errorf("big-link.bin: type %c size %d; big.bin: type %c link %q size %d; want the data once and a hard link to it",
			data.Typeflag, data.Size, link.Typeflag, link.Linkname, link.Size)
	}
	for name, want := range map[string]time.Time{
		"srv/www/notes.txt":    time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC),
		"srv/www/sub/":         time.Date(2020, 1, 3, 3, 4, 5, 0, time.UTC),
		"srv/www/sub/deep.txt": time.Date(2020, 1, 4, 3, 4, 5, 0, time.UTC),
	} {
		if h := hdrs[name]; h == nil || !h.ModTime.Equal(want) {
			t.Errorf("%s in the slim: %+v, want modified %v", name, h, want)
		}
	}
	if h := hdrs["usr/sbin/nginx"]; h == nil || h.PAXRecords["SCHILY.xattr.security.capability"] == "" {
		t.Errorf("nginx in the slim has no security.capability: %+v", h)
	}

	// Under the Docker engine as www-data, with host networking: port 80
	// takes the file capability (under runc, verification above ran in
	// a network namespace of the container's own, where it does too).
	t.Run("docker", func(t *testing.T) {
		testenv.Docker(t)
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		if cf.Config.User != "www-data" {
			t.Fatalf("slim runs as %q, want www-data", cf.Config.User)
		}
		// Host networking: in a network namespace of its own, Docker lets
		// any user bind ports below 1024 (ip_unprivileged_port_start=0).
		// The only test on a host port: taken, diet refuses, and says so.
		tgt, popts := probeTarget(t, img, "docker", "host", 80)
		out, err := probe.Run(context.Background(), tgt, []probe.Probe{res.Original[0].Probe}, popts)
		if err != nil {
			t.Fatal(err)
		}
		if d := probe.Compare(res.Original[:1], out); len(d) > 0 {
			t.Errorf("under docker: %v", d)
		}
	})
}
