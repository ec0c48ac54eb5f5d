package rootfs

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

// snapshot describes every entry of a tree: type, mode, time, content or
// target, and which names share a file.
func snapshot(t *testing.T, root string) string {
	t.Helper()
	var lines []string
	inodes := map[uint64]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		line := fmt.Sprintf("%s %v %d", rel, fi.Mode(), fi.ModTime().Unix())
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			line += " -> " + target
		case fi.Mode().IsRegular():
			b, _ := os.ReadFile(p)
			line += fmt.Sprintf(" %x", sha256.Sum256(b))
			ino := inode(fi)
			if first, ok := inodes[ino]; ok {
				line += " same as " + first
			} else {
				inodes[ino] = rel
			}
		}
		lines = append(lines, line)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

func TestUnpackCached(t *testing.T) {
	ctx := context.Background()
	base := []ent{tdir("etc/"), tfile("etc/os-release", "ID=test\n"), tdir("usr/"), tdir("usr/bin/"),
		twithMode(tfile("usr/bin/tool", "#!tool"), 0o755), thardlink("usr/bin/tool2", "usr/bin/tool"),
		tsymlink("bin", "usr/bin"), twithMode(tdir("ro/"), 0o555), tfile("ro/data", "old"), tfile("gone", "x")}
	app := []ent{tfile("etc/os-release", "ID=app\n"), tfile(".wh.gone", ""), tfile("ro/more", "new"), tdir("app/"), tfile("app/main", "main")}
	other := []ent{tdir("srv/"), tfile("srv/index.html", "<p>other</p>")}
	img, two := imageOf(t, base, app), imageOf(t, base, other)
	cache := t.TempDir()

	plain := func(img v1.Image) string {
		dir := filepath.Join(t.TempDir(), "plain")
		if _, err := Unpack(ctx, img, dir, UnpackOptions{KeepOwners: true}); err != nil {
			t.Fatal(err)
		}
		return snapshot(t, dir)
	}
	got, err := UnpackCached(ctx, img, cache, UnpackOptions{KeepOwners: true})
	if err != nil {
		t.Fatal(err)
	}
	if got.Unpacked != 2 || got.Reused != 0 || got.Report.Layers != 2 {
		t.Errorf("first unpack: unpacked %d, reused %d, %d layers", got.Unpacked, got.Reused, got.Report.Layers)
	}
	want := plain(img)
	first := snapshot(t, got.Dir)
	if first != want {
		t.Fatalf("cached tree:\n%s\nplain unpack:\n%s", first, want)
	}
	again, err := UnpackCached(ctx, img, cache, UnpackOptions{KeepOwners: true})
	if err != nil || again.Unpacked != 0 || again.Dir != got.Dir || again.Report.Size != got.Report.Size || len(again.Report.Owners) != len(got.Report.Owners) {
		t.Fatalf("second unpack: %+v, %v", again, err)
	}
	// Another image on the same base unpacks its own layer only, onto
	// links to the base's files, which it must not change.
	o, err := UnpackCached(ctx, two, cache, UnpackOptions{KeepOwners: true})
	if err != nil {
		t.Fatal(err)
	}
	if o.Unpacked != 1 || o.Reused != 1 {
		t.Errorf("image on the same base: unpacked %d, reused %d", o.Unpacked, o.Reused)
	}
	if s := snapshot(t, o.Dir); s != plain(two) {
		t.Errorf("tree on the cached base:\n%s\nplain unpack:\n%s", s, plain(two))
	}
	if s := snapshot(t, got.Dir); s != first {
		t.Errorf("the first image's cached tree changed:\n%s\nwas:\n%s", s, first)
	}
	if _, err := os.Stat(filepath.Join(o.Dir, "gone")); err != nil {
		t.Errorf("the base's file cut by the first image's whiteout is gone from the second: %v", err)
	}

	// A config whose diff ID does not match its layer is refused, and
	// nothing is cached under it.
	cfg, _ := two.ConfigFile()
	cfg = cfg.DeepCopy()
	cfg.RootFS.DiffIDs[1] = v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("0", 64)}
	liar, err := mutate.ConfigFile(two, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := UnpackCached(ctx, liar, cache, UnpackOptions{KeepOwners: true}); err == nil || !strings.Contains(err.Error(), "diff ID") {
		t.Errorf("a lying diff ID: %v", err)
	}
	entries, _ := os.ReadDir(cache)
	dirs := 0
	for _, e := range entries {
		if e.IsDir() {
			dirs++
		}
	}
	if dirs != 3 { // the base, and each image
		t.Errorf("%d entries in the cache, want 3", dirs)
	}

	// A prune leaves the trees in use, removes the others, and the next
	// unpack makes them again.
	listed, err := CacheEntries(cache)
	if err != nil || len(listed) != 3 || listed[0].Used.Before(listed[1].Used) || listed[1].Used.Before(listed[2].Used) {
		t.Fatalf("entries %+v, %v: want 3, the last used first", listed, err)
	}
	got.Release()
	removed, busy, err := PruneCache(cache, time.Now().Add(time.Second))
	if err != nil || len(removed) != 2 || len(busy) != 1 || busy[0].Dir != filepath.Dir(o.Dir) {
		t.Fatalf("prune: removed %d, busy %+v, %v: want the held tree left, the two others removed", len(removed), busy, err)
	}
	if _, err := os.Stat(got.Dir); !os.IsNotExist(err) {
		t.Errorf("the released tree is still there: %v", err)
	}
	if s := snapshot(t, o.Dir); s != plain(two) {
		t.Error("the held tree changed under a prune")
	}
	o.Release()
	again, err = UnpackCached(ctx, img, cache, UnpackOptions{KeepOwners: true})
	if err != nil || again.Unpacked != 2 || snapshot(t, again.Dir) != first {
		t.Fatalf("after the prune: %+v, %v", again, err)
	}
	again.Release()
}

func inode(fi fs.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Ino
	}
	return 0
}
