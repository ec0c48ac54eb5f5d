package cli

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dietimg/diet/internal/slim/fatimages"
	"github.com/dietimg/diet/internal/testenv"
)

// TestSlimRefusesDifferentResult runs the real, static diet binary (it is
// its own sensor) on the fat nginx image stored as an OCI layout, with the
// document root excluded: the slimmed nginx answers 404 where the original
// answered 200, and diet must say so, name the removed document, fail, and
// write nothing. (The successful slims are tested in internal/slim.)
func TestSlimRefusesDifferentResult(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end slim test (-short)")
	}
	testenv.Runc(t)
	fat, err := fatimages.Ensure(context.Background(), testenv.DebianFatRoot(t), testenv.CacheDir())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin := staticDietBinary(t)
	dest := filepath.Join(dir, "slim")
	cmd := exec.Command(bin, "slim", "oci:"+fat+":nginx", "-o", "oci:"+dest+":slim",
		"--probe-http", "80/", "--exclude", "/var/www", "--workdir", filepath.Join(dir, "work"))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err = cmd.Run()
	if err == nil {
		t.Fatalf("slimming without the document root succeeded:\n%s", stderr.String())
	}
	if _, ok := err.(*exec.ExitError); !ok {
		t.Fatal(err)
	}
	for _, want := range []string{
		"probe http 80/: status 200 (original) vs 404 (slim)",
		"removed near it: /var/www/html, /var/www/html/index.nginx-debian.html",
		"nothing written",
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, stderr.String())
		}
	}
	if _, err := os.Stat(dest); !os.IsNotExist(err) {
		t.Errorf("%s was written although verification failed (%v)", dest, err)
	}
}
