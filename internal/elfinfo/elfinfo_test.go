package elfinfo

import (
	"bytes"
	"debug/elf"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"
)

// The expected values below were read with readelf -h -l -d -V -S -n
// --dyn-syms, strings and go version -m from the fixtures that
// testdata/build.sh builds, not from Parse.
var fixtures = []struct {
	name string
	want File
}{
	{"hello-glibc", File{
		Class: "ELF64", Machine: "x86_64", Type: "dyn", Stripped: true, Linkage: Dynamic,
		Interpreter: "/lib64/ld-linux-x86-64.so.2", Libc: Glibc, Needed: []string{"libc.so.6"},
		GlibcMin: "2.34",
	}},
	{"hello-glibc-debug", File{
		Class: "ELF64", Machine: "x86_64", Type: "dyn", Stripped: false,
		// .debug_aranges 0x30 + info 0xc6 + abbrev 0x85 + line 0x66 +
		// frame 0x38 + str 0xa3 + line_str 0x4a + rnglists 0x17.
		DebugSize: 797, Linkage: Dynamic,
		Interpreter: "/lib64/ld-linux-x86-64.so.2", Libc: Glibc, Needed: []string{"libc.so.6"},
		GlibcMin: "2.34",
	}},
	{"hello-static", File{
		Class: "ELF64", Machine: "x86_64", Type: "exec", Stripped: true, Linkage: Static, Libc: None,
	}},
	{"hello-static-pie", File{
		Class: "ELF64", Machine: "x86_64", Type: "dyn", Stripped: true, Linkage: StaticPIE, Libc: None,
	}},
	{"hello-musl", File{
		Class: "ELF64", Machine: "x86_64", Type: "dyn", Stripped: true, Linkage: Dynamic,
		Interpreter: "/lib/ld-musl-x86_64.so.1", Libc: Musl, Needed: []string{"libc.so"},
	}},
	{"hello-musl-static", File{
		Class: "ELF64", Machine: "x86_64", Type: "exec", Stripped: true, Linkage: Static, Libc: None,
	}},
	{"libdemo.so.1", File{
		Class: "ELF64", Machine: "x86_64", Type: "dyn", Stripped: true, Linkage: Dynamic,
		Libc: Glibc, Soname: "libdemo.so.1", Needed: []string{"libc.so.6"}, GlibcMin: "2.2.5",
	}},
	// The same code twice (testdata/src/tlslib.c): as a TLS library its
	// certificate string and its import of X509_STORE_set_default_paths
	// say nothing, its import of getaddrinfo still does.
	{"libssl.so.3", File{
		Class: "ELF64", Machine: "x86_64", Type: "dyn", Stripped: true, Linkage: Dynamic,
		Libc: Glibc, Soname: "libssl.so.3", Needed: []string{"libc.so.6"}, GlibcMin: "2.2.5",
		Needs: []Need{{NeedDNS, "symbol getaddrinfo"}},
	}},
	{"libtlsuser.so.1", File{
		Class: "ELF64", Machine: "x86_64", Type: "dyn", Stripped: true, Linkage: Dynamic,
		Libc: Glibc, Soname: "libtlsuser.so.1", Needed: []string{"libc.so.6"}, GlibcMin: "2.2.5",
		Needs: []Need{
			{NeedCertificates, "symbol X509_STORE_set_default_paths"},
			{NeedCertificates, "string /etc/ssl/certs"},
			{NeedCertificates, "string ca-certificates.crt"},
			{NeedDNS, "symbol getaddrinfo"},
		},
	}},
	{"usedemo-runpath", File{
		Class: "ELF64", Machine: "x86_64", Type: "dyn", Stripped: true, Linkage: Dynamic,
		Interpreter: "/lib64/ld-linux-x86-64.so.2", Libc: Glibc,
		Needed:  []string{"libdemo.so.1", "libc.so.6"},
		RunPath: []string{"$ORIGIN/../lib", "/opt/demo/lib"}, GlibcMin: "2.34",
	}},
	{"usedemo-rpath", File{
		Class: "ELF64", Machine: "x86_64", Type: "dyn", Stripped: true, Linkage: Dynamic,
		Interpreter: "/lib64/ld-linux-x86-64.so.2", Libc: Glibc,
		Needed: []string{"libdemo.so.1", "libc.so.6"},
		RPath:  []string{"/opt/old/lib", "$ORIGIN"}, GlibcMin: "2.34",
	}},
	{"dlopen-note", File{
		Class: "ELF64", Machine: "x86_64", Type: "dyn", Stripped: true, Linkage: Dynamic,
		Interpreter: "/lib64/ld-linux-x86-64.so.2", Libc: Glibc, Needed: []string{"libc.so.6"},
		GlibcMin: "2.34",
		// readelf -n: the idn note (0x9f bytes) comes first, then zstd.
		Dlopen: []Dlopen{
			{Feature: "idn", Description: "IDN support", Priority: "recommended", Sonames: []string{"libidn2.so.0", "libidn.so.12"}},
			{Feature: "pcre", Priority: "required", Sonames: []string{"libpcre2-8.so.0"}},
			{Feature: "zstd", Description: "Support for zstd compression", Priority: "suggested", Sonames: []string{"libzstd.so.1"}},
		},
	}},
	{"needs-glibc", File{
		Class: "ELF64", Machine: "x86_64", Type: "dyn", Stripped: true, Linkage: Dynamic,
		Interpreter: "/lib64/ld-linux-x86-64.so.2", Libc: Glibc, Needed: []string{"libc.so.6"},
		GlibcMin: "2.34",
		Needs: []Need{
			{NeedCertificates, "string /etc/ssl/certs"},
			{NeedCertificates, "string ca-certificates.crt"},
			{NeedCertificates, "string SSL_CERT_FILE"},
			{NeedDNS, "symbol getaddrinfo"},
			{NeedNSS, "symbol getpwnam"},
			{NeedTimezone, "symbol localtime"},
		},
	}},
	{"needs-musl-static", File{
		Class: "ELF64", Machine: "x86_64", Type: "exec", Stripped: true, Linkage: Static, Libc: None,
		Needs: []Need{
			{NeedCertificates, "string /etc/ssl/certs"},
			{NeedCertificates, "string ca-certificates.crt"},
			{NeedCertificates, "string SSL_CERT_FILE"},
			{NeedDNS, "string /etc/resolv.conf"},
			{NeedDNS, "string /etc/hosts"},
			{NeedNSS, "string /etc/passwd"},
			{NeedTimezone, "string /usr/share/zoneinfo"},
			{NeedTimezone, "string /etc/localtime"},
			{NeedTimezone, "string TZif"},
		},
	}},
	{"go-static", File{
		Class: "ELF64", Machine: "x86_64", Type: "exec", Stripped: true, Linkage: Static, Libc: None,
		Go: &GoInfo{
			Version: "go1.26.8", Path: "example.com/gofix", Module: "example.com/gofix",
			CgoEnabled: false, Trimpath: true,
			Settings: map[string]string{
				"-buildmode": "exe", "-compiler": "gc", "-trimpath": "true", "CGO_ENABLED": "0",
				"GOARCH": "amd64", "GOOS": "linux", "GOAMD64": "v1",
			},
		},
		// Function names only: the zoneinfo and certificate paths the
		// standard library holds say nothing.
		Needs: []Need{
			{NeedCertificates, "go func crypto/x509.loadSystemRoots"},
			{NeedCertificates, "go func crypto/x509.SystemCertPool"},
			{NeedCertificates, "go func crypto/x509.systemRootsPool"},
			{NeedTimezone, "go func time.LoadLocation"},
		},
	}},
	{"go-net", File{
		Class: "ELF64", Machine: "x86_64", Type: "exec", Stripped: true, Linkage: Static, Libc: None,
		Go: &GoInfo{
			Version: "go1.26.8", Path: "example.com/gonet", Module: "example.com/gonet",
			CgoEnabled: false, Trimpath: true,
			Settings: map[string]string{
				"-buildmode": "exe", "-compiler": "gc", "-trimpath": "true", "CGO_ENABLED": "0",
				"GOARCH": "amd64", "GOOS": "linux", "GOAMD64": "v1",
			},
		},
		// time.LoadLocation is there, but so is the zoneinfo database
		// of time/tzdata: no timezone need.
		Needs: []Need{
			{NeedDNS, "go func net.dnsReadConfig"},
			{NeedDNS, "go func net.(*Resolver).lookupIP"},
			{NeedDNS, "go func net.(*Resolver).lookupHost"},
			{NeedNSS, "go func os/user.lookupUser"},
			{NeedNSS, "go func os/user.lookupUserId"},
		},
	}},
	{"go-cgo", File{
		Class: "ELF64", Machine: "x86_64", Type: "exec", Stripped: true, Linkage: Dynamic,
		Interpreter: "/lib64/ld-linux-x86-64.so.2", Libc: Glibc, Needed: []string{"libc.so.6"},
		GlibcMin: "2.34",
		Go: &GoInfo{
			Version: "go1.26.8", Path: "example.com/gocgo", Module: "example.com/gocgo",
			CgoEnabled: true, Trimpath: true,
			Settings: map[string]string{
				"-buildmode": "exe", "-compiler": "gc", "-trimpath": "true", "CGO_ENABLED": "1",
				"GOARCH": "amd64", "GOOS": "linux", "GOAMD64": "v1",
			},
		},
		Needs: []Need{
			{NeedNSS, "symbol getgrgid_r"},
			{NeedNSS, "symbol getgrnam_r"},
			{NeedNSS, "symbol getpwnam_r"},
		},
	}},
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseFixtures(t *testing.T) {
	for _, tc := range fixtures {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Open(os.DirFS("testdata"), tc.name)
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want
			want.ELFClass, want.ELFData, want.ELFMachine = elf.ELFCLASS64, elf.ELFDATA2LSB, elf.EM_X86_64
			if !reflect.DeepEqual(*got, want) {
				t.Errorf("Open(%s):\n got %+v\nwant %+v", tc.name, *got, want)
				if got.Go != nil && want.Go != nil {
					t.Errorf("go:\n got %+v\nwant %+v", *got.Go, *want.Go)
				}
			}
		})
	}
}

