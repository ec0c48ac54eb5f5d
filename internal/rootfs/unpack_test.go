package rootfs

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"golang.org/x/sys/unix"

	"github.com/dietimg/diet/internal/testenv"
)

// ent is one tar entry of a test layer.
type ent struct {
	name string
	typ  byte
	mode int64
	data string
	link string
	pax  map[string]string
}

func tfile(name, data string) ent        { return ent{name: name, typ: tar.TypeReg, mode: 0o644, data: data} }
func tdir(name string) ent               { return ent{name: name, typ: tar.TypeDir, mode: 0o755} }
func tsymlink(name, target string) ent   { return ent{name: name, typ: tar.TypeSymlink, link: target} }
func thardlink(name, target string) ent  { return ent{name: name, typ: tar.TypeLink, link: target} }
func tspecial(name string, typ byte) ent { return ent{name: name, typ: typ, mode: 0o644} }
func twithMode(e ent, mode int64) ent    { e.mode = mode; return e }

var mtime = time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)

func tarOf(t testing.TB, ents []ent) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range ents {
		h := &tar.Header{Typeflag: e.typ, Name: e.name, Mode: e.mode, Linkname: e.link, ModTime: mtime, Uid: 1000, Gid: 1000, PAXRecords: e.pax}
		if e.typ == tar.TypeReg {
			h.Size = int64(len(e.data))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatalf("writing %s: %v", e.name, err)
		}
		if _, err := io.WriteString(tw, e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func layerOf(t testing.TB, b []byte) v1.Layer {
	t.Helper()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func imageOf(t testing.TB, layers ...[]ent) v1.Image {
	t.Helper()
	var ls []v1.Layer
	for _, ents := range layers {
		ls = append(ls, layerOf(t, tarOf(t, ents)))
	}
	img, err := mutate.AppendLayers(empty.Image, ls...)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// sandbox is a temporary directory holding the unpack target "root", a
// sentinel file and a directory "outside" with one file, which no unpack
// may change.
type sandbox struct {
	base, root string
}

func newSandbox(t *testing.T) sandbox {
	base := t.TempDir()
	s := sandbox{base: base, root: filepath.Join(base, "root")}
	tmust(t, os.WriteFile(filepath.Join(base, "sentinel"), []byte("keep"), 0o644))
	tmust(t, os.Mkdir(filepath.Join(base, "outside"), 0o755))
	tmust(t, os.WriteFile(filepath.Join(base, "outside", "keep"), []byte("keep"), 0o644))
	return s
}

// check fails t if anything outside the root changed.
func (s sandbox) check(t *testing.T) {
	t.Helper()
	var names []string
	filepath.WalkDir(s.base, func(p string, d fs.DirEntry, err error) error {
		if p == s.root {
			return filepath.SkipDir
		}
		rel, _ := filepath.Rel(s.base, p)
		names = append(names, rel)
		return nil
	})
	want := []string{".", "outside", "outside/keep", "root", "sentinel"}
	if !slices.Contains(names, "root") {
		want = slices.DeleteFunc(want, func(s string) bool { return s == "root" })
	}
	if !slices.Equal(names, want) {
		t.Errorf("outside the target: %v, want %v", names, want)
	}
	for _, f := range []string{"sentinel", "outside/keep"} {
		b, err := os.ReadFile(filepath.Join(s.base, f))
		if err != nil || string(b) != "keep" {
			t.Errorf("%s changed: %q, %v", f, b, err)
		}
	}
	if fi, err := os.Stat("/etc/passwd"); err != nil || fi.Sys() == nil {
		t.Errorf("/etc/passwd: %v", err)
	}
}

func tmust(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func readTree(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			out[rel] = "-> " + target
		case d.IsDir():
			out[rel] = "dir"
		default:
			b, _ := os.ReadFile(p)
			out[rel] = string(b)
		}
		return nil
	})
	return out
}

func TestUnpackLayers(t *testing.T) {
	s := newSandbox(t)
	img := imageOf(t,
		[]ent{
			tdir("etc/"), tfile("etc/passwd", "root:x:0:0::/:/bin/sh\n"), tfile("etc/gone", "x"),
			tdir("usr/"), tdir("usr/lib/"), tfile("usr/lib/libc.so", "libc"), tsymlink("lib", "usr/lib"),
			tdir("opq/"), tfile("opq/old", "old"), tdir("opq/sub/"), tfile("opq/sub/deep", "deep"),
			twithMode(tfile("bin/su", "su"), 0o4755),
			tdir("ro/"), tfile("ro/f", "f"),
			tdir("opq2/"), tfile("opq2/old", "old"), tdir("opq2/a/"), tfile("opq2/a/old", "old"),
		},
		[]ent{
			tfile("etc/.wh.gone", ""),
			// Written through the symlink lib -> usr/lib, as a runtime would.
			tfile("lib/libm.so", "libm"),
			thardlink("usr/lib/libc.so.6", "lib/libc.so"),
			tfile("opq/new", "new"), tdir("opq/"), tfile("opq/.wh..wh..opq", ""), tdir("opq/sub/"), tfile("opq/sub/x", "x"),
			// A file whose directories this layer makes only implicitly,
			// before an opaque marker above them.
			tfile("opq2/a/b/c", "c"), tfile("opq2/.wh..wh..opq", ""),
			// A whiteout never hides a file of its own layer.
			tfile("etc/same", "same"), tfile("etc/.wh.same", ""),
			twithMode(tdir("ro/"), 0o555),
			tfile("/abs", "absolute names are relative"),
		},
	)
	rep, err := Unpack(context.Background(), img, s.root, UnpackOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := readTree(t, s.root)
	want := map[string]string{
		"etc": "dir", "etc/passwd": "root:x:0:0::/:/bin/sh\n", "etc/same": "same",
		"usr": "dir", "usr/lib": "dir", "usr/lib/libc.so": "libc", "usr/lib/libm.so": "libm", "usr/lib/libc.so.6": "libc",
		"lib": "-> usr/lib",
		"opq": "dir", "opq/new": "new", "opq/sub": "dir", "opq/sub/x": "x",
		"opq2": "dir", "opq2/a": "dir", "opq2/a/b": "dir", "opq2/a/b/c": "c",
		"bin": "dir", "bin/su": "su",
		"ro": "dir", "ro/f": "f",
		"abs": "absolute names are relative",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected %s = %q", k, got[k])
		}
	}
	if rep.Layers != 2 || rep.Bytes == 0 {
		t.Errorf("report %+v", rep)
	}
	a, _ := os.Stat(filepath.Join(s.root, "usr/lib/libc.so"))
	b, _ := os.Stat(filepath.Join(s.root, "usr/lib/libc.so.6"))
	if !os.SameFile(a, b) {
		t.Errorf("libc.so.6 is not a hard link of libc.so")
	}
	fi, _ := os.Stat(filepath.Join(s.root, "bin/su"))
	if fi.Mode() != 0o755 {
		t.Errorf("bin/su mode %v, want 0755 without setuid", fi.Mode())
	}
	fi, _ = os.Stat(filepath.Join(s.root, "ro"))
	if fi.Mode().Perm() != 0o555 || !fi.ModTime().Equal(mtime) {
		t.Errorf("ro: mode %v time %v, want 0555 and %v", fi.Mode(), fi.ModTime(), mtime)
	}
	fi, _ = os.Stat(filepath.Join(s.root, "etc/passwd"))
	if !fi.ModTime().Equal(mtime) {
		t.Errorf("etc/passwd time %v, want %v", fi.ModTime(), mtime)
	}
	fi, _ = os.Lstat(filepath.Join(s.root, "lib"))
	if !fi.ModTime().Equal(mtime) {
		t.Errorf("symlink lib time %v, want %v", fi.ModTime(), mtime)
	}
	os.Chmod(filepath.Join(s.root, "ro"), 0o755) // so that TempDir can clean up
	s.check(t)
}

// capNetRaw is a security.capability attribute (VFS_CAP_REVISION_2,
// effective) granting CAP_NET_RAW, as ping carries.
const capNetRaw = "\x01\x00\x00\x02\x00\x20\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"

func TestUnpackKeepOwners(t *testing.T) {
	ping := tfile("ping", "ping")
	ping.pax = map[string]string{"SCHILY.xattr.security.capability": capNetRaw, "SCHILY.xattr.user.origin": "debian"}
	dir := tdir("d/")
	dir.pax = map[string]string{"SCHILY.xattr.user.dir": "yes"}
	for _, keep := range []bool{true, false} {
		t.Run(fmt.Sprint("keep=", keep), func(t *testing.T) {
			s := newSandbox(t)
			img := imageOf(t, []ent{twithMode(tfile("su", "su"), 0o4755), twithMode(tfile("sg", "sg"), 0o2755), dir, ping})
			rep, err := Unpack(context.Background(), img, s.root, UnpackOptions{KeepOwners: keep})
			if err != nil {
				t.Fatal(err)
			}
			fi, _ := os.Stat(filepath.Join(s.root, "su"))
			if (fi.Mode()&fs.ModeSetuid != 0) != keep {
				t.Errorf("su mode %v, want setuid only with KeepOwners", fi.Mode())
			}
			fi, _ = os.Stat(filepath.Join(s.root, "sg"))
			if (fi.Mode()&fs.ModeSetgid != 0) != keep {
				t.Errorf("sg mode %v, want setgid only with KeepOwners", fi.Mode())
			}
			// The report records the attributes from the headers, root
			// or not, whether or not the host file could take them.
			if keep {
				if o := rep.Owners["ping"]; o.Xattrs["security.capability"] != capNetRaw || o.Xattrs["user.origin"] != "debian" {
					t.Errorf("recorded attributes of ping: %q", o.Xattrs)
				}
				if o := rep.Owners["d"]; o.Xattrs["user.dir"] != "yes" {
					t.Errorf("recorded attributes of d: %q", o.Xattrs)
				}
			}
			if os.Geteuid() != 0 {
				return
			}
			for _, n := range []string{"su", "d", "ping"} {
				fi, _ := os.Stat(filepath.Join(s.root, n))
				st := fi.Sys().(*syscall.Stat_t)
				want := uint32(0)
				if keep {
					want = 1000
				}
				if st.Uid != want || st.Gid != want {
					t.Errorf("%s owned by %d:%d, want %d:%d", n, st.Uid, st.Gid, want, want)
				}
			}
			buf := make([]byte, 64)
			n, err := unix.Lgetxattr(filepath.Join(s.root, "ping"), "security.capability", buf)
			if keep && (err != nil || string(buf[:n]) != capNetRaw) {
				t.Errorf("ping capability %x, %v; want %x", buf[:max(n, 0)], err, capNetRaw)
			}
			if !keep && err == nil {
				t.Errorf("ping has a capability without KeepOwners")
			}
			for _, x := range []struct{ file, name, want string }{{"ping", "user.origin", "debian"}, {"d", "user.dir", "yes"}} {
				n, err := unix.Lgetxattr(filepath.Join(s.root, x.file), x.name, buf)
				if keep && (err != nil || string(buf[:n]) != x.want) {
					t.Errorf("%s %s = %q, %v; want %q", x.file, x.name, buf[:max(n, 0)], err, x.want)
				}
				if !keep && err == nil {
					t.Errorf("%s has %s without KeepOwners", x.file, x.name)
				}
			}
			if len(rep.LostXattrs) > 0 {
				t.Errorf("lost extended attributes: %v", rep.LostXattrs)
			}
			s.check(t)
		})
	}
}

// TestUnpackOwners checks the owners the report records: those of the tar
// headers (every test entry is 1000:1000), root or not, for hard links
// their target's, and none for what a later layer removed.
func TestUnpackOwners(t *testing.T) {
	s := newSandbox(t)
	img := imageOf(t,
		[]ent{tdir("d/"), twithMode(tfile("d/su", "su"), 0o4755), thardlink("d/hl", "d/su"), tsymlink("d/ln", "su"), tdir("gone/"), tfile("gone/f", "f")},
		[]ent{tfile(".wh.gone", "")})
	rep, err := Unpack(context.Background(), img, s.root, UnpackOptions{KeepOwners: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"d", "d/su", "d/hl", "d/ln"} {
		if o, ok := rep.Owners[n]; !ok || o.UID != 1000 || o.GID != 1000 {
			t.Errorf("owner of %s: %+v, %v; want 1000:1000", n, o, ok)
		}
	}
	if m := rep.Owners["d/hl"].Mode; m&fs.ModeSetuid == 0 {
		t.Errorf("hard link mode %v, want its target's setuid mode", m)
	}
	for _, n := range []string{"gone", "gone/f"} {
		if _, ok := rep.Owners[n]; ok {
			t.Errorf("owner recorded for %s, removed by a whiteout", n)
		}
	}
	rep, err = Unpack(context.Background(), img, t.TempDir(), UnpackOptions{})
	if err != nil || rep.Owners != nil {
		t.Errorf("without KeepOwners: owners %v, %v; want none", rep.Owners, err)
	}
	s.check(t)
}

// TestUnpackHostile unpacks layers made to escape the target, and checks
// that each is refused or stays inside, and that nothing outside changed.
func TestUnpackHostile(t *testing.T) {
	base := "" // filled per case with the sandbox's absolute path
	cases := []struct {
		name   string
		layers func() [][]ent
		err    error  // nil: must succeed
		inside string // a path that must exist in the root afterwards
		skip   int    // entries reported as skipped
	}{
		{name: "dotdot", layers: func() [][]ent { return [][]ent{{tfile("../escape", "x")}} }, err: ErrUnsafeEntry},
		{name: "dotdot inside", layers: func() [][]ent { return [][]ent{{tfile("a/../../escape", "x")}} }, err: ErrUnsafeEntry},
		{name: "absolute symlink out", layers: func() [][]ent {
			return [][]ent{{tsymlink("link", base+"/outside")}, {tfile("link/pwned", "x")}}
		}, inside: "{base}/outside/pwned"},
		{name: "absolute symlink to root", layers: func() [][]ent {
			return [][]ent{{tsymlink("link", "/"), tfile("link/etc/pwned", "x")}}
		}, inside: "etc/pwned"},
		{name: "relative symlink escape", layers: func() [][]ent {
			return [][]ent{{tsymlink("link", "../../../../.."), tfile("link/pwned", "x")}}
		}, inside: "pwned"},
		{name: "symlink chain", layers: func() [][]ent {
			return [][]ent{{tsymlink("a", "b"), tsymlink("b", "../outside"), tfile("a/pwned", "x")}}
		}, inside: "outside/pwned"},
		{name: "file over symlink", layers: func() [][]ent {
			return [][]ent{{tsymlink("f", base+"/sentinel")}, {tfile("f", "pwned")}}
		}, inside: "f"},
		{name: "dir over symlink", layers: func() [][]ent {
			return [][]ent{{tsymlink("d", base+"/outside")}, {tdir("d/"), tfile("d/keep", "pwned")}}
		}, inside: "d/keep"},
		{name: "hard link to host passwd", layers: func() [][]ent { return [][]ent{{thardlink("hl", "/etc/passwd")}} }, err: fs.ErrNotExist},
		{name: "hard link dotdot", layers: func() [][]ent { return [][]ent{{thardlink("hl", "../sentinel")}} }, err: ErrUnsafeEntry},
		{name: "hard link through symlink", layers: func() [][]ent {
			return [][]ent{{tsymlink("x", base), thardlink("hl", "x/sentinel")}}
		}, err: fs.ErrNotExist},
		{name: "hard link to outside symlink", layers: func() [][]ent {
			return [][]ent{{tsymlink("s", base+"/sentinel"), thardlink("hl", "s"), tfile("hl", "pwned")}}
		}, inside: "hl"},
		{name: "devices", layers: func() [][]ent {
			return [][]ent{{tspecial("dev/null", tar.TypeChar), tspecial("dev/sda", tar.TypeBlock), tspecial("fifo", tar.TypeFifo)}}
		}, skip: 3},
		{name: "whiteout dot", layers: func() [][]ent { return [][]ent{{tfile("x", "")}, {tfile(".wh..", "")}} }, err: ErrUnsafeEntry},
		{name: "whiteout empty", layers: func() [][]ent { return [][]ent{{tfile("x", "")}, {tfile("./.wh.", "")}} }, err: ErrUnsafeEntry},
		{name: "whiteout dotdot", layers: func() [][]ent { return [][]ent{{tfile("x", "")}, {tfile("d/.wh...", "")}} }, err: ErrUnsafeEntry},
		{name: "opaque root", layers: func() [][]ent { return [][]ent{{tfile("x", "")}, {tfile(".wh..wh..opq", "")}} }, err: ErrUnsafeEntry},
		{name: "opaque root through symlink", layers: func() [][]ent {
			return [][]ent{{tfile("x", ""), tsymlink("up", "../..")}, {tfile("up/.wh..wh..opq", "")}}
		}, err: ErrUnsafeEntry},
		{name: "whiteout through symlink", layers: func() [][]ent {
			return [][]ent{{tsymlink("l", base+"/outside")}, {tfile("l/.wh.keep", "")}}
		}, inside: "l"},
		{name: "whiteout under a file", layers: func() [][]ent {
			return [][]ent{{tfile("a", "x")}, {tfile("a/.wh.b", "")}}
		}, inside: "a"},
		{name: "whiteout of dotdot path", layers: func() [][]ent { return [][]ent{{tfile("../.wh.sentinel", "")}} }, err: ErrUnsafeEntry},
	}
	for _, c := range cases {
		t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
			s := newSandbox(t)
			base = s.base
			img := imageOf(t, c.layers()...)
			rep, err := Unpack(context.Background(), img, s.root, UnpackOptions{})
			switch {
			case c.err == nil && err != nil:
				t.Errorf("Unpack: %v", err)
			case c.err != nil && !errors.Is(err, c.err):
				t.Errorf("Unpack: %v, want %v", err, c.err)
			}
			if c.inside != "" {
				inside := strings.ReplaceAll(c.inside, "{base}", s.base)
				if _, err := os.Lstat(filepath.Join(s.root, inside)); err != nil {
					t.Errorf("%s was not created inside the root: %v", inside, err)
				}
			}
			if rep != nil && len(rep.Skipped) != c.skip {
				t.Errorf("skipped %v, want %d entries", rep.Skipped, c.skip)
			}
			s.check(t)
		})
	}
}

// bomb is a gzip layer holding one file of size zero bytes: a few
// kilobytes that inflate to size.
func bomb(t testing.TB, name string, size int64) v1.Layer {
	var tbuf bytes.Buffer
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	tw := tar.NewWriter(zw)
	tmust(t, tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: size}))
	zeros := make([]byte, 1<<20)
	for n := int64(0); n < size; n += int64(len(zeros)) {
		_, err := tw.Write(zeros[:min(int64(len(zeros)), size-n)])
		tmust(t, err)
	}
	tmust(t, tw.Close())
	tmust(t, zw.Close())
	_ = tbuf
	b := gz.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
	tmust(t, err)
	return l
}

