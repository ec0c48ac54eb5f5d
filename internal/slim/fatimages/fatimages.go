// Package fatimages makes the "fat" images that diet slim's tests and
// benchmark start from: the Debian bookworm fixture tree with nginx-light,
// python3, curl, jq and ca-certificates installed (testenv.DebianFatRoot),
// as one layer, with a different command per image, in one OCI layout.
// The layout is written once per machine under the test cache, guarded
// by a lock file, and renamed into place only when complete.
package fatimages

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/layer"
	"github.com/dietimg/diet/internal/testbases"
)

// PythonScript is /app/main.py of the python image: it imports json and
// decimal only when asked to work, so a trace without that probe would
// miss them.
const PythonScript = `import sys
def main():
    if sys.argv[1:] == ["work"]:
        import json, decimal
        print(json.dumps({"sum": str(decimal.Decimal("1.1") + decimal.Decimal("2.2"))}))
    else:
        print("idle")
main()
`

// Image is one fat image of the layout.
type Image struct {
	Tag string
	Cmd []string
	// User is the config's user, when not root.
	User string
	// Files are added as a second layer (path -> content; a path ending
	// in "/" is a directory).
	Files map[string]string
	// Entries, given the fixture tree, are added as a second layer
	// written by diet's own layer writer (hard links, extended attributes
	// and modification times included).
	Entries func(root string) []layer.Entry
}

// ObserveListed is the modification time the observe image's directory
// listing (nginx autoindex: name, time, size) shows for notes.txt: it
// changes if the file's time does.
const ObserveListed = "02-Jan-2020 03:04"

// ObserveBig is the size of each of the two hard-linked names of
// /srv/www/big.bin in the observe image.
const ObserveBig = 1 << 20

// observeConf runs nginx as an ordinary user (no master process as
// root): everything it writes goes to /tmp, and it binds port 80 through
// its file capability only.
const observeConf = `worker_processes 1;
pid /tmp/nginx.pid;
error_log stderr;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path /tmp/nginx-body;
    proxy_temp_path /tmp/nginx-proxy;
    fastcgi_temp_path /tmp/nginx-fastcgi;
    uwsgi_temp_path /tmp/nginx-uwsgi;
    scgi_temp_path /tmp/nginx-scgi;
    server {
        listen 80;
        root /srv/www;
        autoindex on;
    }
}
`

// capNetBindService is the security.capability attribute of
// cap_net_bind_service=+ep (VFS_CAP_REVISION_2, effective).
const capNetBindService = "\x01\x00\x00\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"

// observeEntries are what a program can observe beyond file contents:
// nginx with cap_net_bind_service=+ep, run as www-data on port 80,
// serving a listing of files with their own times, two of them one file
// under two names.
func observeEntries(root string) []layer.Entry {
	t := func(day int) time.Time { return time.Date(2020, 1, day, 3, 4, 5, 0, time.UTC) }
	big := make([]byte, ObserveBig)
	rand.NewChaCha8([32]byte{1}).Read(big)
	return []layer.Entry{
		{Path: "/usr/sbin/nginx", Mode: 0o755, Source: filepath.Join(root, "usr/sbin/nginx"), ModTime: t(1),
			Xattrs: map[string]string{"security.capability": capNetBindService}},
		{Path: "/etc/nginx/observe.conf", Mode: 0o644, Data: []byte(observeConf), ModTime: t(1)},
		{Path: "/srv/www", Mode: fs.ModeDir | 0o755, ModTime: t(5)},
		{Path: "/srv/www/notes.txt", Mode: 0o644, Data: []byte("kept with its time"), ModTime: t(2)},
		{Path: "/srv/www/sub", Mode: fs.ModeDir | 0o755, ModTime: t(3)},
		{Path: "/srv/www/sub/deep.txt", Mode: 0o644, Data: []byte("deep\n"), ModTime: t(4)},
		{Path: "/srv/www/big.bin", Mode: 0o644, Data: big, ModTime: t(6)},
		{Path: "/srv/www/big-link.bin", Mode: 0o644, HardLink: "/srv/www/big.bin"},
	}
}

// Images are the images of the layout, by tag.
var Images = []Image{
	{Tag: "nginx", Cmd: []string{"nginx", "-g", "daemon off;"}},
	{Tag: "jq", Cmd: []string{"jq", "--version"}},
	{Tag: "curl", Cmd: []string{"curl", "--version"}},
	{Tag: "python", Cmd: []string{"python3", "/app/main.py"}, Files: map[string]string{"app/": "", "app/main.py": PythonScript}},
	// A start-up script that runs a helper script: only the kernel opens
	// the helper's interpreter (perl), which no traced syscall shows.
	{Tag: "helper", Cmd: []string{"/app/start.sh"}, Files: map[string]string{
		"app/":         "",
		"app/start.sh": "#!/bin/sh\nset -e\n/app/gen.pl | tr a-z A-Z\n",
		"app/gen.pl":   "#!/usr/bin/perl\nprint \"hello from a perl helper\\n\";\n",
	}},
	// A program with state: it lists its data directory, reads one file
	// and writes another. The files it never opened are its data too.
	{Tag: "state", Cmd: []string{"/app/state.sh"}, Files: stateFiles()},
	{Tag: "observe", Cmd: []string{"nginx", "-e", "stderr", "-c", "/etc/nginx/observe.conf", "-g", "daemon off;"}, User: "www-data", Entries: observeEntries},
}

