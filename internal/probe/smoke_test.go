package probe

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/dietimg/diet/internal/engine"
	"github.com/dietimg/diet/internal/gobuild"
	"github.com/dietimg/diet/internal/testenv"
)

func TestSmokeCheckMessages(t *testing.T) {
	str := func(s string) *string { return &s }
	long := strings.Repeat("x", 300)
	tests := []struct {
		name string
		s    SmokeSpec
		r    *engine.Result
		err  error
		on   string
		want string // "" for no error
	}{
		{"ok", SmokeSpec{Args: []string{"a"}, ExpectStdout: str("hi\n")}, &engine.Result{Stdout: []byte("hi")}, nil, "", ""},
		{"not run", SmokeSpec{Args: []string{"a b", "c"}}, nil, errors.New("no runtime"), "", "running 'a b' c: no runtime"},
		{"image's command", SmokeSpec{}, nil, errors.New("no runtime"), "linux/arm64", "running (the image's command) on linux/arm64: no runtime"},
		{"timeout", SmokeSpec{Args: []string{"x"}}, &engine.Result{Stderr: []byte("slow\n")}, engine.ErrTimeout, "", "x: " + engine.ErrTimeout.Error() + "\nstderr:\nslow"},
		{"exit", SmokeSpec{Args: []string{"x"}, ExpectExit: 3}, &engine.Result{Runtime: "runc", Stderr: []byte("  oops\n")}, nil, "", "x exited with 0, want 3 (runc)\nstderr:\noops"},
		{"exit no stderr", SmokeSpec{Args: []string{"it's"}}, &engine.Result{Runtime: "docker", ExitCode: 1}, nil, "", `'it'\''s' exited with 1, want 0 (docker)`},
		{"long stderr", SmokeSpec{Args: []string{"x"}}, &engine.Result{Runtime: "runc", ExitCode: 1, Stderr: []byte("start" + strings.Repeat("e", 700))}, nil, "",
			"x exited with 1, want 0 (runc)\nstderr:\n..." + strings.Repeat("e", 600)},
		{"stdout", SmokeSpec{Args: []string{"x"}, ExpectStdout: str("b")}, &engine.Result{Stdout: []byte(long)}, nil, "", `x printed "` + long[:200] + `...", want "b"`},
	}
	for _, tc := range tests {
		err := SmokeCheck(tc.s, tc.r, tc.err, tc.on)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
		if tc.err != nil && !errors.Is(err, tc.err) {
			t.Errorf("%s: %v does not wrap %v", tc.name, err, tc.err)
		}
	}
	if got := Clip(strings.Repeat("é", 150)); !strings.HasSuffix(got, "...") || len(got) != 203 {
		t.Errorf("Clip cut a character: %q", got)
	}
}

// TestSmokeRun runs the engine's test program in a real runtime: once as
// expected, once not.
func TestSmokeRun(t *testing.T) {
	testenv.LookPath(t, "go")
	rt := engine.Docker
	if _, err := engine.New(context.Background(), rt); err != nil {
		testenv.Runc(t)
		rt = engine.Runc
	}
	dir := t.TempDir()
	bin, err := gobuild.Build(context.Background(), gobuild.Options{Package: "../engine/testdata/probe", Output: filepath.Join(dir, "probe")})
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "probe", Mode: 0o755, Size: int64(len(data))})
	tw.Write(data)
	tw.Close()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(buf.Bytes())), nil })
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(empty.Image, l)
	if err != nil {
		t.Fatal(err)
	}
	cf, _ := img.ConfigFile()
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", runtime.GOARCH
	cf.Config.Entrypoint = []string{"/probe"}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	e, err := engine.New(ctx, rt)
	if err != nil {
		t.Fatal(err)
	}
	want := "hi there"
	r, err := Smoke(ctx, e, img, SmokeSpec{Args: []string{"echo", "hi", "there"}, ExpectExit: 3, ExpectStdout: &want}, time.Minute, "")
	if err != nil {
		t.Fatalf("smoke run: %v", err)
	}
	if r.Runtime != rt || r.ExitCode != 3 {
		t.Errorf("result %+v", r)
	}
	_, err = Smoke(ctx, e, img, SmokeSpec{Args: []string{"echo", "x"}}, time.Minute, "")
	if err == nil || err.Error() != "echo x exited with 3, want 0 ("+rt+")\nstderr:\nto stderr" {
		t.Errorf("failing smoke run: %v", err)
	}
}
