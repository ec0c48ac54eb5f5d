package inspect_test

import (
	"testing"

	"github.com/dietimg/diet/internal/closure"
	"github.com/dietimg/diet/internal/inspect"
	"github.com/dietimg/diet/internal/rootfs"
)

// BenchmarkUsrBin inspects every file of this machine's /usr/bin with a
// fresh resolver per round, as one `diet inspect -r /usr/bin` does.
func BenchmarkUsrBin(b *testing.B) {
	fsys, _ := rootfs.Dir("/")
	names, _ := inspect.Walk(fsys, "/usr/bin")
	for b.Loop() {
		r := closure.New(fsys, closure.Options{})
		inspect.Many(r, names)
	}
}
