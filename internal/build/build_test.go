package build

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/dietimg/diet/internal/artifact"
	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/publish"
	"github.com/dietimg/diet/internal/sysfiles"
	"github.com/dietimg/diet/internal/testenv"
)

// contents lists the paths of an image's flattened file system, with "->
// target" for symlinks.
func contents(t *testing.T, img v1.Image) map[string]*tar.Header {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	out := map[string]*tar.Header{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out["/"+strings.TrimSuffix(h.Name, "/")] = h
	}
}

// checkSizes checks got against testenv.ImageSizes, which measures the
// image independently of artifact.Sizes. It returns how many symlinks the
// image holds.
func checkSizes(t *testing.T, img v1.Image, got artifact.Size) (symlinks int) {
	t.Helper()
	var want artifact.Size
	want.Uncompressed, want.Compressed, symlinks = testenv.ImageSizes(t, img)
	if got.Uncompressed != want.Uncompressed || got.Compressed != want.Compressed {
		t.Errorf("sizes %+v, want uncompressed %d (files and symlink targets) and compressed %d (layer blobs)", got, want.Uncompressed, want.Compressed)
	}
	return symlinks
}

func regularFiles(files []artifact.File) []string {
	var out []string
	for _, f := range files {
		if f.Type == "file" {
			out = append(out, f.Path)
		}
	}
	return out
}

