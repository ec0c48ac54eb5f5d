package analyze

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/dietimg/diet/internal/why"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// ent is one tar entry of a hand-built layer.
type ent struct {
	name string
	typ  byte // tar.TypeReg when zero
	size int  // content length of a regular file (filled with 'x')
	data string
	link string
}

func reg(name string, size int) ent     { return ent{name: name, size: size} }
func dir(name string) ent               { return ent{name: name, typ: tar.TypeDir} }
func sym(name, target string) ent       { return ent{name: name, typ: tar.TypeSymlink, link: target} }
func hard(name, target string) ent      { return ent{name: name, typ: tar.TypeLink, link: target} }
func text(name string, data string) ent { return ent{name: name, data: data, size: len(data)} }

func layerTar(t testing.TB, es ...ent) []byte {
	t.Helper()
	var b bytes.Buffer
	w := tar.NewWriter(&b)
	for _, e := range es {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: 0o644, Linkname: e.link}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
			h.Size = int64(e.size)
		}
		if h.Typeflag == tar.TypeDir {
			h.Mode = 0o755
		}
		if err := w.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			data := e.data
			if data == "" {
				data = strings.Repeat("x", e.size)
			}
			if _, err := io.WriteString(w, data); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// layeredImage stacks hand-built layers, bottom first.
func layeredImage(t testing.TB, layers ...[]byte) v1.Image {
	t.Helper()
	img := empty.Image
	for i, tb := range layers {
		l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(tb)), nil
		})
		if err != nil {
			t.Fatal(err)
		}
		img, err = mutate.Append(img, mutate.Addendum{Layer: l, History: v1.History{CreatedBy: "layer " + string(rune('0'+i))}})
		if err != nil {
			t.Fatal(err)
		}
	}
	return img
}

const testStatus = `Package: pkga
Status: install ok installed
Architecture: amd64
Version: 1.0
Installed-Size: 2

Package: pkgb
Status: install ok installed
Architecture: all
Version: 2.0-1
Installed-Size: 1

Package: pkgc
Status: deinstall ok config-files
Version: 3
`

// wasteImage is an image whose later layers overwrite and delete files
// of the lower ones in every way a layer can, with known sizes.
func wasteImage(t testing.TB) v1.Image {
	l0 := layerTar(t,
		dir("a/"), reg("a/big", 1000), reg("a/keep", 100),
		dir("dir/"), reg("dir/x", 200), reg("dir/y", 300), dir("dir/sub/"), reg("dir/sub/z", 50),
		dir("opq/"), reg("opq/o1", 70),
		reg("dup", 400),
		sym("link", "a/keep"), hard("hard", "a/keep"),
		sym("bin", "usr/bin"), dir("usr/"), dir("usr/bin/"), reg("usr/bin/tool", 123), reg("usr/bin/t2", 77),
		dir("var/"), dir("var/lib/"), dir("var/lib/dpkg/"), dir("var/lib/dpkg/info/"),
		text("var/lib/dpkg/status", testStatus),
		text("var/lib/dpkg/info/pkga.list", "/.\n/usr\n/usr/bin\n/usr/bin/tool\n/bin/t2\n"),
		text("var/lib/dpkg/info/pkgb:all.list", "/.\n/a/keep\n/a/gone\n"),
	)
	l1 := layerTar(t,
		reg("a/big", 1500),                                         // overwrites 1000
		reg(".wh.dup", 0),                                          // deletes 400
		reg("dir/.wh.y", 0),                                        // deletes 300
		dir("opq/"), reg("opq/.wh..wh..opq", 0), reg("opq/o2", 30), // hides o1 (70)
		reg("dup2", 10),
	)
	l2 := layerTar(t,
		reg(".wh.dir", 0),              // deletes dir/x (200) and dir/sub/z (50)
		reg("a/big", 1500),             // the same again: hides 1500
		dir("dup2/"), reg("dup2/f", 5), // a directory replaces the file (10)
	)
	return layeredImage(t, l0, l1, l2)
}

