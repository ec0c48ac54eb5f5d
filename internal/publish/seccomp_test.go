package publish

import (
	"context"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/dietimg/diet/internal/artifact"
	"github.com/dietimg/diet/internal/image"
)

// TestSeccompBesideSBOM: a seccomp profile goes where the SBOM goes, a
// sidecar of a layout or an attached artifact of a push, and each is
// found again as what it is: the SBOM is not taken for the profile, nor
// the profile for the SBOM.
func TestSeccompBesideSBOM(t *testing.T) {
	ctx := context.Background()
	srv := httptest.NewServer(registry.New(registry.WithReferrersSupport(true), registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	img, _ := testImage(t)
	profile := `{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}`
	for _, dest := range []string{"oci:" + t.TempDir() + ":app", "docker://" + strings.TrimPrefix(srv.URL, "http://") + "/test/app:v1"} {
		pub, err := Write(ctx, dest, artifact.Artifact{Image: img, SBOM: []byte(appSBOM), Seccomp: []byte(profile)}, nil, Options{Image: image.Options{Insecure: true}})
		if err != nil {
			t.Fatal(err)
		}
		if oci := strings.HasPrefix(dest, "oci:"); oci != (pub.SeccompPath != "") || oci == (pub.SeccompDigest != "") {
			t.Errorf("%s: published %+v", dest, pub)
		}
		back, err := image.Read(ctx, dest, image.Options{Insecure: true})
		if err != nil {
			t.Fatal(err)
		}
		b, from, err := FindSeccomp(ctx, dest, back, true)
		if err != nil || string(b) != profile {
			t.Errorf("%s: FindSeccomp = %q from %q, %v", dest, b, from, err)
		}
		s, _, err := FindSBOM(ctx, dest, back, true)
		if err != nil || string(s) != appSBOM {
			t.Errorf("%s: FindSBOM = %q, %v", dest, s, err)
		}
	}
}
