package engine

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dietimg/diet/internal/testenv"
)

// qemuAarch64 is the entry update-binfmts registers for Debian's
// qemu-user-static (/proc/sys/fs/binfmt_misc/qemu-aarch64).
const qemuAarch64 = `enabled
interpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P
flags: PF
offset 0
magic 7f454c460201010000000000000000000200b700
mask ffffffffffffff00fffffffffffffffffeffffff
`

func binfmtDir(t *testing.T, status string, entries map[string]string) string {
	dir := t.TempDir()
	if status != "" {
		entries["status"] = status + "\n"
	}
	for name, s := range entries {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestCheckPlatformBinfmt(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("the cases are written for an amd64 host")
	}
	arm64 := &v1.ConfigFile{OS: "linux", Architecture: "arm64"}
	for _, tt := range []struct {
		name    string
		status  string
		entries map[string]string
		cfg     *v1.ConfigFile
		want    string // "" for no error, else a part of the error
	}{
		{"handler", "enabled", map[string]string{"qemu-aarch64": qemuAarch64}, arm64, ""},
		{"handler under another name", "enabled", map[string]string{"aarch64": qemuAarch64}, arm64, ""},
		{"native", "", map[string]string{}, &v1.ConfigFile{OS: "linux", Architecture: "amd64"}, ""},
		{"386 on amd64", "", map[string]string{}, &v1.ConfigFile{OS: "linux", Architecture: "386"}, ""},
		{"empty directory", "", map[string]string{}, arm64, "apt-get install qemu-user-static binfmt-support, then update-binfmts --enable qemu-aarch64"},
		{"binfmt_misc disabled", "disabled", map[string]string{"qemu-aarch64": qemuAarch64}, arm64, "no binfmt_misc enabled"},
		{"handler disabled", "enabled", map[string]string{"qemu-aarch64": strings.Replace(qemuAarch64, "enabled", "disabled", 1)}, arm64, "no binfmt_misc handler for aarch64"},
		{"another machine's handler", "enabled", map[string]string{"qemu-aarch64": qemuAarch64}, &v1.ConfigFile{OS: "linux", Architecture: "s390x"}, "update-binfmts --enable qemu-s390x"},
		{"no fix-binary flag", "enabled", map[string]string{"qemu-aarch64": strings.Replace(qemuAarch64, "flags: PF", "flags: P", 1)}, arm64, "lacks the F (fix-binary) flag"},
		{"extension entry", "enabled", map[string]string{"jar": "enabled\ninterpreter /usr/bin/jexec\nflags: \nextension .jar\n"}, arm64, "no binfmt_misc handler"},
		{"unknown architecture", "enabled", map[string]string{}, &v1.ConfigFile{OS: "linux", Architecture: "sparc64"}, "cannot run"},
		{"other OS", "enabled", map[string]string{}, &v1.ConfigFile{OS: "windows", Architecture: "amd64"}, "not linux"},
	} {
		err := checkPlatform(tt.cfg, binfmtDir(t, tt.status, tt.entries))
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: error %v, want one with %q", tt.name, err, tt.want)
		case err != nil && strings.Contains(err.Error(), "\n"):
			t.Errorf("%s: error of more than one line: %q", tt.name, err)
		case err != nil && tt.cfg.OS == "linux" && !errors.Is(err, ErrNoEmulator):
			t.Errorf("%s: %v is not ErrNoEmulator", tt.name, err)
		}
	}
}

// TestCheckPlatformHere asks this machine's binfmt_misc: qemu-user-static's
// aarch64 handler, as .ci/binfmt.sh registers it, takes arm64 images.
func TestCheckPlatformHere(t *testing.T) {
	testenv.Emulator(t, "aarch64")
	if err := checkPlatform(&v1.ConfigFile{OS: "linux", Architecture: "arm64"}, BinfmtDir); err != nil {
		t.Error(err)
	}
}
