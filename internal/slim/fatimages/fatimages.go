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
	goruntime "runtime"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

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
	// Tree names the fixture tree of a corpus image (corpus-TREE under
	// the test cache); the images of Images all come from debian-fat.
	Tree string
	Cmd  []string
	// Files are added as a second layer (path -> content; a path ending
	// in "/" is a directory); Scripts too, as executables.
	Files, Scripts map[string]string
	// Entries, given the fixture tree, are added as a layer written by
	// diet's own layer writer (hard links, extended attributes and
	// modification times included).
	Entries func(root string) []layer.Entry
	// The rest of the config, as a Dockerfile would set it: ExposedPorts
	// and Volumes are lists ("80/tcp", "/var/lib/postgresql/data").
	Entrypoint   []string
	Env          []string
	User         string
	WorkingDir   string
	ExposedPorts []string
	Volumes      []string
	StopSignal   string
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
	{Tag: "nginx", Cmd: []string{"nginx", "-g", "daemon off;"}, ExposedPorts: []string{"80/tcp"}, StopSignal: "SIGQUIT"},
	{Tag: "jq", Cmd: []string{"jq", "--version"}},
	{Tag: "curl", Cmd: []string{"curl", "--version"}},
	{Tag: "python", Cmd: []string{"python3", "/app/main.py"}, Files: map[string]string{"app/": "", "app/main.py": PythonScript}},
	// A start-up script that runs a helper script: only the kernel opens
	// the helper's interpreter (perl), which no traced syscall shows.
	{Tag: "helper", Cmd: []string{"/app/start.sh"}, Files: map[string]string{"app/": ""}, Scripts: map[string]string{
		"app/start.sh": "#!/bin/sh\nset -e\n/app/gen.pl | tr a-z A-Z\n",
		"app/gen.pl":   "#!/usr/bin/perl\nprint \"hello from a perl helper\\n\";\n",
	}},
	// A program with state: it lists its data directory, reads one file
	// and writes another. The files it never opened are its data too.
	{Tag: "state", Cmd: []string{"/app/state.sh"}, Files: stateFiles(), Scripts: map[string]string{
		"app/state.sh": "#!/bin/sh\nset -e\nls /var/lib/app/data | wc -l\ncat /var/lib/app/data/f07\necho ran > /var/lib/app/data/last-run\n",
	}},
	{Tag: "observe", Cmd: []string{"nginx", "-e", "stderr", "-c", "/etc/nginx/observe.conf", "-g", "daemon off;"}, User: "www-data",
		Entries: observeEntries, ExposedPorts: []string{"80/tcp"}, StopSignal: "SIGQUIT"},
}

func stateFiles() map[string]string {
	files := map[string]string{
		"app/":              "",
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

// stamp names the content of a list of images (Images, Corpus), so that a
// cached layout made from another list is made again.
func stamp(images []Image) string {
	h := sha256.New()
	fmt.Fprintf(h, "v%d\n", layoutVersion)
	for _, im := range images {
		hasEntries := im.Entries != nil
		im.Entries = nil
		fmt.Fprintf(h, "%#v %v\n", im, hasEntries) // %v prints maps sorted
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Ensure returns the directory of the OCI layout holding the fat images,
// made from the tree at root under cache on first use; refer to an image
// as "oci:DIR:TAG".
func Ensure(ctx context.Context, root, cache string) (string, error) {
	return EnsureFor(ctx, root, cache, goruntime.GOARCH)
}

// EnsureFor is Ensure for a tree of architecture arch (GOARCH): the
// arm64 Debian tree gives arm64 fat images, in a layout of their own
// (slim-fat-arm64).
func EnsureFor(ctx context.Context, root, cache, arch string) (string, error) {
	base := filepath.Join(cache, "slim-fat")
	if arch != goruntime.GOARCH {
		base += "-" + arch
	}
	// The layout is named by the content of Images: a changed list makes a
	// new one beside the old, which readers of the old keep using.
	final := filepath.Join(base, "images-"+stamp(Images)[:16])
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
	ref, err := testbases.EnsureDebianFor(ctx, root, base, arch)
	if err != nil {
		return "", fmt.Errorf("making the fat base: %w", err)
	}
	bases := func(Image) (string, error) { return ref, nil }
	if err := writeLayout(ctx, base, final, root, Images, bases); err != nil {
		return "", err
	}
	return final, nil
}

// writeLayout writes images, each built on the image that baseOf names,
// into a new layout beside final and renames it into place.
func writeLayout(ctx context.Context, dir, final, root string, images []Image, baseOf func(Image) (string, error)) error {
	tmp, err := os.MkdirTemp(dir, ".images-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	for _, im := range images {
		ref, err := baseOf(im)
		if err != nil {
			return fmt.Errorf("making the base of fat image %s: %w", im.Tag, err)
		}
		fat, err := image.Read(ctx, ref, image.Options{})
		if err != nil {
			return err
		}
		img, err := build(fat, im, root)
		if err != nil {
			return fmt.Errorf("making fat image %s: %w", im.Tag, err)
		}
		if err := image.Write(ctx, "oci:"+filepath.Join(tmp, "oci")+":"+im.Tag, img, image.Options{}); err != nil {
			return err
		}
	}
	os.RemoveAll(final)
	return os.Rename(filepath.Join(tmp, "oci"), final)
}

// build makes one fat image on base; root is the fixture tree the
// Entries of im read from.
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
	if len(im.Files)+len(im.Scripts) > 0 {
		l, err := filesLayer(im.Files, im.Scripts)
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
	c := &cf.Config
	c.Entrypoint, c.Cmd = im.Entrypoint, im.Cmd
	c.Env = setEnv(c.Env, im.Env)
	c.User, c.WorkingDir, c.StopSignal = im.User, im.WorkingDir, im.StopSignal
	c.Labels = map[string]string{"org.opencontainers.image.title": "fat " + im.Tag}
	if len(im.ExposedPorts) > 0 {
		c.ExposedPorts = map[string]struct{}{}
		for _, p := range im.ExposedPorts {
			c.ExposedPorts[p] = struct{}{}
		}
	}
	if len(im.Volumes) > 0 {
		c.Volumes = map[string]struct{}{}
		for _, v := range im.Volumes {
			c.Volumes[v] = struct{}{}
		}
	}
	return mutate.ConfigFile(img, cf)
}

// setEnv returns env with each KEY=VALUE of add set, in place of the
// same key's earlier value, as ENV in a Dockerfile does.
func setEnv(env, add []string) []string {
	out := append([]string{}, env...)
	for _, kv := range add {
		key, _, _ := strings.Cut(kv, "=")
		i := slices.IndexFunc(out, func(e string) bool { return strings.HasPrefix(e, key+"=") })
		if i >= 0 {
			out[i] = kv
		} else {
			out = append(out, kv)
		}
	}
	return out
}

// filesLayer makes a layer of files (mode 0644) and scripts (0755).
func filesLayer(files, scripts map[string]string) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	all := map[string]string{}
	names := make([]string, 0, len(files)+len(scripts))
	for _, m := range []map[string]string{files, scripts} {
		for n, data := range m {
			all[n] = data
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		data := all[name]
		h := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg, ModTime: time.Unix(0, 0)}
		if _, ok := scripts[name]; ok {
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
	// OCI media types throughout, as skopeo and umoci expect in a layout.
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }, tarball.WithMediaType(types.OCILayer))
}
