package build

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/dietimg/diet/internal/engine"
	"github.com/dietimg/diet/internal/testenv"
)

// TestE2EForeignELF builds arm64 Debian's jq on this amd64 machine: the
// image says linux/arm64, runs under qemu-user emulation in the smoke
// test and in runc, and skopeo reads it.
func TestE2EForeignELF(t *testing.T) {
	root := testenv.DebianArm64Root(t)
	testenv.Emulator(t, "aarch64")
	testenv.LookPath(t, "skopeo")
	ctx := context.Background()
	dest := "oci:" + filepath.Join(t.TempDir(), "layout") + ":jq"
	res, err := buildTo(ctx, Options{Source: "/usr/bin/jq", Root: root, Platforms: []v1.Platform{{OS: "linux", Architecture: "arm64"}},
		Smoke: []Smoke{{Args: []string{"-n", "1+1"}, ExpectStdout: ptr("2")}}}, dest, "")
	if err != nil {
		t.Fatal(err)
	}
	cf, err := res.Image.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.Architecture != "arm64" || cf.OS != "linux" || res.Images[0].Platform.Architecture != "arm64" {
		t.Errorf("config says %s/%s, result %s; want linux/arm64", cf.OS, cf.Architecture, res.Images[0].Platform.String())
	}
	if len(res.Images[0].Smoke) != 1 {
		t.Errorf("smoke runs: %+v", res.Images[0].Smoke)
	}
	if out := run(t, "", "skopeo", "inspect", "--config", dest); !strings.Contains(out, `"architecture": "arm64"`) {
		t.Errorf("skopeo inspect --config %s:\n%s", dest, out)
	}
	if err := validate.Image(res.Image); err != nil {
		t.Fatal(err)
	}
	if runc, err := engine.New(ctx, engine.Runc); err == nil {
		r, err := runc.Run(ctx, res.Image, engine.Spec{Args: []string{"-n", `"arm"`}})
		if err != nil || strings.TrimSpace(string(r.Stdout)) != `"arm"` {
			t.Errorf("runc run under emulation: %v %+v", err, r)
		}
	}
}

// TestE2EForeignIndex makes an index of amd64 and arm64 jq in one build,
// each from its architecture's Debian tree; the smoke test runs both, the
// amd64 one natively.
func TestE2EForeignIndex(t *testing.T) {
	roots := map[string]string{"amd64": testenv.DebianFatRoot(t), "arm64": testenv.DebianArm64Root(t)}
	testenv.Emulator(t, "aarch64")
	res, err := Build(context.Background(), Options{Source: "/usr/bin/jq", Roots: roots,
		Platforms: []v1.Platform{{OS: "linux", Architecture: "amd64"}, {OS: "linux", Architecture: "arm64"}},
		Smoke:     []Smoke{{Args: []string{"-n", "[1,2]|add"}, ExpectStdout: ptr("3")}}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Index == nil {
		t.Fatal("no index")
	}
	m, err := res.Index.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range m.Manifests {
		got = append(got, d.Platform.String())
	}
	if strings.Join(got, " ") != "linux/amd64 linux/arm64" {
		t.Errorf("index platforms %v", got)
	}
	for _, pi := range res.Images {
		cf, err := pi.Image.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		if cf.Architecture != pi.Platform.Architecture || len(pi.Smoke) != 1 || strings.TrimSpace(pi.Smoke[0].Stdout) != "3" {
			t.Errorf("%s: config %s, smoke %+v", pi.Platform.String(), cf.Architecture, pi.Smoke)
		}
	}
	if err := validate.Index(res.Index); err != nil {
		t.Fatal(err)
	}
}

// TestBuildARMVariant builds the committed ARMv7 program: the platform's
// variant comes from its build attributes, and it runs under qemu-arm.
func TestBuildARMVariant(t *testing.T) {
	dir := t.TempDir()
	b, err := os.ReadFile("../elfinfo/testdata/hello-armv7")
	if err != nil {
		t.Fatal(err)
	}
	prog := filepath.Join(dir, "hello")
	if err := os.WriteFile(prog, b, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, plats := range [][]v1.Platform{nil, {{OS: "linux", Architecture: "arm"}}} {
		res, err := Build(context.Background(), Options{Source: prog, Platforms: plats})
		if err != nil {
			t.Fatal(err)
		}
		cf, _ := res.Image.ConfigFile()
		if p := res.Images[0].Platform; p.Architecture != "arm" || p.Variant != "v7" || cf.Architecture != "arm" || cf.Variant != "v7" {
			t.Errorf("--platform %v: platform %s, config %s/%s; want linux/arm/v7", plats, p.String(), cf.Architecture, cf.Variant)
		}
	}
	testenv.Emulator(t, "arm")
	newEngine(t, engine.Auto)
	_, err = Build(context.Background(), Options{Source: prog, Smoke: []Smoke{{ExpectStdout: ptr("hello from arm")}}})
	if err != nil {
		t.Error(err)
	}
}

// TestForeignPlatformErrors: the platforms of a prebuilt program must
// match it and each needs its own root.
func TestForeignPlatformErrors(t *testing.T) {
	arm := "../elfinfo/testdata/hello-armv7"
	for _, tt := range []struct {
		name string
		opts Options
		want string
	}{
		{"several platforms, one root", Options{Source: arm, Platforms: []v1.Platform{{OS: "linux", Architecture: "amd64"}, {OS: "linux", Architecture: "arm"}}}, "--root amd64=DIR"},
		{"wrong platform", Options{Source: arm, Platforms: []v1.Platform{{OS: "linux", Architecture: "arm64"}}}, "--platform asks for linux/arm64"},
		{"no root for the platform", Options{Source: arm, Platforms: []v1.Platform{{OS: "linux", Architecture: "arm64"}}, Roots: map[string]string{"amd64": "/"}}, `no root for "arm64"`},
		{"root of another architecture", Options{Source: "/bin/sh", Platforms: []v1.Platform{{OS: "linux", Architecture: "amd64"}, {OS: "linux", Architecture: "arm"}}, Roots: map[string]string{"amd64": "/", "arm": "/"}}, "/bin/sh is a ELF64 x86_64 program, --platform asks for linux/arm"},
	} {
		_, err := Build(context.Background(), tt.opts)
		if !errors.Is(err, ErrPlatform) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want ErrPlatform with %q", tt.name, err, tt.want)
		}
	}
}