func TestUnpackLimits(t *testing.T) {
	ctx := context.Background()
	t.Run("decompression bomb", func(t *testing.T) {
		s := newSandbox(t)
		l := bomb(t, "zeros", 16<<20)
		if sz, _ := l.Size(); sz > 1<<20 {
			t.Fatalf("the bomb is not one: %d compressed bytes", sz)
		}
		img, err := mutate.AppendLayers(empty.Image, l)
		tmust(t, err)
		_, err = Unpack(ctx, img, s.root, UnpackOptions{MaxTotalSize: 1 << 20})
		if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), `"zeros"`) || !strings.Contains(err.Error(), "layer 0") {
			t.Errorf("Unpack: %v, want ErrLimit naming layer 0 and entry zeros", err)
		}
		if fi, err := os.Stat(filepath.Join(s.root, "zeros")); err == nil && fi.Size() > 1<<20 {
			t.Errorf("wrote %d bytes past the limit", fi.Size())
		}
		s.check(t)
	})
	t.Run("file size", func(t *testing.T) {
		s := newSandbox(t)
		img := imageOf(t, []ent{tfile("small", "ok"), tfile("big", strings.Repeat("x", 4096))})
		_, err := Unpack(ctx, img, s.root, UnpackOptions{MaxFileSize: 1024})
		if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), `"big"`) {
			t.Errorf("Unpack: %v, want ErrLimit naming big", err)
		}
		s.check(t)
	})
	t.Run("total over layers", func(t *testing.T) {
		s := newSandbox(t)
		img := imageOf(t, []ent{tfile("a", strings.Repeat("x", 600))}, []ent{tfile("b", strings.Repeat("x", 600))})
		_, err := Unpack(ctx, img, s.root, UnpackOptions{MaxTotalSize: 1000})
		if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "layer 1") {
			t.Errorf("Unpack: %v, want ErrLimit in layer 1", err)
		}
	})
	t.Run("entries", func(t *testing.T) {
		s := newSandbox(t)
		var ents []ent
		for i := range 20 {
			ents = append(ents, tfile(strings.Repeat("f", i+1), ""))
		}
		_, err := Unpack(ctx, imageOf(t, ents), s.root, UnpackOptions{MaxEntries: 10})
		if !errors.Is(err, ErrLimit) {
			t.Errorf("Unpack: %v, want ErrLimit", err)
		}
	})
	t.Run("canceled", func(t *testing.T) {
		s := newSandbox(t)
		ctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := Unpack(ctx, imageOf(t, []ent{tfile("a", "a")}), s.root, UnpackOptions{})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Unpack: %v, want context.Canceled", err)
		}
	})
}

