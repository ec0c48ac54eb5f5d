package layer

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/klauspost/compress/zstd"
)

func readTar(t *testing.T, r io.Reader) []*tar.Header {
	t.Helper()
	tr := tar.NewReader(r)
	var hdrs []*tar.Header
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return hdrs
		}
		if err != nil {
			t.Fatal(err)
		}
		hdrs = append(hdrs, h)
	}
}

func TestBuildNormalises(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "prog")
	if err := os.WriteFile(src, []byte("#!/bin/sh\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(src, time.Now(), time.Now())
	entries := []Entry{
		{Path: "/usr/local/bin/prog", Mode: 0o755, Source: src},
		{Path: "/lib64", Mode: fs.ModeSymlink | 0o777, Link: "usr/lib64"},
		{Path: "/etc/passwd", Mode: 0o644, Data: []byte("root:x:0:0::/root:/sbin/nologin\n")},
		{Path: "/tmp", Mode: fs.ModeDir | fs.ModeSticky | 0o777},
		{Path: "/etc/passwd", Mode: 0o644, Data: []byte("root:x:0:0::/root:/sbin/nologin\n")}, // exact duplicate
	}
	epoch := time.Unix(1700000000, 0)
	l, err := Build(entries, Options{Epoch: epoch})
	if err != nil {
		t.Fatal(err)
	}
	rc, _ := l.Uncompressed()
	hdrs := readTar(t, rc)
	var names []string
	for _, h := range hdrs {
		names = append(names, h.Name)
		if !h.ModTime.Equal(epoch) || h.Uname != "" || h.Uid != 0 {
			t.Errorf("%s: not normalised: %v %q %d", h.Name, h.ModTime, h.Uname, h.Uid)
		}
	}
	want := []string{"etc/", "etc/passwd", "lib64", "tmp/", "usr/", "usr/local/", "usr/local/bin/", "usr/local/bin/prog"}
	if len(names) != len(want) {
		t.Fatalf("names = %q, want %q", names, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Fatalf("names = %q, want %q", names, want)
		}
	}
	if hdrs[3].Mode != 0o1777 {
		t.Errorf("/tmp mode = %o", hdrs[3].Mode)
	}
	if hdrs[7].Mode != 0o755 || hdrs[7].Size != 10 {
		t.Errorf("prog mode %o size %d", hdrs[7].Mode, hdrs[7].Size)
	}
	if mt, _ := l.MediaType(); mt != types.OCILayer {
		t.Errorf("media type %s", mt)
	}
}

func TestBuildDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	big := make([]byte, 3*blockSize+12345)
	for i := range big {
		big[i] = byte(rng.IntN(4)) // compressible, but not trivially
	}
	a := []Entry{
		{Path: "/b/big", Mode: 0o644, Data: big},
		{Path: "/a", Mode: 0o644, Data: []byte("a")},
		{Path: "/a b", Mode: 0o644, Data: []byte("ab")},
		{Path: "/a/../c", Mode: fs.ModeSymlink | 0o777, Link: "/a"},
	}
	b := []Entry{a[3], a[2], a[1], a[0]}
	var last, total int64
	l1, err := Build(a, Options{Progress: func(d, t int64) { last, total = d, t }})
	if err != nil {
		t.Fatal(err)
	}
	if last == 0 || last != total {
		t.Errorf("progress ended at %d of %d", last, total)
	}
	old := runtime.GOMAXPROCS(1)
	l2, err := Build(b, Options{})
	runtime.GOMAXPROCS(old)
	if err != nil {
		t.Fatal(err)
	}
	d1, _ := l1.Digest()
	d2, _ := l2.Digest()
	if d1 != d2 {
		t.Fatalf("digests differ: %s %s", d1, d2)
	}
	// The parallel stream must be a valid gzip stream of the tarball.
	rc, _ := l1.Compressed()
	zr, err := gzip.NewReader(rc)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := l1.Uncompressed()
	want, _ := io.ReadAll(u)
	if !bytes.Equal(got, want) {
		t.Fatal("gzip stream does not decompress to the tarball")
	}
	diff, _ := l1.DiffID()
	if s := sha256.Sum256(want); diff.Hex != hex.EncodeToString(s[:]) {
		t.Error("diff id is not the sha256 of the tarball")
	}
	if size, _ := l1.Size(); size >= int64(len(want))/2 {
		t.Errorf("compressed %d of %d bytes: compression is not working", size, len(want))
	}
}

func TestBuildZstd(t *testing.T) {
	l, err := Build([]Entry{{Path: "/x", Mode: 0o644, Data: bytes.Repeat([]byte("x"), 10000)}}, Options{Compression: Zstd})
	if err != nil {
		t.Fatal(err)
	}
	if mt, _ := l.MediaType(); mt != types.OCILayerZStd {
		t.Errorf("media type %s", mt)
	}
	rc, _ := l.Compressed()
	zr, err := zstd.NewReader(rc)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	hdrs := readTar(t, zr)
	if len(hdrs) != 1 || hdrs[0].Name != "x" || hdrs[0].Size != 10000 {
		t.Fatalf("unexpected content %+v", hdrs)
	}
}

func TestBuildErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		entries []Entry
	}{
		{"duplicate", []Entry{{Path: "/a", Mode: 0o644, Data: []byte("1")}, {Path: "/a", Mode: 0o644, Data: []byte("2")}}},
		{"under symlink", []Entry{{Path: "/lib", Mode: fs.ModeSymlink, Link: "usr/lib"}, {Path: "/lib/x", Mode: 0o644}}},
		{"device", []Entry{{Path: "/dev/null", Mode: fs.ModeDevice | 0o666}}},
		{"missing source", []Entry{{Path: "/x", Mode: 0o644, Source: "/nonexistent/diet/x"}}},
		{"empty path", []Entry{{Mode: 0o644}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Build(tc.entries, Options{}); err == nil {
				t.Fatal("no error")
			} else if tc.name == "duplicate" && !errors.Is(err, ErrDuplicate) {
				t.Fatalf("error %v is not ErrDuplicate", err)
			}
		})
	}
	if _, err := Build(nil, Options{Compression: "lz4"}); err == nil {
		t.Error("unknown compression accepted")
	}
}

func TestEmptyLayer(t *testing.T) {
	l, err := Build(nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rc, _ := l.Compressed()
	zr, err := gzip.NewReader(rc)
	if err != nil {
		t.Fatal(err)
	}
	if hdrs := readTar(t, zr); len(hdrs) != 0 {
		t.Fatalf("entries in empty layer: %v", hdrs)
	}
}

// TestHardLinksXattrsTimes writes a hard link whose target sorts after
// it, extended attributes and an entry's own time.
func TestHardLinksXattrsTimes(t *testing.T) {
	epoch := time.Unix(1700000000, 0)
	own := time.Date(2020, 1, 2, 3, 4, 5, 999, time.UTC)
	l, err := Build([]Entry{
		{Path: "/b/data", Mode: 0o755, Data: []byte("content"), Xattrs: map[string]string{"security.capability": "cap", "user.x": "y"}, ModTime: own},
		{Path: "/a/link", Mode: 0o755, HardLink: "/b/data"},
		{Path: "/c/second", Mode: 0o755, HardLink: "/a/link"},
	}, Options{Epoch: epoch})
	if err != nil {
		t.Fatal(err)
	}
	rc, _ := l.Uncompressed()
	byName := map[string]*tar.Header{}
	var order []string
	for _, h := range readTar(t, rc) {
		byName[h.Name] = h
		order = append(order, h.Name)
	}
	first := byName["a/link"]
	if first.Typeflag != tar.TypeReg || first.Size != 7 || first.PAXRecords["SCHILY.xattr.security.capability"] != "cap" || first.PAXRecords["SCHILY.xattr.user.x"] != "y" {
		t.Errorf("a/link, first in the layer, should carry the data and attributes: %+v", first)
	}
	if !first.ModTime.Equal(own.Truncate(time.Second)) {
		t.Errorf("a/link time %v, want %v", first.ModTime, own.Truncate(time.Second))
	}
	for _, n := range []string{"b/data", "c/second"} {
		if h := byName[n]; h.Typeflag != tar.TypeLink || h.Linkname != "a/link" || h.Size != 0 {
			t.Errorf("%s: type %c link %q size %d, want a hard link to a/link", n, h.Typeflag, h.Linkname, h.Size)
		}
	}
	if !byName["b/"].ModTime.Equal(epoch) {
		t.Errorf("added directory b/ time %v, want the epoch", byName["b/"].ModTime)
	}
	for _, tc := range []struct {
		name    string
		entries []Entry
	}{
		{"missing", []Entry{{Path: "/a", Mode: 0o644, HardLink: "/nothere"}}},
		{"to a directory", []Entry{{Path: "/d", Mode: fs.ModeDir | 0o755}, {Path: "/a", Mode: 0o644, HardLink: "/d"}}},
		{"loop", []Entry{{Path: "/a", Mode: 0o644, HardLink: "/b"}, {Path: "/b", Mode: 0o644, HardLink: "/a"}}},
	} {
		if _, err := Build(tc.entries, Options{}); err == nil {
			t.Errorf("hard link %s: no error", tc.name)
		}
	}
}

// TestSourceRead reads content from a host file and from Open while the
// layer is written, and refuses content shorter than its header said.
func TestSourceRead(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "f")
	if err := os.WriteFile(src, bytes.Repeat([]byte("z"), 3*blockSize), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := Build([]Entry{{Path: "/f", Mode: 0o644, Source: src}, {Path: "/g", Mode: 0o644, Size: 2, Open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader([]byte("gg"))), nil
	}}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rc, _ := l.Uncompressed()
	hdrs := readTar(t, rc)
	if len(hdrs) != 2 || hdrs[0].Size != 3*blockSize || hdrs[1].Size != 2 {
		t.Fatalf("headers %+v", hdrs)
	}
	_, err = Build([]Entry{{Path: "/g", Mode: 0o644, Size: 5, Open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader([]byte("gg"))), nil
	}}}, Options{})
	if err == nil || !strings.Contains(err.Error(), "size changed") {
		t.Errorf("short content: %v", err)
	}
}
