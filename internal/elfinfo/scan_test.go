package elfinfo

import (
	"bytes"
	"debug/elf"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/dietimg/diet/internal/testenv"
)

func evidences(pats []pattern) []string {
	var out []string
	for _, pt := range pats {
		out = append(out, pt.evidence)
	}
	return out
}

func scanParser(b []byte) *parser {
	return &parser{r: bytes.NewReader(b), size: int64(len(b))}
}

// filler is binary-looking data holding every probe byte often, but none
// of the patterns.
func filler(n int) []byte {
	b := make([]byte, n)
	const noise = "\x00\x01/etc-/zTZLSSL_ ca-zone\xff"
	for i := range b {
		b[i] = noise[i%len(noise)]
	}
	return b
}

func TestScanStrings(t *testing.T) {
	at := func(b []byte, off int, s string) { copy(b[off:], s) }
	for _, tc := range []struct {
		name string
		put  func(b []byte)
		want []string
	}{
		{"none", func([]byte) {}, nil},
		{"start and end", func(b []byte) {
			at(b, 0, "/etc/resolv.conf\x00")
			at(b, len(b)-4, "TZif")
		}, []string{"string TZif", "string /etc/resolv.conf"}},
		{"across chunks", func(b []byte) {
			at(b, scanChunk-7, "\x00/usr/share/zoneinfo\x00")
			at(b, 2*scanChunk-30, "x/etc/ssl/certs/ca-certificates.crt\x00")
		}, []string{"string /etc/ssl/certs", "string ca-certificates.crt", "string /usr/share/zoneinfo"}},
		{"not hosts.allow", func(b []byte) { at(b, 100, "/etc/hosts.allow\x00") }, nil},
		{"hosts", func(b []byte) { at(b, 100, "/etc/hosts.allow\x00/etc/hosts\x00") }, []string{"string /etc/hosts"}},
		{"SSL_CERT_", func(b []byte) { at(b, 100, "SSL_CERT_DIR\x00") }, []string{"string SSL_CERT_DIR"}},
	} {
		b := filler(3*scanChunk + 100)
		tc.put(b)
		budget := int64(maxScan)
		got := evidences(scanParser(b).scan([]region{{0, uint64(len(b))}}, stringSet, &budget))
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
		if budget >= maxScan {
			t.Errorf("%s: budget %d not spent", tc.name, budget)
		}
	}
}

