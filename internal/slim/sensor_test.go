package slim

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/dietimg/diet/internal/elfinfo"
	"github.com/dietimg/diet/internal/testenv"
)

// cgoDiet is diet built the way a plain `go install` builds it on a
// machine with a C compiler: CGO_ENABLED=1, so net and os/user make it
// dynamic.
func cgoDiet(t *testing.T) string {
	t.Helper()
	testenv.LookPath(t, "gcc")
	p := cgoDietBuild.get(t, "1")
	f, err := elfinfo.Open(os.DirFS("/"), p[1:])
	if err != nil {
		t.Fatal(err)
	}
	if f.Linkage != elfinfo.Dynamic {
		t.Fatalf("diet built with CGO_ENABLED=1 is %s, want dynamic: the test would prove nothing", f.Linkage)
	}
	return p
}

// TestDynamicSensor: a dynamically linked diet slims, in a glibc image
// and in a musl image (whose loader is no use to a glibc program): it
// brings its own loader and libraries beside the sensor.
func TestDynamicSensor(t *testing.T) {
	needRunc(t)
	diet := cgoDiet(t)
	t.Run("glibc", func(t *testing.T) {
		dir := t.TempDir()
		out, err := exec.Command(diet, "slim", "oci:"+fatLayout(t)+":jq", "-o", "oci:"+dir+"/out:jq", "--workdir", dir+"/work",
			"--probe-exec", `jq -n '[1,2,3] | add'`).CombinedOutput()
		if err != nil {
			t.Fatalf("dynamic diet slim: %v\n%s", err, out)
		}
		if _, err := os.Stat(filepath.Join(dir, "work", "sensor", "lib", "ld.so")); err != nil {
			t.Errorf("the sensor's loader was not put beside it: %v", err)
		}
	})
	t.Run("musl", func(t *testing.T) {
		testenv.LookPath(t, "musl-gcc")
		dir := t.TempDir()
		src := filepath.Join(dir, "hello.c")
		if err := os.WriteFile(src, []byte("#include <stdio.h>\nint main(void){puts(\"hello from musl\");return 0;}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		bin := filepath.Join(dir, "hello")
		if out, err := exec.Command("musl-gcc", "-o", bin, src).CombinedOutput(); err != nil {
			t.Fatalf("musl-gcc: %v\n%s", err, out)
		}
		img := "oci:" + dir + "/musl:latest"
		if out, err := exec.Command(dietBinary(t), "build", bin, "-o", img).CombinedOutput(); err != nil {
			t.Fatalf("diet build of a dynamic musl program: %v\n%s", err, out)
		}
		out, err := exec.Command(diet, "slim", img, "-o", "oci:"+dir+"/out:musl", "--workdir", dir+"/work").CombinedOutput()
		if err != nil {
			t.Fatalf("dynamic diet slim of a musl image: %v\n%s", err, out)
		}
		if !bytes.Contains(out, []byte("same answer")) {
			t.Errorf("the slim was not verified:\n%s", out)
		}
	})
}