func stateFiles() map[string]string {
	files := map[string]string{
		"app/":              "",
		"app/state.sh":      "#!/bin/sh\nset -e\nls /var/lib/app/data | wc -l\ncat /var/lib/app/data/f07\necho ran > /var/lib/app/data/last-run\n",
		"var/":              "",
		"var/lib/":          "",
		"var/lib/app/":      "",
		"var/lib/app/data/": "",
	}
	for i := 1; i <= 30; i++ {
		files[fmt.Sprintf("var/lib/app/data/f%02d", i)] = fmt.Sprintf("record %d\n", i)
	}
	return files
}

// layoutVersion changes when what the Entries functions or build make
// changes: stamp cannot see inside them.
const layoutVersion = 2

// stamp names the content of Images, so that a cached layout made from
// another list is made again.
func stamp() string {
	h := sha256.New()
	fmt.Fprintf(h, "v%d\n", layoutVersion)
	for _, im := range Images {
		fmt.Fprintf(h, "%s %q %q %v\n", im.Tag, im.Cmd, im.User, im.Entries != nil)
		names := make([]string, 0, len(im.Files))
		for n := range im.Files {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(h, "  %q %q\n", n, im.Files[n])
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Ensure returns the directory of the OCI layout holding the fat images,
// made from the tree at root under cache on first use; refer to an image
// as "oci:DIR:TAG".
func Ensure(ctx context.Context, root, cache string) (string, error) {
	base := filepath.Join(cache, "slim-fat")
	// The layout is named by the content of Images: a changed list makes a
	// new one beside the old, which readers of the old keep using.
	final := filepath.Join(base, "images-"+stamp()[:16])
	current := func() bool {
		_, err := os.Stat(filepath.Join(final, "index.json"))
		return err == nil
	}
	if current() {
		return final, nil
	}
	if err := os.MkdirAll(base, 0o755); err != nil {
		return "", err
	}
	lock, err := os.OpenFile(filepath.Join(base, ".images.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("locking %s: %w", lock.Name(), err)
	}
	if current() {
		return final, nil // made while we waited
	}
	ref, err := testbases.EnsureDebian(ctx, root, base)
	if err != nil {
		return "", fmt.Errorf("making the fat base: %w", err)
	}
	fat, err := image.Read(ctx, ref, image.Options{})
	if err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(base, ".images-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	for _, im := range Images {
		img, err := build(fat, im, root)
		if err != nil {
			return "", fmt.Errorf("making fat image %s: %w", im.Tag, err)
		}
		if err := image.Write(ctx, "oci:"+filepath.Join(tmp, "oci")+":"+im.Tag, img, image.Options{}); err != nil {
			return "", err
		}
	}
	os.RemoveAll(final)
	if err := os.Rename(filepath.Join(tmp, "oci"), final); err != nil {
		return "", err
	}
	return final, nil
}

func build(base v1.Image, im Image, root string) (v1.Image, error) {
	img := base
	if im.Entries != nil {
		l, err := layer.Build(im.Entries(root), layer.Options{})
		if err != nil {
			return nil, err
		}
		if img, err = mutate.AppendLayers(img, l); err != nil {
			return nil, err
		}
	}
	if len(im.Files) > 0 {
		l, err := filesLayer(im.Files)
		if err != nil {
			return nil, err
		}
		if img, err = mutate.AppendLayers(img, l); err != nil {
			return nil, err
		}
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.Config.Cmd = im.Cmd
	cf.Config.User = im.User
	cf.Config.Labels = map[string]string{"org.opencontainers.image.title": "fat " + im.Tag}
	if im.Tag == "nginx" || im.Tag == "observe" {
		cf.Config.ExposedPorts = map[string]struct{}{"80/tcp": {}}
		cf.Config.StopSignal = "SIGQUIT"
	}
	return mutate.ConfigFile(img, cf)
}

func filesLayer(files map[string]string) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		data := files[name]
		h := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg, ModTime: time.Unix(0, 0)}
		if strings.HasPrefix(data, "#!") {
			h.Mode = 0o755
		}
		if name[len(name)-1] == '/' {
			h.Typeflag, h.Mode, h.Size = tar.TypeDir, 0o755, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write([]byte(data)); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
}
