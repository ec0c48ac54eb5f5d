package cli

import (
	"io"
	"log"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/dietimg/diet/internal/testenv"
)

// TestSlimPublishesSBOM runs the real diet binary: it builds the hello
// image, slims it to each file transport and to a registry, and diet
// inspect of each result says why each file is there, from the SBOM that
// slim put beside the image or attached to it (issue 14).
func TestSlimPublishesSBOM(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end slim test (-short)")
	}
	testenv.Runc(t)
	dir := t.TempDir()
	bin := staticDietBinary(t)
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Dir = "../build/testdata/hello"
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("diet %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	fat := "oci:" + filepath.Join(dir, "fat") + ":hello"
	run("build", ".", "-o", fat)

	srv := httptest.NewServer(registry.New(registry.WithReferrersSupport(true), registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	for _, tc := range []struct{ dest, sbom string }{
		{"oci:" + filepath.Join(dir, "out") + ":slim", filepath.Join(dir, "out", "slim.sbom.spdx.json")},
		{"oci-archive:" + filepath.Join(dir, "slim.tar"), filepath.Join(dir, "slim.tar.sbom.spdx.json")},
		{"docker-archive:" + filepath.Join(dir, "docker.tar"), filepath.Join(dir, "docker.tar.sbom.spdx.json")},
		{"docker://" + strings.TrimPrefix(srv.URL, "http://") + "/diet/hello:slim", "attached"},
	} {
		out := run("slim", fat, "-o", tc.dest, "--insecure", "--workdir", filepath.Join(dir, "work"))
		if !strings.Contains(out, "sbom          ") {
			t.Errorf("slim to %s says nothing of its SBOM:\n%s", tc.dest, out)
		}
		if tc.sbom != "attached" {
			if _, err := os.Stat(strings.TrimSuffix(tc.sbom, ".sbom.spdx.json") + ".report.json"); err != nil {
				t.Errorf("no report beside %s: %v", tc.dest, err)
			}
		}
		// (go-containerregistry speaks plain HTTP to 127.0.0.1 unasked.)
		args := []string{"inspect", tc.dest}
		got := run(args...)
		if !strings.Contains(got, "Why each file is there (from ") || !strings.Contains(got, tc.sbom) ||
			!strings.Contains(got, "/usr/local/bin/hello  static: entrypoint") {
			t.Errorf("diet %s shows no reasons from %s:\n%s", strings.Join(args, " "), tc.sbom, got)
		}
	}
}
