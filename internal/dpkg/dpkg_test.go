package dpkg

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/dietimg/diet/internal/rootfs"
	"github.com/dietimg/diet/internal/testenv"
)

const status = `Package: libc6
Status: install ok installed
Priority: optional
Installed-Size: 12000
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u4
Description: GNU C Library: Shared libraries
 Contains the standard libraries.

Package: removed
Status: deinstall ok config-files
Version: 1

Package: curl
Status: install ok installed
Architecture: amd64
Version: 7.88.1-10+deb12u5
`

func TestLoad(t *testing.T) {
	fsys := fstest.MapFS{
		"var/lib/dpkg/status":                {Data: []byte(status)},
		"var/lib/dpkg/info/libc6:amd64.list": {Data: []byte("/.\n/lib\n/lib/x86_64-linux-gnu/libc.so.6\n")},
		"var/lib/dpkg/info/curl.list":        {Data: []byte("/usr/bin/curl\n")},
		"var/lib/dpkg/status.d/base":         {Data: []byte("Package: base-files\nVersion: 12.4\nArchitecture: amd64\n")},
		"var/lib/dpkg/status.d/base.md5sums": {Data: []byte("d41d8cd98f00b204e9800998ecf8427e  etc/debian_version\n")},
	}
	db, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if len(db.Packages) != 3 {
		t.Fatalf("packages = %d, want 3 (removed one skipped)", len(db.Packages))
	}
	for _, tc := range []struct{ path, pkg string }{
		{"/lib/x86_64-linux-gnu/libc.so.6", "libc6"},
		{"/usr/lib/x86_64-linux-gnu/libc.so.6", "libc6"}, // merged /usr
		{"/usr/bin/curl", "curl"},
		{"/bin/curl", "curl"},
		{"/etc/debian_version", "base-files"},
		{"/usr/local/bin/x", ""},
	} {
		p, ok := db.Owner(tc.path)
		if got := ""; ok {
			got = p.Name
			if got != tc.pkg {
				t.Errorf("Owner(%s) = %s, want %s", tc.path, got, tc.pkg)
			}
		} else if tc.pkg != "" {
			t.Errorf("Owner(%s): none, want %s", tc.path, tc.pkg)
		}
	}
	owners := db.Owners([]string{"/usr/lib/x86_64-linux-gnu/libc.so.6", "/bin/curl", "/etc/debian_version", "/nope"})
	if len(owners) != 3 || owners["/usr/lib/x86_64-linux-gnu/libc.so.6"].Name != "libc6" || owners["/bin/curl"].Name != "curl" ||
		owners["/etc/debian_version"].Name != "base-files" {
		t.Errorf("Owners = %v", owners)
	}
	libc, _ := db.Package("libc6")
	if libc.Source != "glibc" || libc.InstalledSize != 12000*1024 || libc.PURL() != "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64" {
		t.Errorf("libc6 = %+v, purl %s", libc, libc.PURL())
	}
	if _, err := Load(fstest.MapFS{}); !errors.Is(err, ErrNoDatabase) {
		t.Errorf("empty root: %v", err)
	}
}

func TestLoadDebian(t *testing.T) {
	dir := testenv.DebianFatRoot(t)
	fsys, err := rootfs.Dir(dir)
	if err != nil {
		t.Fatal(err)
	}
	db, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	for path, pkg := range map[string]string{"/usr/bin/curl": "curl", "/usr/lib/x86_64-linux-gnu/libc.so.6": "libc6", "/usr/bin/jq": "jq"} {
		if p, ok := db.Owner(path); !ok || p.Name != pkg {
			t.Errorf("Owner(%s) = %v, want %s", path, p, pkg)
		}
	}
}

func FuzzParseStatus(f *testing.F) {
	f.Add([]byte(status))
	f.Add([]byte("Package: x\n\n\nPackage: y\nInstalled-Size: 9999999999999999999\n"))
	f.Add([]byte("Package:\nStatus: install ok installed\n \n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, p := range ParseStatus(b) {
			if p.Name == "" {
				t.Fatalf("package without a name from %q", b)
			}
			if !strings.HasPrefix(p.PURL(), "pkg:deb/debian/") {
				t.Fatalf("purl %q", p.PURL())
			}
		}
	})
}
