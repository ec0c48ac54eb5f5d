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
	"fmt"
	"io"
	"os"
	"path/filepath"
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

// Images are the images of the layout, by tag.
var Images = []Image{
	{Tag: "nginx", Cmd: []string{"nginx", "-g", "daemon off;"}, ExposedPorts: []string{"80/tcp"}, StopSignal: "SIGQUIT"},
	{Tag: "jq", Cmd: []string{"jq", "--version"}},
	{Tag: "curl", Cmd: []string{"curl", "--version"}},
	{Tag: "python", Cmd: []string{"python3", "/app/main.py"}, Files: map[string]string{"app/": "", "app/main.py": PythonScript}},
}

// Ensure returns the directory of the OCI layout holding the fat images,
// made from the tree at root under cache on first use; refer to an image
// as "oci:DIR:TAG".
func Ensure(ctx context.Context, root, cache string) (string, error) {
	base := filepath.Join(cache, "slim-fat")
	final := filepath.Join(base, "images")
	if _, err := os.Stat(filepath.Join(final, "index.json")); err == nil {
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
	if _, err := os.Stat(filepath.Join(final, "index.json")); err == nil {
		return final, nil // made while we waited
	}
	ref, err := testbases.EnsureDebian(ctx, root, base)
	if err != nil {
		return "", fmt.Errorf("making the fat base: %w", err)
	}
	bases := func(Image) (string, error) { return ref, nil }
	if err := writeLayout(ctx, base, final, Images, bases); err != nil {
		return "", err
	}
	return final, nil
}

// writeLayout writes images, each built on the image that baseOf names,
// into a new layout beside final and renames it into place.
func writeLayout(ctx context.Context, dir, final string, images []Image, baseOf func(Image) (string, error)) error {
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
		img, err := build(fat, im)
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

func build(base v1.Image, im Image) (v1.Image, error) {
	img := base
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
