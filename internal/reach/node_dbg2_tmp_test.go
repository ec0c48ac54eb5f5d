package reach

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dietimg/diet/internal/rootfs"
)

func TestNodeTmpAll(t *testing.T) {
	root := "/var/cache/diet-test/corpus-node"
	fsys, _ := rootfs.Dir(root)
	n := newNode(&Image{FS: fsys})
	var files, found, skipped int
	var dur time.Duration
	filepath.WalkDir(root+"/usr/share/nodejs", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !isJSExt(p) || !d.Type().IsRegular() {
			return nil
		}
		ip := strings.TrimPrefix(p, root)
		src, _ := rootfs.ReadFile(fsys, ip)
		st := time.Now()
		fd, err := n.Reach(ip, src)
		dur += time.Since(st)
		files++
		if err != nil {
			skipped++
			t.Log("ERR", err)
		}
		for _, f := range fd {
			found++
			if f.As != File {
				t.Logf("%s %d %s", f.Path, f.As, f.Reason)
			}
		}
		return nil
	})
	t.Logf("%d files %d found %d skipped in %v", files, found, skipped, dur)
}