// FuzzUnpack unpacks arbitrary layer bytes and checks that nothing outside
// the target changed, whatever the outcome.
func FuzzUnpack(f *testing.F) {
	seeds := [][]ent{
		{tdir("etc/"), tfile("etc/passwd", "x"), tsymlink("lib", "usr/lib"), tfile("lib/x", "y"), thardlink("h", "etc/passwd")},
		{tsymlink("up", "../../.."), tfile("up/pwned", "x"), tsymlink("abs", "/tmp"), tfile("abs/pwned", "x")},
		{tfile(".wh.etc", ""), tfile("d/.wh..wh..opq", ""), tspecial("dev/null", tar.TypeChar), thardlink("l", "/etc/passwd")},
	}
	for _, s := range seeds {
		f.Add(tarOf(f, s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s := newSandbox(t)
		l := layerOf(t, data)
		lower := layerOf(t, tarOf(t, []ent{tdir("etc/"), tfile("etc/passwd", "x"), tsymlink("out", s.base), tsymlink("rel", "../..")}))
		UnpackLayers(context.Background(), []v1.Layer{lower, l}, s.root, UnpackOptions{MaxTotalSize: 1 << 20, MaxEntries: 1000})
		filepath.WalkDir(s.root, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				os.Chmod(p, 0o755) // so that TempDir can clean up
			}
			return nil
		})
		s.check(t)
	})
}

