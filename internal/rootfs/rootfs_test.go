package rootfs

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"testing/fstest"
)

func link(target string) *fstest.MapFile {
	return &fstest.MapFile{Data: []byte(target), Mode: fs.ModeSymlink | 0o777}
}

func TestResolve(t *testing.T) {
	fsys := fstest.MapFS{
		"usr/lib/x86_64-linux-gnu/libz.so.1.2.13": {Data: []byte("z")},
		"usr/lib/x86_64-linux-gnu/libz.so.1":      link("libz.so.1.2.13"),
		"lib":                                     link("usr/lib"),
		"lib64/ld.so":                             link("/lib/x86_64-linux-gnu/../x86_64-linux-gnu/libz.so.1"),
		"escape":                                  link("../../../../usr/lib/x86_64-linux-gnu/libz.so.1"),
		"abs":                                     link("/usr/lib/x86_64-linux-gnu/libz.so.1"),
		"loop1":                                   link("loop2"),
		"loop2":                                   link("loop1"),
		"file":                                    {Data: []byte("f")},
	}
	tests := []struct {
		in    string
		path  string
		links []string
		err   error
	}{
		{in: "/usr/lib/x86_64-linux-gnu/libz.so.1", path: "/usr/lib/x86_64-linux-gnu/libz.so.1.2.13", links: []string{"/usr/lib/x86_64-linux-gnu/libz.so.1"}},
		{in: "/lib/x86_64-linux-gnu/libz.so.1", path: "/usr/lib/x86_64-linux-gnu/libz.so.1.2.13", links: []string{"/lib", "/usr/lib/x86_64-linux-gnu/libz.so.1"}},
		{in: "/lib64/ld.so", path: "/usr/lib/x86_64-linux-gnu/libz.so.1.2.13", links: []string{"/lib64/ld.so", "/lib", "/usr/lib/x86_64-linux-gnu/libz.so.1"}},
		{in: "/escape", path: "/usr/lib/x86_64-linux-gnu/libz.so.1.2.13", links: []string{"/escape", "/usr/lib/x86_64-linux-gnu/libz.so.1"}},
		{in: "/../../abs", path: "/usr/lib/x86_64-linux-gnu/libz.so.1.2.13", links: []string{"/abs", "/usr/lib/x86_64-linux-gnu/libz.so.1"}},
		{in: "/", path: "/"},
		{in: "/loop1", err: ErrLoop},
		{in: "/missing", err: fs.ErrNotExist},
		{in: "/file/x", err: nil},
	}
	for _, tt := range tests {
		got, err := Resolve(fsys, tt.in)
		if tt.in == "/file/x" {
			if err == nil {
				t.Errorf("Resolve(%q): want an error through a regular file", tt.in)
			}
			continue
		}
		if tt.err != nil {
			if !errors.Is(err, tt.err) {
				t.Errorf("Resolve(%q) error = %v, want %v", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Resolve(%q): %v", tt.in, err)
			continue
		}
		if got.Path != tt.path || !reflect.DeepEqual(got.Links, tt.links) {
			t.Errorf("Resolve(%q) = %+v, want %s %v", tt.in, got, tt.path, tt.links)
		}
	}
}

func TestDirStaysInside(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret"), []byte("s"), 0o644)
	os.MkdirAll(filepath.Join(dir, "etc"), 0o755)
	os.WriteFile(filepath.Join(dir, "etc", "secret"), []byte("inside"), 0o644)
	os.Symlink(filepath.Join(outside, "secret"), filepath.Join(dir, "abs"))
	os.Symlink("/etc/secret", filepath.Join(dir, "rooted"))
	fsys, err := Dir(dir)
	if err != nil {
		t.Fatal(err)
	}
	// An absolute link that names a host path resolves inside the root.
	if _, err := Resolve(fsys, "/abs"); err == nil {
		t.Errorf("Resolve(/abs) found %s inside the root; want not found", outside)
	}
	r, err := Resolve(fsys, "/rooted")
	if err != nil || r.Path != "/etc/secret" {
		t.Fatalf("Resolve(/rooted) = %+v, %v", r, err)
	}
	b, err := fs.ReadFile(fsys, Rel(r.Path))
	if err != nil || string(b) != "inside" {
		t.Fatalf("read %s = %q, %v", r.Path, b, err)
	}
	// The OS-level root refuses to follow a link out, even if asked directly.
	if _, err := fs.ReadFile(fsys, "abs"); err == nil {
		t.Errorf("reading abs through the root escaped it")
	}
}

func TestStatReadFile(t *testing.T) {
	fsys := fstest.MapFS{
		"usr/lib/libz.so.1": {Data: []byte("zz")},
		"lib":               link("/usr/lib"),
		"abs":               link("/lib/libz.so.1"),
	}
	fi, err := Stat(fsys, "/lib")
	if err != nil || !fi.IsDir() {
		t.Errorf("Stat(/lib) = %v, %v; want a directory", fi, err)
	}
	if fi, err := Stat(fsys, "/abs"); err != nil || fi.Size() != 2 {
		t.Errorf("Stat(/abs) = %v, %v; want the 2-byte library", fi, err)
	}
	if b, err := ReadFile(fsys, "abs"); err != nil || string(b) != "zz" {
		t.Errorf("ReadFile(abs) = %q, %v; want \"zz\"", b, err)
	}
	if _, err := ReadFile(fsys, "/nope"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadFile(/nope) error = %v; want fs.ErrNotExist", err)
	}
}
