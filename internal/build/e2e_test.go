package build

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/dietimg/diet/internal/engine"
	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/sysfiles"
	"github.com/dietimg/diet/internal/testenv"
	"github.com/dietimg/diet/internal/why"
)

func run(t *testing.T, stdin string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func dockerRmi(t *testing.T, ref string) {
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", ref).Run() })
}

func uniqueTag(prefix string) string {
	return fmt.Sprintf("diet-e2e-%s:%d", prefix, time.Now().UnixNano())
}

// TestE2EDockerLoadAndRun is the first demonstration: a Go program
// built to a docker-archive, loaded and run by Docker with no network.
func TestE2EDockerLoadAndRun(t *testing.T) {
	testenv.LookPath(t, "go")
	testenv.Docker(t)
	src := "./testdata/hello"
	want := "hello 1:3 (4 lines)\n"
	if _, err := os.Stat("../../cmd/slice/main.go"); err == nil {
		src, want = "../../cmd/slice", "b\nc\n"
	}
	tag := uniqueTag("slice")
	dockerRmi(t, tag)
	out := filepath.Join(t.TempDir(), "slice.tar")
	res, err := buildTo(context.Background(), Options{Source: src}, "docker-archive:"+out, tag)
	if err != nil {
		t.Fatal(err)
	}
	run(t, "", "docker", "load", "-i", out)
	got := run(t, "a\nb\nc\nd\n", "docker", "run", "--rm", "-i", "--network", "none", tag, "1:3")
	if got != want {
		t.Fatalf("docker run printed %q, want %q", got, want)
	}
	size := strings.TrimSpace(run(t, "", "docker", "image", "inspect", "--format", "{{.Size}}", tag))
	t.Logf("%s: %s bytes as docker counts them (%d files)", tag, size, len(res.Images[0].Files))
	if want := strconv.FormatInt(res.Size.Uncompressed, 10); size != want {
		t.Errorf("docker image inspect says %s bytes, diet build says %s", size, want)
	}
}

func TestE2EDockerDaemon(t *testing.T) {
	testenv.LookPath(t, "go")
	testenv.Docker(t)
	tag := uniqueTag("daemon")
	dockerRmi(t, tag)
	_, err := buildTo(context.Background(), Options{Source: "./testdata/hello",
		Smoke: []Smoke{{Args: []string{"x"}, Stdin: []byte("1\n2\n"), ExpectStdout: ptr("hello x (2 lines)")}}}, "docker-daemon:"+tag, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := run(t, "", "docker", "run", "--rm", "--network", "none", tag, "y"); got != "hello y (0 lines)\n" {
		t.Fatalf("docker run printed %q", got)
	}
	run(t, "", "skopeo", "inspect", "docker-daemon:"+tag)
	copied := "oci:" + filepath.Join(t.TempDir(), "copy") + ":v1"
	run(t, "", "skopeo", "copy", "docker-daemon:"+tag, copied)
	img, err := image.Read(context.Background(), copied, image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Image(img); err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }

// TestE2ESkopeo has an independent reader (skopeo) inspect and copy every
// file transport, and the image pushed to a real registry server.
func TestE2ESkopeo(t *testing.T) {
	testenv.LookPath(t, "go", "skopeo")
	ctx := context.Background()
	dir := t.TempDir()
	for _, dest := range []string{
		"oci:" + filepath.Join(dir, "layout") + ":v1",
		"oci-archive:" + filepath.Join(dir, "img.oci.tar"),
		"docker-archive:" + filepath.Join(dir, "img.docker.tar"),
	} {
		res, err := buildTo(ctx, Options{Source: "./testdata/hello"}, dest, "diet-e2e/hello:v1")
		if err != nil {
			t.Fatal(err)
		}
		out := run(t, "", "skopeo", "inspect", dest)
		if !strings.Contains(out, `"Architecture": "amd64"`) && !strings.Contains(out, `"Architecture": "arm64"`) {
			t.Errorf("skopeo inspect %s: %s", dest, out)
		}
		if !strings.HasPrefix(dest, "docker-archive:") && !strings.Contains(out, res.Digest.String()) {
			t.Errorf("skopeo inspect %s does not show %s:\n%s", dest, res.Digest, out)
		}
		copied := "oci:" + filepath.Join(dir, "copies") + ":" + strings.SplitN(dest, ":", 2)[0]
		run(t, "", "skopeo", "copy", dest, copied)
		img, err := image.Read(ctx, copied, image.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := validate.Image(img); err != nil {
			t.Fatalf("copy of %s: %v", dest, err)
		}
	}
	// A real registry server.
	testenv.LookPath(t, "docker-registry")
	host := testenv.Registry(t)
	ref := host + "/diet/hello:v1"
	res, err := buildTo(ctx, Options{Source: "./testdata/hello", Insecure: true}, "docker://"+ref, "")
	if err != nil {
		t.Fatal(err)
	}
	out := run(t, "", "skopeo", "inspect", "--tls-verify=false", "docker://"+ref)
	if !strings.Contains(out, res.Digest.String()) {
		t.Errorf("skopeo inspect of the pushed image:\n%s", out)
	}
	run(t, "", "skopeo", "copy", "--src-tls-verify=false", "docker://"+ref, "oci:"+filepath.Join(dir, "pulled")+":v1")
	pulled, err := image.Read(ctx, ref, image.Options{Insecure: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Image(pulled); err != nil {
		t.Fatal(err)
	}
	// The SBOM is found through the referrers fallback tag.
	tagOut := run(t, "", "skopeo", "list-tags", "--tls-verify=false", "docker://"+host+"/diet/hello")
	if !strings.Contains(tagOut, "sha256-"+res.Digest.Hex) {
		t.Errorf("no referrers tag for the SBOM: %s", tagOut)
	}
	// The pull by Docker is part of the test wherever an engine answers,
	// and always in CI.
	if testenv.HasDocker() == nil || testenv.Required() {
		defer exec.Command("docker", "rmi", "-f", ref).Run()
		run(t, "", "docker", "pull", ref)
		if got := run(t, "", "docker", "run", "--rm", "--network", "none", ref, "pulled"); got != "hello pulled (0 lines)\n" {
			t.Errorf("pulled image printed %q", got)
		}
	}
}

// TestE2EDebianPrograms builds curl and jq from Debian with nothing but
// their closure and runs them in Docker and in runc.
func TestE2EDebianPrograms(t *testing.T) {
	fat := testenv.DebianFatRoot(t)
	testenv.Docker(t)
	testenv.Runc(t)
	off := sysfiles.Options{Certs: sysfiles.Off, Tzdata: sysfiles.Off, Passwd: sysfiles.Off, Nsswitch: sysfiles.Off}
	for _, tc := range []struct {
		prog, args, want string
	}{
		{"/usr/bin/curl", "--version", "curl 7"},
		{"/usr/bin/jq", "--version", "jq-1"},
	} {
		for _, rt := range []string{"docker", "runc"} {
			res, err := Build(context.Background(), Options{Source: tc.prog, Root: fat, Sysfiles: off, Engine: newEngine(t, rt),
				Smoke: []Smoke{{Args: []string{tc.args}}}})
			if err != nil {
				t.Fatalf("%s in %s: %v", tc.prog, rt, err)
			}
			sm := res.Images[0].Smoke[0]
			if sm.Runtime != rt || !strings.HasPrefix(sm.Stdout, tc.want) {
				t.Errorf("%s in %s printed %q", tc.prog, sm.Runtime, sm.Stdout)
			}
			for _, f := range res.Images[0].Files {
				r := f.Reason.String()
				if r != "program" && !strings.HasPrefix(r, "needed by") && !strings.HasPrefix(r, "loader of") && !strings.HasPrefix(r, "link to") {
					t.Errorf("%s: %s is not part of the closure: %s", tc.prog, f.Path, r)
				}
			}
		}
	}
}

// TestE2EMusl runs a musl-dynamic C program, and a cgo program built
// statically against musl, from empty bases.
func TestE2EMusl(t *testing.T) {
	cc := testenv.LookPath(t, "musl-gcc")[0]
	testenv.LookPath(t, "go")
	testenv.Docker(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "m.c")
	os.WriteFile(src, []byte("#include <stdio.h>\nint main(int c, char **v) { printf(\"musl %d\\n\", c); return c - 1; }\n"), 0o644)
	bin := filepath.Join(dir, "m")
	run(t, "", cc, "-O2", "-o", bin, src)
	res, err := Build(context.Background(), Options{Source: bin, Engine: newEngine(t, engine.Docker),
		Smoke: []Smoke{{Args: nil, ExpectStdout: ptr("musl 1")}, {Args: []string{"a", "b"}, ExpectExit: 2, ExpectStdout: ptr("musl 3")}}})
	if err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		if _, err := exec.LookPath("runc"); err == nil {
			r, err := Build(context.Background(), Options{Source: bin, Engine: newEngine(t, engine.Runc), Smoke: []Smoke{{Args: []string{"x"}, ExpectExit: 1, ExpectStdout: ptr("musl 2")}}})
			if err != nil {
				t.Fatal(err)
			}
			if rt := r.Images[0].Smoke[0].Runtime; rt != "runc" {
				t.Errorf("ran in %s, want runc", rt)
			}
		}
	}
	var loader bool
	for _, f := range res.Images[0].Files {
		loader = loader || f.Reason.Kind == why.Loader
	}
	if !loader || len(res.Images[0].Smoke) != 2 {
		t.Errorf("musl program: loader %v, smoke %+v", loader, res.Images[0].Smoke)
	}
	// cgo, static against musl: the program alone.
	res, err = Build(context.Background(), Options{Source: "./testdata/cgo", Cgo: "musl", Engine: newEngine(t, engine.Docker),
		Smoke: []Smoke{{Args: []string{"40"}, ExpectStdout: ptr("cgo 42")}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := regularFiles(res.Images[0].Files); len(got) != 1 {
		t.Errorf("cgo program files %v, want the static program alone", got)
	}
}

// TestE2ESmokeFailureWritesNothing checks that a failing smoke run leaves
// no output.
func TestE2ESmokeFailureWritesNothing(t *testing.T) {
	testenv.LookPath(t, "go")
	testenv.Docker(t)
	out := filepath.Join(t.TempDir(), "img.tar")
	_, err := buildTo(context.Background(), Options{Source: "./testdata/hello",
		Smoke: []Smoke{{Args: []string{"a"}, ExpectStdout: ptr("something else")}}}, "oci-archive:"+out, "")
	if !errors.Is(err, ErrSmoke) {
		t.Fatalf("error %v, want a smoke failure", err)
	}
	_, err = buildTo(context.Background(), Options{Source: "./testdata/hello",
		Smoke: []Smoke{{Args: []string{"a"}, ExpectExit: 3}}}, "oci-archive:"+out, "")
	if !errors.Is(err, ErrSmoke) || !strings.Contains(err.Error(), "exited with 0, want 3") {
		t.Fatalf("error %v, want a smoke failure on the exit status", err)
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("output written after a failed smoke run")
	}
	if _, err := os.Stat(out + ".sbom.spdx.json"); err == nil {
		t.Fatal("SBOM written after a failed smoke run")
	}
}

// newEngine is the engine of the runtime named rt, or the test is
// skipped, saying why it cannot be used.
func newEngine(t *testing.T, rt string) engine.Engine {
	t.Helper()
	e, err := engine.New(context.Background(), rt)
	if err != nil {
		testenv.Missing(t, "%v", err)
	}
	return e
}