// TestUnpackDebian packs the Debian minbase tree into a layer and checks
// that unpacking it gives the same tree: types, modes, owners, sizes,
// link targets, hard links.
func TestUnpackDebian(t *testing.T) {
	src := testenv.DebianRoot(t)
	if os.Geteuid() != 0 {
		testenv.Missing(t, "comparing owners needs root")
	}
	tmp := t.TempDir()
	layerPath := filepath.Join(tmp, "layer.tar")
	f, err := os.Create(layerPath)
	tmust(t, err)
	tw := tar.NewWriter(f)
	inodes := map[uint64]string{}
	tmust(t, filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == src {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		link := ""
		if fi.Mode()&fs.ModeSymlink != 0 {
			link, _ = os.Readlink(p)
		}
		hdr, err := tar.FileInfoHeader(fi, link)
		if err != nil {
			return nil // sockets
		}
		rel, _ := filepath.Rel(src, p)
		hdr.Name = rel
		st := fi.Sys().(*syscall.Stat_t)
		if fi.Mode().IsRegular() && st.Nlink > 1 {
			if first, ok := inodes[st.Ino]; ok {
				hdr.Typeflag, hdr.Linkname, hdr.Size = tar.TypeLink, first, 0
			} else {
				inodes[st.Ino] = rel
			}
		}
		tmust(t, tw.WriteHeader(hdr))
		if hdr.Typeflag == tar.TypeReg {
			r, err := os.Open(p)
			tmust(t, err)
			_, err = io.Copy(tw, r)
			r.Close()
			tmust(t, err)
		}
		return nil
	}))
	tmust(t, tw.Close())
	tmust(t, f.Close())
	l, err := tarball.LayerFromFile(layerPath)
	tmust(t, err)
	root := filepath.Join(tmp, "root")
	rep, err := UnpackLayers(context.Background(), []v1.Layer{l}, root, UnpackOptions{KeepOwners: true})
	tmust(t, err)
	n := 0
	tmust(t, filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == src {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		a, _ := os.Lstat(p)
		b, err := os.Lstat(filepath.Join(root, rel))
		if !a.Mode().IsRegular() && !a.IsDir() && a.Mode()&fs.ModeSymlink == 0 {
			return nil // devices and the like are not created
		}
		n++
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			return nil
		}
		sa, sb := a.Sys().(*syscall.Stat_t), b.Sys().(*syscall.Stat_t)
		if a.Mode() != b.Mode() || sa.Uid != sb.Uid || sa.Gid != sb.Gid {
			t.Errorf("%s: %v %d:%d, want %v %d:%d", rel, b.Mode(), sb.Uid, sb.Gid, a.Mode(), sa.Uid, sa.Gid)
		}
		if (a.Mode().IsRegular() || a.Mode()&fs.ModeSymlink != 0) && (a.Size() != b.Size() || a.ModTime().Sub(b.ModTime()).Abs() >= time.Second) {
			t.Errorf("%s: size %d time %v, want %d %v", rel, b.Size(), b.ModTime(), a.Size(), a.ModTime())
		}
		if a.Mode()&fs.ModeSymlink != 0 {
			la, _ := os.Readlink(p)
			lb, _ := os.Readlink(filepath.Join(root, rel))
			if la != lb {
				t.Errorf("%s: -> %s, want -> %s", rel, lb, la)
			}
		}
		if a.Mode().IsRegular() && sa.Nlink != sb.Nlink {
			t.Errorf("%s: %d links, want %d", rel, sb.Nlink, sa.Nlink)
		}
		return nil
	}))
	if n < 1000 || rep.Entries < n {
		t.Errorf("compared %d files, unpacked %d entries", n, rep.Entries)
	}
}

