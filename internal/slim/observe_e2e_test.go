package slim

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
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
	run := runSlim(t, "observe", "--probe-http", "80/", "--probe-http", "80/big.bin", "--probe-http", "80/sub/", "--keep", "/srv/www")
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
	ls, err := img.Layers()
	if err != nil || len(ls) != 1 {
		t.Fatalf("layers %v, %v", ls, err)
	}
	rc, err := ls[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	var tarBytes int64
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
		n, _ := io.Copy(io.Discard, tr)
		tarBytes += 512 + n
	}
	rc.Close()
	if h := hdrs["srv/www/big.bin"]; h == nil || h.Typeflag != tar.TypeReg || h.Size != fatimages.ObserveBig {
		t.Errorf("big.bin in the slim: %+v", h)
	}
	if h := hdrs["srv/www/big-link.bin"]; h == nil || h.Typeflag != tar.TypeLink || h.Linkname != "srv/www/big.bin" {
		t.Errorf("big-link.bin in the slim: %+v, want a hard link to srv/www/big.bin", h)
	}
	if res.After.Uncompressed >= res.Before.Uncompressed || tarBytes >= 2*fatimages.ObserveBig+int64(8<<20) {
		t.Logf("slim tar holds %d bytes", tarBytes)
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

	// Under the Docker engine as www-data: port 80 takes the file
	// capability.
	t.Run("docker", func(t *testing.T) {
		testenv.Docker(t)
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		if cf.Config.User != "www-data" {
			t.Fatalf("slim runs as %q, want www-data", cf.Config.User)
		}
		tgt, popts := probeTarget(t, img, "docker", "none")
		out, err := probe.Run(context.Background(), tgt, []probe.Probe{res.Original[0].Probe}, popts)
		if err != nil {
			t.Fatal(err)
		}
		if d := probe.Compare(res.Original[:1], out); len(d) > 0 {
			t.Errorf("under docker: %v", d)
		}
	})
}