func TestBuildGo(t *testing.T) {
	testenv.LookPath(t, "go")
	ctx := context.Background()
	res, err := Build(ctx, Options{Source: "./testdata/hello", Epoch: time.Unix(1700000000, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Image(res.Image); err != nil {
		t.Fatal(err)
	}
	if got := regularFiles(res.Images[0].Files); len(got) != 1 || got[0] != "/usr/local/bin/hello" {
		t.Fatalf("files = %v, want only the program", got)
	}
	if res.Kind != "go" || res.Name != "hello" {
		t.Errorf("kind %q name %q", res.Kind, res.Name)
	}
	cf, _ := res.Image.ConfigFile()
	if ep := cf.Config.Entrypoint; len(ep) != 1 || ep[0] != "/usr/local/bin/hello" {
		t.Errorf("entrypoint %v", ep)
	}
	if !cf.Created.Time.Equal(time.Unix(1700000000, 0)) || cf.Architecture == "" || cf.OS != "linux" {
		t.Errorf("config %+v", cf)
	}
	m, _ := res.Image.Manifest()
	if m.Annotations["org.opencontainers.image.created"] != "2023-11-14T22:13:20Z" || m.Annotations["org.opencontainers.image.title"] != "hello" {
		t.Errorf("annotations %v", m.Annotations)
	}
	h := contents(t, res.Image)["/usr/local/bin/hello"]
	if h == nil || h.Mode != 0o755 || !h.ModTime.Equal(time.Unix(1700000000, 0)) || h.Uid != 0 {
		t.Errorf("program entry %+v", h)
	}
	if res.Size.Compressed <= 0 || res.Size.Files != h.Size {
		t.Errorf("sizes %+v", res.Size)
	}
	checkSizes(t, res.Image, res.Size)
}

func TestBuildGoSystemFiles(t *testing.T) {
	testenv.LookPath(t, "go")
	if _, err := os.Stat("/etc/ssl/certs/ca-certificates.crt"); err != nil {
		testenv.Missing(t, "no CA certificates on this machine (apt-get install ca-certificates)")
	}
	ctx := context.Background()
	res, err := Build(ctx, Options{
		Source:      "./testdata/tls",
		Sysfiles:    sysfiles.Options{User: "nonroot", Tmp: sysfiles.On},
		User:        "nonroot",
		Env:         []string{"A=1"},
		Labels:      map[string]string{"l": "v"},
		Ports:       []string{"8080", "53/udp"},
		Annotations: map[string]string{"org.opencontainers.image.source": "https://example.com/x"},
		Workdir:     "/work",
		Cmd:         []string{"--flag"},
	})
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]string{}
	for _, f := range res.Images[0].Files {
		reasons[f.Path] = f.Reason.String()
	}
	if r := reasons["/etc/ssl/certs/ca-certificates.crt"]; !strings.Contains(r, "crypto/x509") {
		t.Errorf("certificates reason %q, want the crypto/x509 evidence", r)
	}
	if reasons["/etc/passwd"] == "" || reasons["/etc/group"] == "" || reasons["/tmp"] != "--tmp" {
		t.Errorf("reasons %v", reasons)
	}
	if _, ok := reasons["/usr/share/zoneinfo/UTC"]; ok {
		t.Error("time zone data without evidence")
	}
	c := contents(t, res.Image)
	if h := c["/tmp"]; h == nil || h.Mode != 0o1777 {
		t.Errorf("/tmp %+v", h)
	}
	cf, _ := res.Image.ConfigFile()
	env := strings.Join(cf.Config.Env, " ")
	if !strings.Contains(env, "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt") || !strings.Contains(env, "A=1") || !strings.Contains(env, "PATH=") {
		t.Errorf("env %v", cf.Config.Env)
	}
	if cf.Config.User != "65532:65532" || cf.Config.WorkingDir != "/work" || cf.Config.Labels["l"] != "v" ||
		len(cf.Config.ExposedPorts) != 2 || cf.Config.Cmd[0] != "--flag" {
		t.Errorf("config %+v", cf.Config)
	}
	if _, ok := cf.Config.ExposedPorts["53/udp"]; !ok {
		t.Errorf("ports %v", cf.Config.ExposedPorts)
	}
	m, _ := res.Image.Manifest()
	if m.Annotations["org.opencontainers.image.source"] != "https://example.com/x" {
		t.Errorf("annotations %v", m.Annotations)
	}
	// Forcing certificates off wins over the evidence.
	res, err = Build(ctx, Options{Source: "./testdata/tls", Sysfiles: sysfiles.Options{Certs: sysfiles.Off}})
	if err != nil {
		t.Fatal(err)
	}
	if got := regularFiles(res.Images[0].Files); len(got) != 1 {
		t.Errorf("--no-certs: files %v", got)
	}
}

// TestReproducible builds the same program from two directories, a
// second apart, and wants the same digest.
func TestReproducible(t *testing.T) {
	testenv.LookPath(t, "go")
	src, err := os.ReadFile("testdata/hello/main.go")
	if err != nil {
		t.Fatal(err)
	}
	var digests []v1.Hash
	for i := range 2 {
		dir := filepath.Join(t.TempDir(), "w", "hello")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/hello\n\ngo 1.22\n"), 0o644)
		os.WriteFile(filepath.Join(dir, "main.go"), src, 0o644)
		out := filepath.Join(t.TempDir(), "img.tar")
		res, err := buildTo(context.Background(), Options{Source: ".", GoDir: dir}, "oci-archive:"+out, "")
		if err != nil {
			t.Fatal(err)
		}
		digests = append(digests, res.Digest)
		t.Logf("build %d: %s", i, res.Digest)
		got, err := image.Read(context.Background(), "oci-archive:"+out, image.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if d, _ := got.Digest(); d != res.Digest {
			t.Fatalf("written %s, built %s", d, res.Digest)
		}
		if i == 0 {
			time.Sleep(1100 * time.Millisecond)
		}
	}
	if digests[0] != digests[1] {
		t.Fatalf("two builds differ: %s %s", digests[0], digests[1])
	}
}

func TestMultiPlatform(t *testing.T) {
	testenv.LookPath(t, "go")
	dir := t.TempDir()
	dest := "oci:" + filepath.Join(dir, "multi") + ":v1"
	res, err := buildTo(context.Background(), Options{Source: "./testdata/hello", Platforms: []v1.Platform{{OS: "linux", Architecture: "amd64"}, {OS: "linux", Architecture: "arm64"}}}, dest, "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Index == nil || len(res.Images) != 2 {
		t.Fatalf("no index: %+v", res)
	}
	if err := validate.Index(res.Index); err != nil {
		t.Fatal(err)
	}
	idx, err := image.ReadIndex(context.Background(), dest, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	im, _ := idx.IndexManifest()
	if len(im.Manifests) != 2 || im.Manifests[1].Platform.Architecture != "arm64" {
		t.Fatalf("index %+v", im.Manifests)
	}
	arm, err := image.Read(context.Background(), dest, image.Options{Platform: &v1.Platform{OS: "linux", Architecture: "arm64"}})
	if err != nil {
		t.Fatal(err)
	}
	cf, _ := arm.ConfigFile()
	if cf.Architecture != "arm64" {
		t.Errorf("arm64 image config says %s", cf.Architecture)
	}
	if _, err := os.Stat(filepath.Join(dir, "multi", "v1.sbom.spdx.json")); err != nil {
		t.Error(err)
	}
}

func TestOutputsAndSBOM(t *testing.T) {
	testenv.LookPath(t, "go")
	ctx := context.Background()
	dir := t.TempDir()
	var first v1.Hash
	for _, dest := range []string{
		"oci:" + filepath.Join(dir, "layout") + ":v1",
		"oci-archive:" + filepath.Join(dir, "img.oci.tar"),
		"docker-archive:" + filepath.Join(dir, "img.docker.tar"),
	} {
		res, err := buildTo(ctx, Options{Source: "./testdata/hello"}, dest, "")
		if err != nil {
			t.Fatal(err)
		}
		if first == (v1.Hash{}) {
			first = res.Digest
		} else if res.Digest != first {
			t.Errorf("%s: digest %s differs from %s", dest, res.Digest, first)
		}
		img, err := image.Read(ctx, dest, image.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := validate.Image(img); err != nil {
			t.Fatalf("%s: %v", dest, err)
		}
		sb, err := os.ReadFile(res.SBOMPath)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			SPDXVersion string
			Files       []struct{ FileName, Comment string }
		}
		if err := json.Unmarshal(sb, &doc); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(sb), `"referenceLocator": "pkg:golang/stdlib@`) {
			t.Errorf("%s: SBOM without the Go standard library", dest)
		}
		if doc.SPDXVersion != "SPDX-2.3" || len(doc.Files) != 1 || doc.Files[0].FileName != "./usr/local/bin/hello" || doc.Files[0].Comment != "program" {
			t.Errorf("%s: SBOM %+v", dest, doc)
		}
		rb, err := os.ReadFile(res.ReportPath)
		if err != nil {
			t.Fatal(err)
		}
		var rep Result
		if err := json.Unmarshal(rb, &rep); err != nil || rep.Digest != res.Digest || len(rep.Images[0].Files) != 1 {
			t.Errorf("%s: report %s (%v)", dest, rb, err)
		}
	}
}

func TestPushAttachesSBOM(t *testing.T) {
	testenv.LookPath(t, "go")
	ctx := context.Background()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	res, err := buildTo(ctx, Options{Source: "./testdata/hello", Insecure: true}, "docker://"+host+"/diet/hello:v1", "")
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := name.NewDigest(host+"/diet/hello@"+res.Digest.String(), name.Insecure)
	img, err := remote.Image(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Image(img); err != nil {
		t.Fatal(err)
	}
	refs, err := remote.Referrers(ref)
	if err != nil {
		t.Fatal(err)
	}
	im, _ := refs.IndexManifest()
	if len(im.Manifests) != 1 || im.Manifests[0].ArtifactType != image.SPDXMediaType || im.Manifests[0].Digest.String() != res.SBOMDigest {
		t.Fatalf("referrers %+v, want the SBOM %s", im.Manifests, res.SBOMDigest)
	}
	// An index: pushed whole, the SBOM attached to it.
	res, err = buildTo(ctx, Options{Source: "./testdata/hello", Platforms: []v1.Platform{{OS: "linux", Architecture: "amd64"}, {OS: "linux", Architecture: "arm64"}}, Insecure: true}, "docker://"+host+"/diet/multi:v1", "")
	if err != nil {
		t.Fatal(err)
	}
	iref, _ := name.NewDigest(host+"/diet/multi@"+res.Digest.String(), name.Insecure)
	idx, err := remote.Index(iref)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Index(idx); err != nil {
		t.Fatal(err)
	}
	refs, err = remote.Referrers(iref)
	if err != nil {
		t.Fatal(err)
	}
	if im, _ := refs.IndexManifest(); len(im.Manifests) != 1 || im.Manifests[0].Digest.String() != res.SBOMDigest {
		t.Fatalf("index referrers %+v", im.Manifests)
	}
}

func TestBaseImage(t *testing.T) {
	testenv.LookPath(t, "go")
	ctx := context.Background()
	dir := t.TempDir()
	base := "oci:" + filepath.Join(dir, "base")
	first, err := buildTo(ctx, Options{Source: "./testdata/tls", Sysfiles: sysfiles.Options{Certs: sysfiles.On}, Path: "/usr/bin/tls"}, base, "")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Build(ctx, Options{Source: "./testdata/tls", Base: base})
	if err != nil {
		t.Fatal(err)
	}
	// The certificates come from the base: only the program is added.
	if got := regularFiles(res.Images[0].Files); len(got) != 1 || got[0] != "/usr/local/bin/tls" {
		t.Errorf("files on the base %v", got)
	}
	layers, _ := res.Image.Layers()
	if len(layers) != 2 {
		t.Errorf("%d layers, want the base's and ours", len(layers))
	}
	m, _ := res.Image.Manifest()
	if m.Annotations["org.opencontainers.image.base.digest"] != first.Digest.String() {
		t.Errorf("annotations %v", m.Annotations)
	}
	c := contents(t, res.Image)
	if c["/etc/ssl/certs/ca-certificates.crt"] == nil || c["/usr/bin/tls"] == nil || c["/usr/local/bin/tls"] == nil {
		t.Errorf("flattened image lacks files: %v", c)
	}
}

func TestBadInputs(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	notExec := filepath.Join(dir, "notexec")
	os.WriteFile(notExec, []byte("#!/bin/sh\necho hi\n"), 0o644)
	text := filepath.Join(dir, "text")
	os.WriteFile(text, []byte("just text\n"), 0o755)
	refuse := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"errors":[{"code":"DENIED","message":"no pushing here"}]}`, http.StatusForbidden)
	}))
	defer refuse.Close()
	refuseHost := strings.TrimPrefix(refuse.URL, "http://")
	out := filepath.Join(dir, "out.tar")
	for _, tc := range []struct {
		name string
		opts Options
		dest string
		want string
	}{
		{"missing", Options{Source: filepath.Join(dir, "nope")}, "oci-archive:" + out, "no such file"},
		{"not executable", Options{Source: notExec}, "oci-archive:" + out, "not executable"},
		{"directory", Options{Source: dir}, "oci-archive:" + out, "is a directory"},
		{"not a program", Options{Source: text}, "oci-archive:" + out, "neither an ELF executable nor a #! script"},
		{"script without interpreter", Options{Source: writeScript(t, dir, "#!/nonexistent/interp\n"), Root: dir}, "oci-archive:" + out, "unresolved"},
		{"bad output", Options{Source: "./testdata/hello"}, "containers-storage:x", "not supported"},
		{"bad add", Options{Source: "./testdata/hello", Add: []string{"nope"}}, "oci-archive:" + out, "SRC:DST"},
		{"unwritable output", Options{Source: "./testdata/hello"}, "oci-archive:" + filepath.Join(dir, "text", "x.tar"), "not a directory"},
		{"unreachable registry", Options{Source: "./testdata/hello", Insecure: true}, "docker://127.0.0.1:1/x:y", "connect"},
		{"refusing registry", Options{Source: "./testdata/hello", Insecure: true}, "docker://" + refuseHost + "/x:y", "DENIED"},
		{"s390x platform for an amd64 program", Options{Source: os.Args[0], Platforms: []v1.Platform{{OS: "linux", Architecture: "s390x"}}}, "oci-archive:" + out, "wrong platform"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if strings.Contains(tc.opts.Source, "testdata") {
				testenv.LookPath(t, "go")
			}
			_, err := buildTo(ctx, tc.opts, tc.dest, "")
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not say %q", err, tc.want)
			}
		})
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("output written after a failure")
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("leftover %s", e.Name())
		}
	}
}

func writeScript(t *testing.T, dir, content string) string {
	t.Helper()
	p := filepath.Join(dir, "script")
	if err := os.WriteFile(p, []byte(content), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMissingLibrary(t *testing.T) {
	fat := testenv.DebianFatRoot(t)
	// A root with jq and its loader but not libjq.
	root := t.TempDir()
	for _, p := range []string{"usr/bin/jq", "usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", "usr/lib/x86_64-linux-gnu/libc.so.6", "usr/lib/x86_64-linux-gnu/libm.so.6"} {
		b, err := os.ReadFile(filepath.Join(fat, p))
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Dir(filepath.Join(root, p)), 0o755)
		os.WriteFile(filepath.Join(root, p), b, 0o755)
	}
	os.Symlink("usr/lib", filepath.Join(root, "lib"))
	os.MkdirAll(filepath.Join(root, "usr/lib64"), 0o755)
	os.Symlink("../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", filepath.Join(root, "usr/lib64/ld-linux-x86-64.so.2"))
	os.Symlink("usr/lib64", filepath.Join(root, "lib64"))
	_, err := Build(context.Background(), Options{Source: "/usr/bin/jq", Root: root})
	if !errors.Is(err, ErrMissing) || !strings.Contains(err.Error(), "libjq.so.1") || !strings.Contains(err.Error(), "--allow-missing") {
		t.Fatalf("error %v, want libjq.so.1 named", err)
	}
	res, err := Build(context.Background(), Options{Source: "/usr/bin/jq", Root: root, AllowMissing: true})
	if err != nil {
		t.Fatal(err)
	}
	if c := contents(t, res.Image); c["/usr/local/bin/jq"] == nil || c["/usr/lib/x86_64-linux-gnu/libc.so.6"] == nil {
		t.Errorf("image without the program or libc: %v", c)
	}
}

func TestDebianELFAndScript(t *testing.T) {
	fat := testenv.DebianFatRoot(t)
	ctx := context.Background()
	res, err := Build(ctx, Options{Source: "/usr/bin/jq", Root: fat, Sysfiles: sysfiles.Options{Tzdata: sysfiles.Off}})
	if err != nil {
		t.Fatal(err)
	}
	pkgs := map[string]string{}
	for _, f := range res.Images[0].Files {
		pkgs[f.Path] = f.Package
	}
	if pkgs["/usr/local/bin/jq"] != "jq" || pkgs["/usr/lib/x86_64-linux-gnu/libc.so.6"] != "libc6" {
		t.Errorf("packages %v", pkgs)
	}
	if res.Kind != "elf" {
		t.Errorf("kind %s", res.Kind)
	}
	if n := checkSizes(t, res.Image, res.Size); n == 0 {
		t.Error("no symlink in the jq image: the sizes' symlink rule goes untested")
	}
	sb, err := makeSBOM(res, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(sb), "pkg:deb/debian/libjq1@") {
		t.Error("SBOM without the Debian packages")
	}
	// A script: its interpreter and the interpreter's closure go in.
	script := writeScript(t, t.TempDir(), "#!/bin/sh\necho hi\n")
	res, err = Build(ctx, Options{Source: script, Root: fat})
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]string{}
	for _, f := range res.Images[0].Files {
		reasons[f.Path] = f.Reason.String()
	}
	if res.Kind != "script" || reasons["/usr/local/bin/script"] != "program" ||
		!strings.HasPrefix(reasons["/usr/bin/dash"], "interpreter of") || reasons["/usr/lib/x86_64-linux-gnu/libc.so.6"] == "" {
		t.Errorf("script files %v", reasons)
	}
}

// TestELFInBaseImage resolves a program's closure inside a base image:
// the libraries are there already, so only the program is added.
func TestELFInBaseImage(t *testing.T) {
	fat := testenv.DebianFatRoot(t)
	ctx := context.Background()
	base := "oci:" + filepath.Join(t.TempDir(), "base")
	off := sysfiles.Options{Certs: sysfiles.Off, Tzdata: sysfiles.Off, Passwd: sysfiles.Off, Nsswitch: sysfiles.Off}
	if _, err := buildTo(ctx, Options{Source: "/usr/bin/jq", Root: fat, Sysfiles: off}, base, ""); err != nil {
		t.Fatal(err)
	}
	res, err := Build(ctx, Options{Source: "/usr/local/bin/jq", Base: base, Path: "/usr/bin/jq2", Sysfiles: off})
	if err != nil {
		t.Fatal(err)
	}
	if got := regularFiles(res.Images[0].Files); len(got) != 1 || got[0] != "/usr/bin/jq2" {
		t.Errorf("files added on the base: %v", got)
	}
	// With --root and --base, the libraries the base lacks come from the
	// root; those it has are not added again.
	res, err = Build(ctx, Options{Source: "/usr/bin/curl", Root: fat, Base: base, Sysfiles: off})
	if err != nil {
		t.Fatalf("curl from --root on a base: %v", err)
	}
	files := strings.Join(regularFiles(res.Images[0].Files), " ")
	if !strings.Contains(files, "libcurl.so") || strings.Contains(files, "/libc.so.6") {
		t.Errorf("curl on the jq base added %s", files)
	}
}

// written is what buildTo made and where it went.
type written struct {
	*Result
	publish.Published
}

// buildTo is what diet build does: Build, then publish.Write to dest
// (tagged tag), with the result as the report.
func buildTo(ctx context.Context, opts Options, dest, tag string) (*written, error) {
	res, err := Build(ctx, opts)
	if err != nil {
		return nil, err
	}
	w := &written{Result: res}
	po := publish.Options{Image: image.Options{Tag: tag, Insecure: opts.Insecure}}
	w.Published, err = publish.Write(ctx, dest, res.Artifact, res, po)
	return w, err
}