// TestUnpackHardlinkToSymlink checks that a hard link to a symlink that
// points out of the tree links the symlink, never the file outside.
func TestUnpackHardlinkToSymlink(t *testing.T) {
	s := newSandbox(t)
	sentinel := filepath.Join(s.base, "sentinel")
	img := imageOf(t, []ent{tsymlink("s", sentinel), thardlink("hl", "s")})
	if _, err := Unpack(context.Background(), img, s.root, UnpackOptions{}); err != nil {
		t.Fatal(err)
	}
	hl, err := os.Lstat(filepath.Join(s.root, "hl"))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := os.Stat(sentinel)
	if hl.Mode()&fs.ModeSymlink == 0 || os.SameFile(hl, out) {
		t.Errorf("hl is %v, same file as the sentinel: %v", hl.Mode(), os.SameFile(hl, out))
	}
	s.check(t)
}

// TestUnpackAgainstExtract applies random layers of files, directories,
// whiteouts and opaque markers with Unpack and with go-containerregistry's
// mutate.Extract, and compares the files they give.
func TestUnpackAgainstExtract(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	// Names say their type, so that no path is a file in one layer and a
	// directory in another (Extract does not model that).
	dirs := []string{"d1", "d2", "d1/d1", "d1/d2", "d2/d1", "d1/d1/d1"}
	var files []string
	for _, d := range append([]string{""}, dirs...) {
		for _, f := range []string{"f1", "f2"} {
			files = append(files, path.Join(d, f))
		}
	}
	for iter := range 200 {
		var layers [][]ent
		for range 1 + r.IntN(4) {
			var l []ent
			for range 1 + r.IntN(8) {
				switch r.IntN(5) {
				case 0:
					l = append(l, tdir(dirs[r.IntN(len(dirs))]+"/"))
				case 1, 2:
					l = append(l, tfile(files[r.IntN(len(files))], fmt.Sprint(r.IntN(1000))))
				case 3:
					all := append(append([]string{}, dirs...), files...)
					victim := all[r.IntN(len(all))]
					l = append(l, tfile(path.Join(path.Dir(victim), ".wh."+path.Base(victim)), ""))
				case 4:
					l = append(l, tfile(dirs[r.IntN(len(dirs))]+"/.wh..wh..opq", ""))
				}
			}
			// A tar names each path once.
			seen := map[string]bool{}
			l = slices.DeleteFunc(l, func(e ent) bool {
				k := strings.TrimSuffix(e.name, "/")
				defer func() { seen[k] = true }()
				return seen[k]
			})
			// mutate.Extract lets a whiteout hide entries of its own layer
			// below the path it names; containerd and the OCI format do
			// not. Leave such whiteouts out.
			l = slices.DeleteFunc(l, func(e ent) bool {
				dir, base := path.Split(e.name)
				victim, ok := strings.CutPrefix(base, ".wh.")
				if !ok || victim == ".wh..opq" {
					return false
				}
				victim = path.Join(dir, victim)
				return slices.ContainsFunc(l, func(o ent) bool {
					n := strings.TrimSuffix(o.name, "/")
					return (n == victim || strings.HasPrefix(n, victim+"/")) && !strings.Contains(n, ".wh.")
				})
			})
			layers = append(layers, l)
		}
		img := imageOf(t, layers...)
		want := map[string]string{}
		tr := tar.NewReader(mutate.Extract(img))
		for {
			hdr, err := tr.Next()
			if err != nil {
				break
			}
			if hdr.Typeflag == tar.TypeReg {
				b, _ := io.ReadAll(tr)
				want[path.Clean(hdr.Name)] = string(b)
			}
		}
		root := filepath.Join(t.TempDir(), "root")
		if _, err := Unpack(context.Background(), img, root, UnpackOptions{}); err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for k, v := range readTree(t, root) {
			if v != "dir" {
				got[k] = v
			}
		}
		if !maps.Equal(got, want) {
			for i, l := range layers {
				var names []string
				for _, e := range l {
					names = append(names, e.name)
				}
				t.Logf("layer %d: %v", i, names)
			}
			t.Fatalf("iteration %d: Unpack gives %v, mutate.Extract %v", iter, got, want)
		}
	}
}
