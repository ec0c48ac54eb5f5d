package cli

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/random"

	"github.com/dietimg/diet/internal/artifact"
	"github.com/dietimg/diet/internal/publish"
)

// TestInspectSeccomp: the seccomp profile diet slim --seccomp publishes
// beside an image is shown by diet inspect with its size, the calls it
// allows of its architecture's.
func TestInspectSeccomp(t *testing.T) {
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	profile := `{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":1,"architectures":["SCMP_ARCH_X86_64"],"syscalls":[` +
		`{"names":["read","write","exit_group"],"action":"SCMP_ACT_ALLOW"},` +
		`{"names":["socket"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"valueTwo":0,"op":"SCMP_CMP_EQ"}]},` +
		`{"names":["socket"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":2,"valueTwo":0,"op":"SCMP_CMP_EQ"}]},` +
		`{"names":["clone3"],"action":"SCMP_ACT_ERRNO","errnoRet":38}]}`
	for _, dest := range []string{"oci:" + filepath.Join(t.TempDir(), "out") + ":slim", "oci-archive:" + filepath.Join(t.TempDir(), "slim.tar")} {
		pub, err := publish.Write(context.Background(), dest, artifact.Artifact{Image: img, Seccomp: []byte(profile)}, nil, publish.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if pub.SeccompPath == "" {
			t.Fatalf("%s: no sidecar profile", dest)
		}
		out, stderr, err := runInspectCmd("inspect", dest)
		if err != nil {
			t.Fatalf("%v: %s", err, stderr)
		}
		if !strings.Contains(out, "seccomp") || !strings.Contains(out, "allows 4 of 385 amd64 system calls") || !strings.Contains(out, pub.SeccompPath) {
			t.Errorf("%s: no profile summary:\n%s", dest, out)
		}
		js, _, err := runInspectCmd("inspect", "--json", dest)
		if err != nil {
			t.Fatal(err)
		}
		var as []struct {
			Seccomp *struct{ Allowed, Total int } `json:"seccomp"`
		}
		if err := json.Unmarshal([]byte(js), &as); err != nil || len(as) != 1 || as[0].Seccomp == nil || as[0].Seccomp.Allowed != 4 {
			t.Errorf("%s: JSON %v: %s", dest, err, js)
		}
	}
}
