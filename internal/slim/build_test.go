package slim

import (
	"archive/tar"
	"context"
	"io"
	"io/fs"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/dietimg/diet/internal/layer"
	"github.com/dietimg/diet/internal/rootfs"
	"github.com/dietimg/diet/internal/testenv"
	"github.com/dietimg/diet/internal/why"
)

// TestAssembleKeepsWhatProgramsSee unpacks an image with hard links,
// extended attributes, setuid, setgid and sticky bits, owners and
// modification times, keeps everything, and reads the slim's layer back:
// each must be as in the original.
func TestAssembleKeepsWhatProgramsSee(t *testing.T) {
	testenv.Root(t) // owners and security.capability
	mtime := time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC)
	old := time.Date(2019, 1, 2, 3, 4, 5, 0, time.UTC)
	capBind := "\x01\x00\x00\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" // cap_net_bind_service=+ep
	big := make([]byte, 100000)
	rand.NewChaCha8([32]byte{}).Read(big) // incompressible: two copies would show
	orig, err := layer.Build([]layer.Entry{
		{Path: "/srv", Mode: fs.ModeDir | 0o755, ModTime: old},
		{Path: "/srv/www", Mode: fs.ModeDir | 0o750, UID: 33, GID: 33, ModTime: mtime},
		{Path: "/srv/www/index.html", Mode: 0o644, UID: 33, GID: 33, Data: []byte("<p>hi</p>\n"), ModTime: mtime},
		{Path: "/usr", Mode: fs.ModeDir | 0o755, ModTime: old},
		{Path: "/usr/sbin", Mode: fs.ModeDir | 0o755, ModTime: old},
		{Path: "/usr/sbin/server", Mode: 0o755, Data: []byte("server"), ModTime: old, Xattrs: map[string]string{"security.capability": capBind, "user.note": "n"}},
		{Path: "/usr/bin", Mode: fs.ModeDir | 0o755, ModTime: old},
		{Path: "/usr/bin/su", Mode: fs.ModeSetuid | 0o755, Data: []byte("su"), ModTime: old},
		{Path: "/usr/bin/wall", Mode: fs.ModeSetgid | 0o755, GID: 5, Data: []byte("wall"), ModTime: old},
		{Path: "/usr/bin/python3.11", Mode: 0o755, Data: big, ModTime: old},
		{Path: "/usr/bin/python3", Mode: 0o755, HardLink: "/usr/bin/python3.11"},
		{Path: "/tmp", Mode: fs.ModeDir | fs.ModeSticky | 0o777, ModTime: old},
	}, layer.Options{Epoch: time.Unix(0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(empty.Image, orig)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "rootfs")
	rep, err := rootfs.Unpack(context.Background(), img, dir, rootfs.UnpackOptions{KeepOwners: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.LostXattrs) > 0 {
		t.Fatalf("unpack lost %v", rep.LostXattrs)
	}
	tr, err := loadTree(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	fsys, err := rootfs.Dir(dir)
	if err != nil {
		t.Fatal(err)
	}
	k := newKeeper(tr, fsys, &v1.ConfigFile{}, nil)
	for _, p := range tr.paths {
		if p != "/" {
			k.kept[p] = why.Reason{Kind: why.Rule}
		}
	}
	out, err := assemble(k, nil, &v1.ConfigFile{}, Options{Epoch: time.Unix(1700000000, 0)})
	if err != nil {
		t.Fatal(err)
	}
	want := headers(t, orig)
	got := headers(t, firstLayer(t, out.img))
	if len(got) != len(want) {
		t.Errorf("%d entries, want %d", len(got), len(want))
	}
	for name, w := range want {
		g, ok := got[name]
		if !ok {
			t.Errorf("%s: missing", name)
			continue
		}
		if g.Typeflag != w.Typeflag || g.Linkname != w.Linkname || g.Mode != w.Mode || g.Uid != w.Uid || g.Gid != w.Gid || g.Size != w.Size {
			t.Errorf("%s: type %c link %q mode %o owner %d:%d size %d; want %c %q %o %d:%d %d", name,
				g.Typeflag, g.Linkname, g.Mode, g.Uid, g.Gid, g.Size, w.Typeflag, w.Linkname, w.Mode, w.Uid, w.Gid, w.Size)
		}
		if !g.ModTime.Equal(w.ModTime) {
			t.Errorf("%s: modified %v, want %v", name, g.ModTime, w.ModTime)
		}
		for key, v := range w.PAXRecords {
			if g.PAXRecords[key] != v {
				t.Errorf("%s: %s = %q, want %q", name, key, g.PAXRecords[key], v)
			}
		}
	}
	for _, kk := range out.files {
		switch kk.Path {
		case "/usr/sbin/server":
			if len(kk.Xattrs) != 2 || kk.Xattrs[0] != "security.capability" || kk.Xattrs[1] != "user.note" {
				t.Errorf("report of %s: xattrs %v", kk.Path, kk.Xattrs)
			}
		case "/usr/bin/python3.11":
			if kk.HardLink != "/usr/bin/python3" {
				t.Errorf("report of %s: hard link %q", kk.Path, kk.HardLink)
			}
		}
	}
	if size, _ := firstLayer(t, out.img).Size(); size > int64(len(big))*3/2 {
		t.Errorf("slim layer of %d bytes: the hard-linked file is there twice", size)
	}
}

func firstLayer(t *testing.T, img v1.Image) v1.Layer {
	t.Helper()
	ls, err := img.Layers()
	if err != nil || len(ls) == 0 {
		t.Fatalf("layers: %v, %v", ls, err)
	}
	return ls[0]
}

// headers reads a layer's tar headers by name.
func headers(t *testing.T, l v1.Layer) map[string]*tar.Header {
	t.Helper()
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	out := map[string]*tar.Header{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out[h.Name] = h
	}
}
