package reach

import (
	"io/fs"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/dietimg/diet/internal/rootfs"
	"github.com/dietimg/diet/internal/testenv"
	"github.com/dietimg/diet/internal/why"
)

// bnCorpus opens a fixture tree as slim's reach stage sees the image.
func bnCorpus(t *testing.T, dir string) (rootfs.FS, *Reacher) {
	t.Helper()
	fsys, err := rootfs.Dir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return fsys, New(&Image{FS: fsys})
}

// bnScan scans p with every language, as slim does, and returns the
// byName finds in foundList's form, after checking their reasons.
func bnScan(t *testing.T, r *Reacher, p string) []string {
	t.Helper()
	found, skipped := r.Scan(p)
	if skipped != nil {
		t.Fatalf("Scan(%s) skipped: %s", p, skipped.Err)
	}
	var mine []Found
	for _, f := range found {
		if strings.HasPrefix(f.Reason.Detail, "by name: ") {
			if f.Reason.Kind != why.Data || f.Reason.By != p {
				t.Errorf("%s: reason %+v", f.Path, f.Reason)
			}
			mine = append(mine, f)
		}
	}
	if len(mine) == 0 {
		t.Fatalf("Scan(%s) found nothing by name", p)
	}
	return foundList(mine)
}

// bnWant checks that got has each of want and none of not.
func bnWant(t *testing.T, got, want, not []string) {
	t.Helper()
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("%s not found in %q", w, got)
		}
	}
	for _, n := range not {
		for _, g := range got {
			if strings.HasSuffix(g, " "+n) || strings.Contains(g, " "+n+"/") {
				t.Errorf("%s kept: %s", n, g)
			}
		}
	}
}

