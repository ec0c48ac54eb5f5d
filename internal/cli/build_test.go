package cli

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dietimg/diet/internal/srcbuild"
	"github.com/dietimg/diet/internal/sysfiles"
	"github.com/dietimg/diet/internal/testenv"
)

func TestBuildFlags(t *testing.T) {
	f := &buildFlags{}
	cmd := newBuildWith(f)
	if err := cmd.ParseFlags([]string{"--no-certs", "--tzdata-zones", "UTC", "--user", "nonroot", "--label", "a=b",
		"--smoke", "1:3 x", "--expect-stdout", "ok", "--entrypoint", `["/bin/x","-v"]`, "--platform", "linux/amd64,linux/arm64"}); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	o, err := f.options("./cmd/slice")
	if err != nil {
		t.Fatal(err)
	}
	if o.Sysfiles.Certs != sysfiles.Off || o.Sysfiles.Tzdata != sysfiles.On || o.Sysfiles.User != "nonroot" ||
		o.Labels["a"] != "b" || len(o.Smoke) != 1 || *o.Smoke[0].ExpectStdout != "ok" || o.Smoke[0].Args[1] != "x" ||
		o.Entrypoint[1] != "-v" || len(o.Platforms) != 2 || o.Epoch.Unix() != 1700000000 || f.dest("./cmd/slice") != "oci:out/slice:latest" {
		t.Errorf("options %+v", o)
	}
	f = &buildFlags{}
	cmd = newBuildWith(f)
	cmd.ParseFlags([]string{"--certs", "--no-certs"})
	if _, err := f.options("x"); err == nil {
		t.Error("--certs --no-certs: no error")
	}
	t.Setenv("SOURCE_DATE_EPOCH", "yesterday")
	if _, err := (&buildFlags{}).options("x"); err == nil {
		t.Error("bad SOURCE_DATE_EPOCH: no error")
	}
}

// TestBuildCommand runs diet build end to end in-process: the report on
// stdout, the JSON form, and a clear error with nothing written for a
// missing program.
func TestBuildCommand(t *testing.T) {
	testenv.LookPath(t, "go")
	dir := t.TempDir()
	out := filepath.Join(dir, "img.tar")
	var stdout, stderr bytes.Buffer
	root := New()
	root.SetArgs([]string{"build", "--json", "-o", "oci-archive:" + out, "../build/testdata/hello"})
	root.SetOut(&stdout)
	root.SetErr(&stderr)
	if err := root.Execute(); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	var res struct {
		Digest string
		Images []struct {
			Files []struct {
				Path   string
				Reason struct{ Kind string }
			}
		}
		Size struct{ Uncompressed, Compressed int64 }
	}
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("%v: %s", err, stdout.String())
	}
	if !strings.HasPrefix(res.Digest, "sha256:") || res.Images[0].Files[0].Path != "/usr/local/bin/hello" || res.Images[0].Files[0].Reason.Kind != "program" {
		t.Errorf("json %s", stdout.String())
	}
	// diet build reports the sizes diet size measures of what it wrote.
	sizeOut, _, err := runInspectCmd("size", "--json", "oci-archive:"+out)
	if err != nil {
		t.Fatal(err)
	}
	var lines []sizeLine
	if err := json.Unmarshal([]byte(sizeOut), &lines); err != nil {
		t.Fatalf("%v: %s", err, sizeOut)
	}
	if len(lines) != 1 || lines[0].Uncompressed != res.Size.Uncompressed || lines[0].Compressed != res.Size.Compressed || res.Size.Compressed <= 0 {
		t.Errorf("diet build says size %+v, diet size %+v", res.Size, lines)
	}
	stdout.Reset()
	root = New()
	root.SetArgs([]string{"build", "-o", "oci-archive:" + out + "2", "../build/testdata/hello"})
	root.SetOut(&stdout)
	root.SetErr(&stderr)
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"/usr/local/bin/hello", "program", "compressed", "sbom: " + out + "2.sbom.spdx.json"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, stdout.String())
		}
	}
	root = New()
	missing := filepath.Join(dir, "missing")
	root.SetArgs([]string{"build", "-o", "oci-archive:" + out + "3", missing})
	root.SetOut(&stdout)
	root.SetErr(&stderr)
	err = root.Execute()
	if err == nil || !strings.Contains(err.Error(), missing) {
		t.Fatalf("missing program: error %v", err)
	}
	if _, err := os.Stat(out + "3"); err == nil {
		t.Error("output written for a missing program")
	}
}

func TestBuildRoots(t *testing.T) {
	for _, tt := range []struct {
		vals  []string
		root  string
		roots map[string]string
		err   string
	}{
		{nil, "", nil, ""},
		{[]string{"/srv/debian"}, "/srv/debian", nil, ""},
		{[]string{"/srv/a=b"}, "/srv/a=b", nil, ""},
		{[]string{"amd64=/srv/x", "arm64=/srv/y"}, "", map[string]string{"amd64": "/srv/x", "arm64": "/srv/y"}, ""},
		{[]string{"/a", "/b"}, "", nil, "a second root for every platform"},
		{[]string{"arm64=/a", "arm64=/b"}, "", nil, "a second root for arm64"},
		{[]string{"/a", "arm64=/b"}, "", nil, "give every root an architecture"},
		{[]string{"arm64="}, "", nil, "want DIR or ARCH=DIR"},
		{[]string{"ARM64=/x"}, "", nil, "want DIR or ARCH=DIR"},
	} {
		root, roots, err := buildRoots(tt.vals)
		switch {
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("%q: error %v, want %q", tt.vals, err, tt.err)
		case tt.err == "" && (err != nil || root != tt.root || !maps.Equal(roots, tt.roots)):
			t.Errorf("%q: %q %v %v, want %q %v", tt.vals, root, roots, err, tt.root, tt.roots)
		}
	}
}

func TestBuildLinkAndName(t *testing.T) {
	for _, tc := range []struct {
		static, set bool
		want        srcbuild.Link
	}{
		{true, false, srcbuild.Auto}, // the default: static when it links
		{true, true, srcbuild.Static},
		{false, true, srcbuild.Dynamic},
	} {
		if got := linkOf(tc.static, tc.set); got != tc.want {
			t.Errorf("linkOf(%v, %v) = %q, want %q", tc.static, tc.set, got, tc.want)
		}
	}
	for src, want := range map[string]string{
		"./hello-rs":             "hello-rs",
		"crates/tool/Cargo.toml": "tool",
		"src/hello.c":            "hello",
		"./cmd/slice":            "slice",
	} {
		if got := buildDefaultName(src, ""); got != want {
			t.Errorf("buildDefaultName(%s) = %s, want %s", src, got, want)
		}
	}
}