// TestScanNames checks that Go function names match whole: the names of
// the standard library that extend one of goFuncs
// (time.LoadLocationFromTZData, in every program that uses package time)
// must not count.
func TestScanNames(t *testing.T) {
	long := string(bytes.Repeat([]byte("a"), scanChunk+10))
	for _, tc := range []struct {
		name  string
		table string
		want  []string
	}{
		{"prefix of a longer name", "\x00time.LoadLocationFromTZData\x00time.LoadLocation.func1\x00", nil},
		{"suffix of a longer name", "\x00xtime.LoadLocation\x00os/user.lookupUserIdx\x00", nil},
		{"exact", "\x00time.LoadLocationFromTZData\x00time.LoadLocation\x00", []string{"go func time.LoadLocation"}},
		{"first and last, no NULs around", "net.dnsReadConfig\x00main.main\x00os/user.lookupGroup",
			[]string{"go func os/user.lookupGroup", "go func net.dnsReadConfig"}},
		{"across chunks", string(bytes.Repeat([]byte("runtime.x\x00"), scanChunk/10)) + "crypto/x509.loadSystemRoots\x00",
			[]string{"go func crypto/x509.loadSystemRoots"}},
		{"tail of a name longer than a chunk", "\x00" + long[:scanChunk] + "time.LoadLocation\x00", nil},
		{"after a name longer than a chunk", "\x00" + long + "\x00time.LoadLocation\x00", []string{"go func time.LoadLocation"}},
	} {
		b := []byte(tc.table)
		budget := int64(maxScan)
		got := evidences(scanParser(b).scanNames([]region{{0, uint64(len(b))}}, goNames, &budget))
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestScanBudget checks that the scans stop at the budget.
func TestScanBudget(t *testing.T) {
	b := filler(2 * scanChunk)
	copy(b[scanChunk+10:], "/etc/passwd\x00time.LoadLocation\x00")
	budget := int64(scanChunk)
	if got := scanParser(b).scan([]region{{0, uint64(len(b))}}, stringSet, &budget); len(got) != 0 || budget != 0 {
		t.Errorf("scan past the budget: %q, budget %d", evidences(got), budget)
	}
	budget = int64(scanChunk)
	if got := scanParser(b).scanNames([]region{{0, uint64(len(b))}}, goNames, &budget); len(got) != 0 || budget != 0 {
		t.Errorf("scanNames past the budget: %q, budget %d", evidences(got), budget)
	}
}

func TestRarest(t *testing.T) {
	for s, want := range map[string]byte{"/etc/": '/', "zoneinfo": 'z', "TZif": 'Z', "ca-certificates.crt": '.'} {
		if got := s[rarest(s)]; got != want {
			t.Errorf("rarest(%q) = %q, want %q", s, got, want)
		}
	}
}

// TestGoNamesWithoutGopclntab finds the function names of a Go program
// whose pclntab has no section of its own, as when the system linker
// links it (inside .data.rel.ro or .rodata), or when the file has no
// section headers at all.
func TestGoNamesWithoutGopclntab(t *testing.T) {
	b := readFixture(t, "go-net")
	want, err := Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if len(want.Needs) == 0 {
		t.Fatal("go-net: no needs")
	}
	// Rename .gopclntab to .rodata: the search passes over the real
	// .rodata first.
	renamed := bytes.Clone(b)
	i := bytes.Index(renamed, []byte("\x00.gopclntab\x00"))
	if i < 0 {
		t.Fatal("no .gopclntab in the section names")
	}
	copy(renamed[i+1:], ".rodata\x00\x00\x00")
	for name, file := range map[string][]byte{"renamed": renamed, "no sections": noSections(b)} {
		ef, err := elf.NewFile(bytes.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		if ef.Section(".gopclntab") != nil {
			t.Fatalf("%s: still a .gopclntab", name)
		}
		got, err := Parse(bytes.NewReader(file))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got.Go == nil || !reflect.DeepEqual(got.Needs, want.Needs) {
			t.Errorf("%s: go %v, needs %v; want %v", name, got.Go, got.Needs, want.Needs)
		}
	}
}

// TestDataOnly checks that the strings of a data library (megabytes of
// data, no code beyond start-up stubs) are not searched, and that those of
// a program with code are.
func TestDataOnly(t *testing.T) {
	b := append(readFixture(t, "needs-glibc"), make([]byte, 2<<20)...)
	big := patch(b, sectionHeader(t, b, ".rodata")+32, le64(2<<20)...)
	withCode := patch(big, sectionHeader(t, big, ".text")+32, le64(8<<10)...)
	for _, tc := range []struct {
		name  string
		b     []byte
		certs bool
	}{
		{"small program", b, true},
		{"data library", big, false},
		{"program with code", withCode, true},
	} {
		f, err := Parse(bytes.NewReader(tc.b))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		certs := false
		for _, n := range f.Needs {
			certs = certs || n.Kind == NeedCertificates
		}
		if certs != tc.certs {
			t.Errorf("%s: needs %v, want certificates %v", tc.name, f.Needs, tc.certs)
		}
	}
}

func TestIsTLS(t *testing.T) {
	for soname, want := range map[string]bool{
		"libssl.so.3":         true,
		"libcrypto.so.3":      true,
		"libssl.so.1.1":       true,
		"libcrypto.so.1.0.0":  true,
		"libgnutls.so.30":     true,
		"libnss3.so":          true,
		"libssl3.so":          true, // NSS's
		"libmbedtls.so.14":    true,
		"libmbedx509.so.1":    true,
		"libmbedcrypto.so.7":  true,
		"libwolfssl.so.35":    true,
		"libboringssl.so":     true,
		"libcurl.so.4":        false, // its CA path is its own
		"libcurl-gnutls.so.4": false,
		"libtls.so.26":        false, // LibreSSL's libtls loads the default CA file itself
		"libgnutls-dane.so.0": false,
		"libk5crypto.so.3":    false,
		"libssl":              false,
		"":                    false,
	} {
		if got := isTLS(soname); got != want {
			t.Errorf("isTLS(%q) = %v, want %v", soname, got, want)
		}
	}
}

// TestCertificateEvidenceDebian reads the real programs and libraries of
// a Debian tree: the TLS libraries nginx loads report no certificate
// evidence, so nginx, which only loads the files its configuration names
// (SSL_CTX_load_verify_locations), needs none; curl does through
// libcurl's compiled-in bundle, Python's _ssl module through
// SSL_CTX_set_default_verify_paths.
func TestCertificateEvidenceDebian(t *testing.T) {
	root := testenv.DebianFatRoot(t)
	const lib = "usr/lib/x86_64-linux-gnu/"
	for _, tc := range []struct {
		path  string
		certs string // the first piece of certificate evidence; "" for none
		other string // evidence of another kind that must remain
	}{
		{"usr/sbin/nginx", "", "symbol getaddrinfo"},
		{lib + "libssl.so.3", "", ""},
		{lib + "libcrypto.so.3", "", "symbol getaddrinfo"},
		{lib + "libgnutls.so.30", "", "symbol getpwuid_r"},
		{lib + "libpcre2-8.so.0", "", ""},
		{lib + "libcrypt.so.1", "", ""},
		{lib + "libz.so.1", "", ""},
		{lib + "libcurl.so.4", "string /etc/ssl/certs", "symbol getaddrinfo"},
		{"usr/lib/python3.11/lib-dynload/_ssl.cpython-311-x86_64-linux-gnu.so", "symbol SSL_CTX_set_default_verify_paths", ""},
	} {
		fh, err := os.Open(filepath.Join(root, tc.path))
		if err != nil {
			t.Fatal(err)
		}
		f, err := Parse(fh)
		fh.Close()
		if err != nil {
			t.Fatalf("%s: %v", tc.path, err)
		}
		certs, other := "", tc.other == ""
		for _, n := range f.Needs {
			if n.Kind == NeedCertificates && certs == "" {
				certs = n.Evidence
			}
			other = other || n.Evidence == tc.other
		}
		if certs != tc.certs || !other {
			t.Errorf("%s: needs %v; want certificates %q and %q", tc.path, f.Needs, tc.certs, tc.other)
		}
	}
}