// bnSize counts the regular files and their bytes that finds keep, trees
// walked (a Program's closure is not counted).
func bnSize(t *testing.T, fsys rootfs.FS, got []string) (files int, bytes int64) {
	t.Helper()
	for _, g := range got {
		as, p, _ := strings.Cut(g, " ")
		res, err := rootfs.Resolve(fsys, p)
		if err != nil {
			t.Fatal(err)
		}
		if as != "tree" {
			fi, err := fs.Stat(fsys, rootfs.Rel(res.Path))
			if err != nil {
				t.Fatal(err)
			}
			files, bytes = files+1, bytes+fi.Size()
			continue
		}
		err = fs.WalkDir(fsys, rootfs.Rel(res.Path), func(_ string, d fs.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				fi, err := d.Info()
				if err != nil {
					return err
				}
				files, bytes = files+1, bytes+fi.Size()
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return files, bytes
}

// TestByNamePostgresCorpus keeps the catalog's and the extensions'
// modules (not the JIT's), the share data
// and the system zones of Debian's PostgreSQL 15, from a file of the
// share directory the server reads at every start (the server's binary,
// 9 MB, is larger than Scan reads), and from the binary as slim would
// scan a smaller one.
func TestByNamePostgresCorpus(t *testing.T) {
	fsys, r := bnCorpus(t, testenv.CorpusTree(t, "postgres"))
	const lib, share = "/usr/lib/postgresql/15/lib/", "/usr/share/postgresql/15/"
	got := bnScan(t, r, share+"timezonesets/Default")
	bnWant(t, got, []string{
		"program " + lib + "plpgsql.so", "program " + lib + "dict_snowball.so", "program " + lib + "utf8_and_iso8859_1.so",
		"program " + lib + "euc2004_sjis2004.so", "program " + lib + "latin2_and_win1250.so", "program " + lib + "cyrillic_and_mic.so",
		"program " + lib + "pg_trgm.so", "program " + lib + "hstore.so",
		"tree " + share + "timezonesets", "tree " + share + "tsearch_data", "tree " + share + "extension",
		"tree /usr/share/zoneinfo/Europe", "file /usr/share/zoneinfo/UTC", "file /usr/share/zoneinfo/tzdata.zi",
	}, []string{lib + "llvmjit.so", lib + "llvmjit_types.bc", lib + "bitcode", lib + "pgxs",
		"/usr/share/zoneinfo/right", "/usr/share/zoneinfo/posix", share + "man"})
	files, bytes := bnSize(t, fsys, got)
	t.Logf("postgres: %d finds, %d files, %d bytes", len(got), files, bytes)

	found, err := newByName(&Image{FS: fsys}).Reach("/usr/lib/postgresql/15/bin/postgres", nil)
	if err != nil {
		t.Fatal(err)
	}
	if b := foundList(found); !slices.Equal(b, got) {
		t.Errorf("the server finds\n%q\nthe share file\n%q", b, got)
	}
}

// TestByNameDebian reads the configurations of a Debian minbase tree:
// its nsswitch.conf, a pam.d stack, gconv and the zones.
func TestByNameDebian(t *testing.T) {
	fsys, r := bnCorpus(t, testenv.DebianRoot(t))
	const multi = "/lib/x86_64-linux-gnu/"
	got := bnScan(t, r, "/etc/nsswitch.conf")
	// files and dns are built into glibc 2.36, but Debian still ships
	// their stubs; db (libnss_db) and nis are not installed.
	bnWant(t, got, []string{"program " + multi + "libnss_files.so.2", "program " + multi + "libnss_dns.so.2"}, nil)
	if len(got) != 2 {
		t.Errorf("nsswitch.conf: %q", got)
	}

	got = bnScan(t, r, "/etc/pam.d/su")
	bnWant(t, got, []string{
		"program " + multi + "security/pam_rootok.so", "program " + multi + "security/pam_env.so",
		"program " + multi + "security/pam_limits.so", "file /etc/pam.d/common-auth", "file /etc/pam.d/common-session",
	}, []string{"/usr/lib/x86_64-linux-gnu/security/pam_rootok.so"})
	got = bnScan(t, r, "/etc/pam.d/common-auth")
	bnWant(t, got, []string{"program " + multi + "security/pam_unix.so", "program " + multi + "security/pam_deny.so",
		"program " + multi + "security/pam_permit.so"}, nil)
	for _, name := range readDir(fsys, "/etc/pam.d") {
		if _, skipped := r.Scan(path.Join("/etc/pam.d", name)); skipped != nil {
			t.Errorf("%s skipped: %s", name, skipped.Err)
		}
	}

	const gconv = "/usr/lib/x86_64-linux-gnu/gconv/"
	got = bnScan(t, r, gconv+"IBM1047.so")
	bnWant(t, got, []string{"file " + gconv + "gconv-modules", "file " + gconv + "gconv-modules.cache",
		"file " + gconv + "gconv-modules.d/gconv-modules-extra.conf", "program " + gconv + "ISO8859-15.so",
		"program " + gconv + "CP1252.so", "program " + gconv + "KOI8-R.so"},
		[]string{gconv + "IBM1047.so", gconv + "EBCDIC-US.so", gconv + "libJIS.so", gconv + "EUC-JP.so"})
	files, bytes := bnSize(t, fsys, got)
	t.Logf("gconv: %d files, %d bytes before ELF closures", files, bytes)
	if cache, _ := r.Scan(gconv + "gconv-modules.cache"); len(cache) != 0 {
		t.Errorf("the cache alone reaches %v: want nothing (every glibc program reads it)", cache)
	}

	if local, _ := r.Scan("/usr/share/zoneinfo/Etc/UTC"); len(local) != 0 {
		t.Errorf("the local zone reaches %v: want nothing (any program asking the time reads it)", local)
	}
	got = bnScan(t, r, "/usr/share/zoneinfo/Europe/Paris")
	bnWant(t, got, []string{"tree /usr/share/zoneinfo/America", "file /usr/share/zoneinfo/zone1970.tab"},
		[]string{"/usr/share/zoneinfo/right", "/usr/share/zoneinfo/posix"})
	files, bytes = bnSize(t, fsys, got)
	t.Logf("tzdata: %d files, %d bytes", files, bytes)
}

// TestByNamePerlCorpus keeps Encode's encodings in Debian's perl but the
// East Asian ones.
func TestByNamePerlCorpus(t *testing.T) {
	fsys, r := bnCorpus(t, testenv.CorpusTree(t, "perl"))
	const arch = "/usr/lib/x86_64-linux-gnu/perl/5.36.0/"
	got := bnScan(t, r, arch+"Encode.pm")
	bnWant(t, got, []string{
		"file " + arch + "Encode/Byte.pm", "file " + arch + "Encode/Config.pm", "tree " + arch + "Encode/MIME",
		"program " + arch + "auto/Encode/Encode.so", "program " + arch + "auto/Encode/Byte/Byte.so",
		"program " + arch + "auto/Encode/Unicode/Unicode.so",
	}, []string{arch + "Encode/JP.pm", arch + "Encode/JP", arch + "auto/Encode/JP", arch + "auto/Encode/CN/CN.so"})
	files, bytes := bnSize(t, fsys, got)
	t.Logf("perl Encode: %d files, %d bytes", files, bytes)
}
