package image

import (
	"context"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dietimg/diet/internal/progress"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Location
	}{
		{"oci:out/slice:latest", Location{Transport: OCI, Path: "out/slice", Ref: "latest"}},
		{"oci:dir", Location{Transport: OCI, Path: "dir"}},
		{"oci-archive:/tmp/x.tar", Location{Transport: OCIArchive, Path: "/tmp/x.tar"}},
		{"docker-archive:x.tar:slice:diet", Location{Transport: DockerArchive, Path: "x.tar", Ref: "slice:diet"}},
		{"docker-daemon:slice:diet", Location{Transport: DockerDaemon, Ref: "slice:diet"}},
		{"docker://localhost:5000/x:1", Location{Transport: Docker, Ref: "localhost:5000/x:1"}},
		{"localhost:5000/x", Location{Transport: Docker, Ref: "localhost:5000/x", Bare: true}},
		{"alpine", Location{Transport: Docker, Ref: "alpine", Bare: true}},
	} {
		got, err := Parse(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "oci:", "docker://", "docker-daemon:", "containers-storage:x", "Not A Ref!"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q): no error", bad)
		}
	}
}

func testImage(t *testing.T) v1.Image {
	t.Helper()
	img, err := random.Image(1024, 2)
	if err != nil {
		t.Fatal(err)
	}
	img = mutate.MediaType(img, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	return img
}

func platformImage(t *testing.T, arch string) v1.Image {
	t.Helper()
	img := testImage(t)
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", arch
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func sameDigest(t *testing.T, a, b v1.Image) {
	t.Helper()
	if err := validate.Image(b); err != nil {
		t.Fatalf("read-back image is invalid: %v", err)
	}
	da, _ := a.Digest()
	db, err := b.Digest()
	if err != nil || da != db {
		t.Fatalf("digest %s, want %s (%v)", db, da, err)
	}
}

func TestFileTransportsRoundTrip(t *testing.T) {
	ctx := context.Background()
	img := testImage(t)
	dir := t.TempDir()
	for _, dest := range []string{
		"oci:" + filepath.Join(dir, "layout") + ":v1",
		"oci:" + filepath.Join(dir, "untagged"),
		"oci-archive:" + filepath.Join(dir, "img.oci.tar") + ":v1",
		"docker-archive:" + filepath.Join(dir, "img.docker.tar") + ":x/y:z",
		"docker-archive:" + filepath.Join(dir, "untagged.docker.tar"),
	} {
		t.Run(dest, func(t *testing.T) {
			if err := Write(ctx, dest, img, Options{}); err != nil {
				t.Fatal(err)
			}
			got, err := Read(ctx, dest, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(dest, "docker-archive:") {
				// docker-archive keeps layers and config, not the manifest.
				if err := validate.Image(got); err != nil {
					t.Fatal(err)
				}
				cn, _ := img.ConfigName()
				gn, _ := got.ConfigName()
				if cn != gn {
					t.Fatalf("config %s, want %s", gn, cn)
				}
				return
			}
			// Every blob reads back whole and matches its digest (an
			// oci-archive's are read in place from the archive).
			if err := validate.Image(got); err != nil {
				t.Fatal(err)
			}
			sameDigest(t, img, got)
		})
	}
	// No temporary files are left next to the outputs.
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("leftover %s", e.Name())
		}
	}
}

func TestOCILayoutAddsAndReplaces(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "layout")
	a, b, c := testImage(t), testImage(t), testImage(t)
	for _, w := range []struct {
		tag string
		img v1.Image
	}{{"a", a}, {"b", b}, {"a", c}} {
		if err := Write(ctx, "oci:"+dir+":"+w.tag, w.img, Options{}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Read(ctx, "oci:"+dir+":a", Options{})
	if err != nil {
		t.Fatal(err)
	}
	sameDigest(t, c, got)
	got, err = Read(ctx, "oci:"+dir+":b", Options{})
	if err != nil {
		t.Fatal(err)
	}
	sameDigest(t, b, got)
	if _, err := Read(ctx, "oci:"+dir, Options{}); err == nil || !strings.Contains(err.Error(), "name one") {
		t.Errorf("reading an ambiguous layout: %v", err)
	}
	if _, err := Read(ctx, "oci:"+dir+":nope", Options{}); err == nil || !strings.Contains(err.Error(), "tags: a, b") {
		t.Errorf("reading a missing tag: %v", err)
	}
}

func TestIndexRoundTrip(t *testing.T) {
	ctx := context.Background()
	amd, arm := platformImage(t, "amd64"), platformImage(t, "arm64")
	idx := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: amd, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
		mutate.IndexAddendum{Add: arm, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64"}}},
	)
	dir := t.TempDir()
	for _, dest := range []string{"oci:" + filepath.Join(dir, "l") + ":multi", "oci-archive:" + filepath.Join(dir, "l.tar")} {
		if err := WriteIndex(ctx, dest, idx, Options{}); err != nil {
			t.Fatal(err)
		}
		got, err := ReadIndex(ctx, dest, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := validate.Index(got); err != nil {
			t.Fatal(err)
		}
		img, err := Read(ctx, dest, Options{Platform: &v1.Platform{OS: "linux", Architecture: "arm64"}})
		if err != nil {
			t.Fatal(err)
		}
		sameDigest(t, arm, img)
	}
	// A single-image transport takes the asked-for platform.
	da := "docker-archive:" + filepath.Join(dir, "one.tar") + ":one:amd64"
	if err := WriteIndex(ctx, da, idx, Options{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}); err != nil {
		t.Fatal(err)
	}
	got, err := Read(ctx, da, Options{})
	if err != nil {
		t.Fatal(err)
	}
	cn, _ := amd.ConfigName()
	if gn, _ := got.ConfigName(); gn != cn {
		t.Errorf("docker-archive holds %s, want the amd64 image %s", gn, cn)
	}
}

func TestRegistryRoundTripAndAttach(t *testing.T) {
	ctx := context.Background()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	img := testImage(t)
	var out strings.Builder
	dest := "docker://" + host + "/diet/test:v1"
	if err := Write(ctx, dest, img, Options{Insecure: true, Log: progress.To(&out)}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "pushing "+host+"/diet/test:v1: 100%") {
		t.Errorf("progress output: %q", out.String())
	}
	got, err := Read(ctx, host+"/diet/test:v1", Options{Insecure: true})
	if err != nil {
		t.Fatal(err)
	}
	sameDigest(t, img, got)

	d, _ := img.Digest()
	sz, _ := img.Size()
	subject := v1.Descriptor{MediaType: types.OCIManifestSchema1, Digest: d, Size: sz}
	ad, err := Attach(ctx, dest, subject, SPDXMediaType, []byte(`{"spdxVersion":"SPDX-2.3"}`), nil, Options{Insecure: true})
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := name.ParseReference(host+"/diet/test@"+d.String(), name.Insecure)
	refs, err := remote.Referrers(ref.(name.Digest), remote.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	im, _ := refs.IndexManifest()
	if len(im.Manifests) != 1 || im.Manifests[0].Digest != ad || im.Manifests[0].ArtifactType != SPDXMediaType {
		t.Fatalf("referrers = %+v, want the SBOM %s", im.Manifests, ad)
	}
}

func TestWriteErrorsLeaveNothing(t *testing.T) {
	ctx := context.Background()
	img := testImage(t)
	dir := t.TempDir()
	notDir := filepath.Join(dir, "file")
	os.WriteFile(notDir, []byte("x"), 0o644)
	full := filepath.Join(dir, "full")
	os.Mkdir(full, 0o755)
	os.WriteFile(filepath.Join(full, "junk"), []byte("x"), 0o644)
	for _, tc := range []struct{ dest, path string }{
		{"oci-archive:" + filepath.Join(notDir, "x.tar"), filepath.Join(notDir, "x.tar")},
		{"docker-archive:" + filepath.Join(dir, "nodir", "sub", "x.tar"), filepath.Join(dir, "nodir")},
		{"oci:" + full, filepath.Join(full, "index.json")},
		{"docker-archive:" + filepath.Join(dir, "bad.tar") + ":Bad Name", filepath.Join(dir, "bad.tar")},
	} {
		if err := Write(ctx, tc.dest, img, Options{}); err == nil {
			t.Errorf("%s: no error", tc.dest)
		}
		if _, err := os.Stat(tc.path); err == nil {
			t.Errorf("%s: %s exists after a failed write", tc.dest, tc.path)
		}
	}
	// Unreachable registry.
	if err := Write(ctx, "docker://127.0.0.1:1/x:y", img, Options{Insecure: true}); err == nil {
		t.Error("push to a closed port: no error")
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("leftover %s", e.Name())
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"oci:out/slice:latest", "docker://localhost:5000/x:1", "docker-archive:x.tar:a/b:c", "alpine", "docker-daemon:x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		loc, err := Parse(s)
		if err != nil {
			return
		}
		if loc.IsFile() && loc.Path == "" {
			t.Fatalf("%q: file transport without a path", s)
		}
		again, err := Parse(loc.String())
		if err != nil || again != loc {
			t.Fatalf("%q -> %+v -> %q -> %+v, %v", s, loc, loc.String(), again, err)
		}
	})
}
