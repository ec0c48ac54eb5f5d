package dpkg

import (
	"testing"

	"github.com/dietimg/diet/internal/sbom"
)

func TestPackageSBOM(t *testing.T) {
	p := &Package{Name: "libc6", Version: "2.36-9", Architecture: "amd64", Source: "glibc", Homepage: "https://www.gnu.org/software/libc/libc.html"}
	want := sbom.Package{Name: "libc6", Version: "2.36-9", Architecture: "amd64", PURL: p.PURL(),
		Supplier: "Organization: Debian", Source: "glibc", Homepage: "https://www.gnu.org/software/libc/libc.html"}
	if got := p.SBOM(); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}