func TestAnalyzeWaste(t *testing.T) {
	a, err := Image(context.Background(), "test", wasteImage(t), Options{Top: 3, KeepFiles: true})
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(1000 + 400 + 300 + 70 + 250 + 1500 + 10); a.Wasted != want {
		t.Errorf("Wasted = %d, want %d", a.Wasted, want)
	}
	dpkg := int64(len(testStatus) + len("/.\n/usr\n/usr/bin\n/usr/bin/tool\n/bin/t2\n") + len("/.\n/a/keep\n/a/gone\n"))
	l0 := 1000 + 100 + 200 + 300 + 50 + 70 + 400 + 123 + 77 + dpkg
	total := l0 + (1500 + 30 + 10) + (1500 + 5)
	if a.TotalBytes != total {
		t.Errorf("TotalBytes = %d, want %d", a.TotalBytes, total)
	}
	if want := 1 - float64(a.Wasted)/float64(total); a.Efficiency != want {
		t.Errorf("Efficiency = %v, want %v", a.Efficiency, want)
	}
	for i, want := range []int64{1000 + 400 + 300 + 70 + 250, 1500 + 10, 0} {
		if got := a.Layers[i].Wasted; got != want {
			t.Errorf("layer %d wasted %d, want %d", i, got, want)
		}
	}
	// Docker counts regular files and the length of symlink targets.
	for i, want := range []int64{l0 + int64(len("a/keep")+len("usr/bin")), 1500 + 30 + 10, 1500 + 5} {
		if got := a.Layers[i].Uncompressed; got != want {
			t.Errorf("layer %d uncompressed %d, want %d", i, got, want)
		}
	}
	if a.Layers[1].Command != "layer 1" {
		t.Errorf("layer 1 command %q", a.Layers[1].Command)
	}
	var paths []string
	for _, f := range a.Files {
		paths = append(paths, f.Path)
	}
	want := "/a /a/big /a/keep /bin /dup2 /dup2/f /hard /link /opq /opq/o2 /usr /usr/bin /usr/bin/t2 /usr/bin/tool" +
		" /var /var/lib /var/lib/dpkg /var/lib/dpkg/info /var/lib/dpkg/info/pkga.list /var/lib/dpkg/info/pkgb:all.list /var/lib/dpkg/status"
	if got := strings.Join(paths, " "); got != want {
		t.Errorf("merged tree:\n got %s\nwant %s", got, want)
	}
	if a.FileCount != 12 {
		t.Errorf("FileCount = %d, want 12", a.FileCount)
	}
	if len(a.WastedPaths) != 3 || a.WastedPaths[0].Path != "/a/big" || a.WastedPaths[0].Bytes != 2500 ||
		a.WastedPaths[0].Versions != 2 || a.WastedPaths[1].Path != "/dup" || a.WastedPaths[1].Cause != "deleted" {
		t.Errorf("WastedPaths = %+v", a.WastedPaths)
	}
	if len(a.Largest) != 3 || a.Largest[0].Path != "/a/big" || a.Largest[0].Size != 1500 || a.Largest[0].Layer != 2 {
		t.Errorf("Largest = %+v", a.Largest)
	}
	p := a.Packages
	if p == nil || !p.FileLists || len(p.List) != 2 {
		t.Fatalf("Packages = %+v", p)
	}
	// pkga owns tool and t2 (listed as /bin/t2); whether the /bin symlink
	// counts as its /usr/bin is internal/dpkg's business.
	if g := p.List[0]; g.Name != "pkga" || g.Files < 2 || g.Bytes != 200 || g.InstalledSize != 2048 || g.Version != "1.0" {
		t.Errorf("pkga = %+v", g)
	}
	if g := p.List[1]; g.Name != "pkgb" || g.Files != 1 || g.Bytes != 100 {
		t.Errorf("pkgb = %+v", g)
	}
	if p.UnownedFiles+p.List[0].Files+p.List[1].Files != 12 {
		t.Errorf("UnownedFiles = %d", p.UnownedFiles)
	}
	if want := 1500 + 30 + 5 + dpkg; p.UnownedBytes != want {
		t.Errorf("UnownedBytes = %d, want %d", p.UnownedBytes, want)
	}
}

func TestAnalyzeReasons(t *testing.T) {
	sbom := `{"spdxVersion":"SPDX-2.3","files":[{"fileName":"/app","comment":"program"},{"fileName":"/lib/ld.so","comment":"loader of /app"},{"fileName":"/x"}]}`
	img := layeredImage(t, layerTar(t, reg("app", 10), text("sbom.spdx.json", sbom)))
	a, err := Image(context.Background(), "", img, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Reasons) != 2 || a.Reasons[0].Path != "/app" || a.Reasons[0].Reason != (why.Reason{Kind: why.Program}) ||
		a.Reasons[1].Path != "/lib/ld.so" || a.Reasons[1].Reason != (why.Reason{Kind: why.Loader, By: "/app"}) {
		t.Errorf("Reasons = %+v", a.Reasons)
	}
	if a.Packages != nil {
		t.Errorf("Packages = %+v, want none", a.Packages)
	}
}

func TestTreeResolve(t *testing.T) {
	a, err := Image(context.Background(), "", wasteImage(t), Options{KeepFiles: true})
	if err != nil {
		t.Fatal(err)
	}
	tr := NewTree(a.Files)
	for name, want := range map[string]string{"/bin/tool": "/usr/bin/tool", "/link": "/a/keep", "/dir/x": "", "/bin/../a/big": "/a/big"} {
		got, ok := tr.Resolve(name)
		if got != want || ok != (want != "") {
			t.Errorf("Resolve(%s) = %q, %v; want %q", name, got, ok, want)
		}
	}
	if f, ok := tr.Lookup("/usr/bin/t2"); !ok || f.Size != 77 {
		t.Errorf("Lookup(/usr/bin/t2) = %+v, %v", f, ok)
	}
}

// FuzzAnalyzeLayer feeds arbitrary bytes as a layer's tar stream, above a
// well-formed one: reading may fail, but never panics, and the figures
// stay consistent.
func FuzzAnalyzeLayer(f *testing.F) {
	f.Add(layerTar(f, reg("a", 3), reg(".wh.b", 0), dir("c/"), reg("c/.wh..wh..opq", 0), sym("d", "/a"), hard("e", "a")))
	f.Add(layerTar(f, text("var/lib/dpkg/status", testStatus), text("x.spdx.json", `{"files":[{"fileName":"./a","comment":"why"}]}`)))
	f.Add([]byte("not a tar"))
	lower := layerTar(f, reg("a", 10), reg("b", 20), dir("c/"), reg("c/x", 5))
	f.Fuzz(func(t *testing.T, b []byte) {
		m := newMerger(wantContent, 1<<20, 4<<20)
		if _, err := m.addLayer(1, bytes.NewReader(b)); err != nil {
			return
		}
		if _, err := m.addLayer(0, bytes.NewReader(lower)); err != nil {
			t.Fatal(err)
		}
		var wasted int64
		for _, w := range m.waste {
			wasted += w.Size
		}
		if wasted < 0 || wasted > m.total {
			t.Errorf("wasted %d of %d", wasted, m.total)
		}
		packages(m.visible, m.content)
		reasons(m.content)
	})
}