// TestNeedsEvidence checks every piece of evidence against the file
// itself, independently of the scanner: a string must occur in the file,
// an imported symbol must be undefined in debug/elf's view.
func TestNeedsEvidence(t *testing.T) {
	for _, tc := range fixtures {
		b := readFixture(t, tc.name)
		f, err := Parse(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		ef, err := elf.NewFile(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		imports, _ := ef.ImportedSymbols()
		perKind := map[string]int{}
		for _, n := range f.Needs {
			perKind[n.Kind]++
			switch what, arg, _ := strings.Cut(n.Evidence, " "); what {
			case "string":
				if !bytes.Contains(b, []byte(arg)) {
					t.Errorf("%s: %s: %q not in the file", tc.name, n.Evidence, arg)
				}
			case "symbol":
				found := false
				for _, s := range imports {
					found = found || s.Name == arg
				}
				if !found {
					t.Errorf("%s: %s: not an imported symbol", tc.name, n.Evidence)
				}
			case "go":
				if f.Go == nil {
					t.Errorf("%s: %s: not a Go binary", tc.name, n.Evidence)
				}
				fn := strings.TrimPrefix(arg, "func ")
				if !bytes.Contains(b, []byte("\x00"+fn+"\x00")) {
					t.Errorf("%s: %s: %q not a function name in the file", tc.name, n.Evidence, fn)
				}
			default:
				t.Errorf("%s: unknown evidence %q", tc.name, n.Evidence)
			}
		}
		for k, c := range perKind {
			if c > maxEvidence {
				t.Errorf("%s: %d pieces of evidence for %s", tc.name, c, k)
			}
		}
	}
}

// sizeless hides the Size method of a reader, so Parse has to probe.
type sizeless struct{ r io.ReaderAt }

func (s sizeless) ReadAt(p []byte, off int64) (int, error) { return s.r.ReadAt(p, off) }

func TestParseReaders(t *testing.T) {
	b := readFixture(t, "usedemo-runpath")
	want, err := ParseSize(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	fh, err := os.Open("testdata/usedemo-runpath")
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	mapfs := fstest.MapFS{"bin/prog": {Data: b}}
	for name, parse := range map[string]func() (*File, error){
		"bytes.Reader": func() (*File, error) { return Parse(bytes.NewReader(b)) },
		"os.File":      func() (*File, error) { return Parse(fh) },
		"probed":       func() (*File, error) { return Parse(sizeless{bytes.NewReader(b)}) },
		"MapFS":        func() (*File, error) { return Open(mapfs, "bin/prog") },
	} {
		got, err := parse()
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", name, got, want)
		}
	}
	if _, err := Open(mapfs, "missing"); err == nil {
		t.Error("Open of a missing file: no error")
	}
	if _, err := Open(os.DirFS("."), "testdata"); !errors.Is(err, ErrNotELF) {
		t.Errorf("Open of a directory: err = %v, want ErrNotELF", err)
	}
}

func TestProbeSize(t *testing.T) {
	for _, n := range []int{0, 1, 2, 4095, 4096, 4097, 8191, 100000, 1 << 20} {
		if got := probeSize(sizeless{bytes.NewReader(make([]byte, n))}); got != int64(n) {
			t.Errorf("probeSize(%d bytes) = %d", n, got)
		}
	}
}

func TestCompatible(t *testing.T) {
	a, b := &File{ELFClass: elf.ELFCLASS64, ELFMachine: elf.EM_X86_64}, &File{ELFClass: elf.ELFCLASS64, ELFMachine: elf.EM_X86_64}
	if !a.Compatible(b) {
		t.Error("same class and machine: not compatible")
	}
	a.ELFData, b.ELFData = elf.ELFDATA2LSB, elf.ELFDATA2LSB
	for _, c := range []*File{
		{ELFClass: elf.ELFCLASS32, ELFData: elf.ELFDATA2LSB, ELFMachine: elf.EM_X86_64},
		{ELFClass: elf.ELFCLASS64, ELFData: elf.ELFDATA2LSB, ELFMachine: elf.EM_AARCH64},
		{ELFClass: elf.ELFCLASS64, ELFData: elf.ELFDATA2MSB, ELFMachine: elf.EM_X86_64},
	} {
		if a.Compatible(c) {
			t.Errorf("%v %v: compatible with x86_64 ELF64", c.ELFClass, c.ELFMachine)
		}
	}
}

func TestCompareVersions(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"2.34", "2.4", 1},
		{"2.4", "2.34", -1},
		{"2.2.5", "2.2", 1},
		{"2.3.4", "2.4", -1},
		{"2.17", "2.17", 0},
		{"10.0", "9.99", 1},
	} {
		a, _ := parseVersion(tc.a)
		b, _ := parseVersion(tc.b)
		if got := compareVersions(a, b); got != tc.want {
			t.Errorf("compareVersions(%s, %s) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
	for _, bad := range []string{"", "PRIVATE", "2.x", "2..3", "-1"} {
		if _, ok := parseVersion(bad); ok {
			t.Errorf("parseVersion(%q): ok", bad)
		}
	}
}

// patch returns a copy of b with v written at off.
func patch(b []byte, off int, v ...byte) []byte {
	c := bytes.Clone(b)
	copy(c[off:], v)
	return c
}

func le16(v uint16) []byte { return []byte{byte(v), byte(v >> 8)} }
func le32(v uint32) []byte { return []byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)} }
func le64get(b []byte) uint64 {
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

func le64(v uint64) []byte { return append(le32(uint32(v)), le32(uint32(v>>32))...) }

// sectionHeader returns the file offset of the header of the named
// section of the ELF64 file b.
func sectionHeader(t *testing.T, b []byte, name string) int {
	t.Helper()
	ef, err := elf.NewFile(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	shoff := int(ef.ByteOrder.Uint64(b[40:]))
	for i, s := range ef.Sections {
		if s.Name == name {
			return shoff + i*64
		}
	}
	t.Fatalf("no section %s", name)
	return 0
}

// noSections drops the section header table, the way sstrip does.
func noSections(b []byte) []byte {
	c := patch(b, 40, le64(0)...)   // e_shoff
	c = patch(c, 60, le16(0)...)    // e_shnum
	return patch(c, 62, le16(0)...) // e_shstrndx
}

func TestParseWithoutSections(t *testing.T) {
	for _, name := range []string{"usedemo-runpath", "dlopen-note", "needs-glibc", "hello-musl"} {
		b := readFixture(t, name)
		want, err := Parse(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		got, err := Parse(bytes.NewReader(noSections(b)))
		if err != nil {
			t.Fatalf("%s without sections: %v", name, err)
		}
		// Without sections only the dynamic symbols are unknown: evidence
		// from imported symbols is lost, strings are still found.
		want.Needs = nil
		var gotNeeds []Need
		for _, n := range got.Needs {
			if strings.HasPrefix(n.Evidence, "symbol ") {
				t.Errorf("%s without sections: evidence %v", name, n)
			}
			if n.Kind == NeedCertificates {
				gotNeeds = append(gotNeeds, n)
			}
		}
		got.Needs = nil
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s without sections:\n got %+v\nwant %+v", name, got, want)
		}
		if name == "needs-glibc" && len(gotNeeds) == 0 {
			t.Errorf("%s without sections: certificate strings not found", name)
		}
	}
}

func TestParseBadInput(t *testing.T) {
	hello := readFixture(t, "hello-glibc")
	dl := readFixture(t, "dlopen-note")
	for _, tc := range []struct {
		name    string
		b       []byte
		notELF  bool
		wantErr bool
	}{
		{name: "empty", b: nil, notELF: true},
		{name: "script", b: []byte("#!/bin/sh\necho hi\n"), notELF: true},
		{name: "magic only", b: []byte("\x7fELF"), wantErr: true},
		{name: "bad class", b: patch(hello, 4, 3), wantErr: true},
		{name: "bad data", b: patch(hello, 5, 0), wantErr: true},
		{name: "section headers past the end", b: patch(hello, 40, le64(1<<40)...), wantErr: true},
		{name: "program headers past the end", b: patch(hello, 32, le64(1<<40)...), wantErr: true},
		{name: "absurd section count", b: patch(hello, 60, le16(0xfffe)...), wantErr: true},
		{name: "absurd program count", b: patch(hello, 56, le16(0xfffe)...), wantErr: true},
		{name: "extended section count, section 0 empty", b: patch(hello, 60, le16(0)...), wantErr: true},
		{name: "odd section entry size", b: patch(hello, 58, le16(3)...), wantErr: true},
		{name: "shstrndx out of range", b: patch(hello, 62, le16(0x7fff)...), wantErr: true},
		{name: "overflowing offsets", b: patch(hello, 40, le64(^uint64(0)-10)...), wantErr: true},
		{name: "huge .dynamic", b: patch(hello, sectionHeader(t, hello, ".dynamic")+32, le64(1<<40)...), wantErr: true},
		{name: "huge .dynstr", b: patch(hello, sectionHeader(t, hello, ".dynstr")+32, le64(1<<62)...), wantErr: true},
		{name: ".dynstr offset past the end", b: patch(hello, sectionHeader(t, hello, ".dynstr")+24, le64(1<<40)...), wantErr: true},
		{name: "huge .dynsym", b: patch(hello, sectionHeader(t, hello, ".dynsym")+32, le64(1<<40)...), wantErr: true},
		{name: "huge .rodata", b: patch(hello, sectionHeader(t, hello, ".rodata")+32, le64(1<<40)...)},
		{name: "huge .gnu.version_r", b: patch(hello, sectionHeader(t, hello, ".gnu.version_r")+32, le64(1<<40)...)},
		{name: "huge note section", b: patch(dl, sectionHeader(t, dl, ".note.dlopen")+32, le64(1<<40)...)},
		{name: "huge note size", b: patch(dl, int(sectionOffset(t, dl, ".note.dlopen"))+4, le32(0xffffffff)...)},
		{name: "huge note name", b: patch(dl, int(sectionOffset(t, dl, ".note.dlopen")), le32(0xfffffff0)...)},
		{name: "bad note JSON", b: patch(dl, int(sectionOffset(t, dl, ".note.dlopen"))+16, '{')},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse(bytes.NewReader(tc.b))
			switch {
			case tc.notELF:
				if !errors.Is(err, ErrNotELF) {
					t.Errorf("err = %v, want ErrNotELF", err)
				}
			case tc.wantErr:
				if err == nil {
					t.Errorf("no error; got %+v", f)
				} else if errors.Is(err, ErrNotELF) {
					t.Errorf("err = %v for an ELF file", err)
				}
			case err != nil:
				t.Errorf("err = %v, want a result", err)
			}
			if err == nil && f == nil {
				t.Error("nil File without error")
			}
		})
	}
}

func sectionOffset(t *testing.T, b []byte, name string) uint64 {
	t.Helper()
	ef, err := elf.NewFile(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return ef.Section(name).Offset
}

// TestParseTruncated parses every fixture cut at many lengths: an error
// or a result, never a panic.
func TestParseTruncated(t *testing.T) {
	for _, tc := range fixtures {
		b := readFixture(t, tc.name)
		cuts := []int{}
		for i := 0; i <= 128 && i < len(b); i++ {
			cuts = append(cuts, i)
		}
		for i := 1; i < 64; i++ {
			cuts = append(cuts, len(b)*i/64)
		}
		cuts = append(cuts, len(b)-1)
		for _, n := range cuts {
			f, err := Parse(bytes.NewReader(b[:n]))
			if err == nil && f == nil {
				t.Errorf("%s cut at %d: nil File without error", tc.name, n)
			}
		}
	}
}

func TestParseDlopenNotes(t *testing.T) {
	note := func(owner string, typ uint32, desc string, pad int) []byte {
		up := func(n int) int { return (n + pad - 1) / pad * pad }
		b := append(le32(uint32(len(owner)+1)), le32(uint32(len(desc)))...)
		b = append(b, le32(typ)...)
		name := make([]byte, up(len(owner)+1))
		copy(name, owner)
		d := make([]byte, up(len(desc)))
		copy(d, desc)
		return append(append(b, name...), d...)
	}
	u32 := func(b []byte) uint32 { return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24 }
	js := `[{"soname":["libx.so.1"]}]`
	for _, tc := range []struct {
		name  string
		b     []byte
		align uint64
		want  int
	}{
		{"one", note("FDO", ntDlopen, js, 4), 4, 1},
		{"two", append(note("FDO", ntDlopen, js, 4), note("FDO", ntDlopen, js+"\x00", 4)...), 4, 2},
		{"other owner", append(note("GNU", ntDlopen, js, 4), note("FDO", 1, js, 4)...), 4, 0},
		{"eight-byte padding", append(note("GNU", 5, "abcdefghi", 8), note("FDO", ntDlopen, js, 8)...), 8, 1},
		{"truncated", note("FDO", ntDlopen, js, 4)[:20], 4, 0},
		{"empty", nil, 4, 0},
	} {
		if got := notes(tc.b, u32, tc.align, dlopenOwner, ntDlopen); len(got) != tc.want {
			t.Errorf("%s: %d notes, want %d", tc.name, len(got), tc.want)
		}
	}
}

func TestParseShebang(t *testing.T) {
	long := "#!/bin/" + strings.Repeat("x", 300)
	for _, tc := range []struct {
		in          string
		interp, arg string
		ok          bool
	}{
		{"#!/bin/sh\necho\n", "/bin/sh", "", true},
		{"#! /bin/sh\n", "/bin/sh", "", true},
		{"#!/usr/bin/env python3\n", "/usr/bin/env", "python3", true},
		{"#!/usr/bin/env  -S python3 -u  \n", "/usr/bin/env", "-S python3 -u", true},
		{"#!/bin/sh\t-e\n", "/bin/sh", "-e", true},
		{"#!/bin/sh\r\n", "/bin/sh\r", "", true},
		{"#!/bin/sh", "/bin/sh", "", true},
		{"#!/bin/bash -x", "/bin/bash", "-x", true},
		{"#!\n", "", "", false},
		{"#!   \t \n", "", "", false},
		{"#!", "", "", false},
		{"", "", "", false},
		{"#", "", "", false},
		{"\x7fELF", "", "", false},
		{" #!/bin/sh\n", "", "", false},
		{long, "", "", false}, // the interpreter may be cut
		{"#!/bin/sh " + strings.Repeat("a", 300), "/bin/sh", strings.Repeat("a", 256-11), true},
		{"#!/bin/sh\x00junk\n", "/bin/sh", "", true},
	} {
		interp, arg, ok := ParseShebang(strings.NewReader(tc.in))
		if interp != tc.interp || arg != tc.arg || ok != tc.ok {
			t.Errorf("ParseShebang(%.40q) = %q, %q, %v; want %q, %q, %v", tc.in, interp, arg, ok, tc.interp, tc.arg, tc.ok)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	for _, name := range []string{"hello-glibc", "needs-glibc", "hello-static", "go-static", "go-net"} {
		data := readFixture(b, name)
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestParseMemory checks that headers claiming huge tables do not make
// Parse allocate much more than the file.
func TestParseMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("measures allocations")
	}
	hello := readFixture(t, "hello-glibc")
	dl := readFixture(t, "dlopen-note")
	inputs := map[string][]byte{
		"section count":  patch(hello, 60, le16(0xffff)...),
		"program count":  patch(hello, 56, le16(0xffff)...),
		".dynstr size":   patch(hello, sectionHeader(t, hello, ".dynstr")+32, le64(1<<35)...),
		".dynsym size":   patch(hello, sectionHeader(t, hello, ".dynsym")+32, le64(1<<35)...),
		".rodata size":   patch(hello, sectionHeader(t, hello, ".rodata")+32, le64(1<<35)...),
		"note size":      patch(dl, sectionHeader(t, dl, ".note.dlopen")+32, le64(1<<35)...),
		"note desc size": patch(dl, int(sectionOffset(t, dl, ".note.dlopen"))+4, le32(0xfffffff0)...),
	}
	// Every dynamic entry a DT_NEEDED naming the same 1 MiB string.
	long := append(bytes.Clone(hello), bytes.Repeat([]byte("A"), 1<<20)...)
	sh := sectionHeader(t, long, ".dynstr")
	long = patch(long, sh+24, le64(uint64(len(hello)))...)
	long = patch(long, sh+32, le64(1<<20)...)
	dyn := sectionHeader(t, long, ".dynamic")
	dynOff, dynSize := int(le64get(long[dyn+24:])), int(le64get(long[dyn+32:]))
	for i := 0; i+16 <= dynSize; i += 16 {
		long = patch(long, dynOff+i, append(le64(uint64(elf.DT_NEEDED)), le64(0)...)...)
	}
	inputs["long DT_NEEDED strings"] = long
	for name, b := range inputs {
		allocs := testing.AllocsPerRun(1, func() { Parse(bytes.NewReader(b)) })
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		Parse(bytes.NewReader(b))
		runtime.ReadMemStats(&after)
		if got := after.TotalAlloc - before.TotalAlloc; got > 8<<20 {
			t.Errorf("%s: Parse allocated %d bytes (%v allocations) for a file of %d", name, got, allocs, len(b))
		}
	}
}

// BenchmarkParseSystem parses every regular file of the directories in
// $DIET_BENCH_DIRS (default /usr/bin), ELF or not, as diet inspect does
// over a root file system. bench/elfinfo.sh compares it with ldd.
func BenchmarkParseSystem(b *testing.B) {
	dirs := strings.Fields(os.Getenv("DIET_BENCH_DIRS"))
	if len(dirs) == 0 {
		dirs = []string{"/usr/bin"}
	}
	var files []string
	for _, d := range dirs {
		ents, _ := os.ReadDir(d)
		for _, e := range ents {
			if e.Type().IsRegular() {
				files = append(files, filepath.Join(d, e.Name()))
			}
		}
	}
	if len(files) == 0 {
		b.Skipf("no files in %v", dirs)
	}
	elfs := 0
	for b.Loop() {
		elfs = 0
		for _, p := range files {
			fh, err := os.Open(p)
			if err != nil {
				continue
			}
			if _, err := Parse(fh); err == nil {
				elfs++
			}
			fh.Close()
		}
	}
	b.ReportMetric(float64(len(files)), "files/op")
	b.ReportMetric(float64(elfs), "elf/op")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(files)), "µs/file")
}

// TestParseGoRootFixtures uses debug/elf's own test files for what this
// machine cannot build: a 32-bit file and another machine. Values from
// readelf.
func TestParseGoRootFixtures(t *testing.T) {
	dir := goTestdata(t)
	for _, tc := range []struct {
		name string
		want File
	}{
		{"gcc-386-freebsd-exec", File{
			Class: "ELF32", Machine: "i386", Type: "exec", Stripped: false,
			// .debug_aranges 0x20 + pubnames 0x1b + info 0x11d + abbrev 0x41 +
			// line 0x35 + frame 0x30 + str 0xd.
			DebugSize: 523, Linkage: Dynamic, Interpreter: "/libexec/ld-elf.so.1",
			Libc: Glibc, Needed: []string{"libc.so.6"},
			ELFClass: elf.ELFCLASS32, ELFData: elf.ELFDATA2LSB, ELFMachine: elf.EM_386,
		}},
		{"gcc-riscv64-linux-exec", File{
			Class: "ELF64", Machine: "riscv", Type: "exec", Stripped: true, Linkage: Dynamic,
			Interpreter: "/lib/ld-linux-riscv64-lp64d.so.1", Libc: Glibc, Needed: []string{"libc.so.6"},
			GlibcMin: "2.34", ELFClass: elf.ELFCLASS64, ELFData: elf.ELFDATA2LSB, ELFMachine: elf.EM_RISCV,
			ELFFlags: 0x5, // EF_RISCV_RVC | EF_RISCV_FLOAT_ABI_DOUBLE
		}},
	} {
		b, err := os.ReadFile(filepath.Join(dir, tc.name))
		if err != nil {
			t.Skipf("debug/elf test files: %v", err)
		}
		got, err := Parse(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !reflect.DeepEqual(*got, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, *got, tc.want)
		}
	}
}

func TestFuncnametab(t *testing.T) {
	b := readFixture(t, "go-static")
	ef, err := elf.NewFile(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	s := ef.Section(".gopclntab")
	p := &parser{ef: ef, r: bytes.NewReader(b), size: int64(len(b))}
	rg := p.funcnametab(s)
	if rg.off <= s.Offset || rg.size >= s.Size/2 {
		t.Fatalf("funcnametab = %+v, section at %d, %d bytes", rg, s.Offset, s.Size)
	}
	names := b[rg.off : rg.off+rg.size]
	for _, fn := range []string{"runtime.main", "main.main", "crypto/x509.SystemCertPool"} {
		if !bytes.Contains(names, []byte("\x00"+fn+"\x00")) {
			t.Errorf("%s not in the function names", fn)
		}
	}
}
