package reach

import (
	"io/fs"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// bnTestFS is a merged-/usr Debian-like image with a PostgreSQL server
// (and a client alone of another version), an installation under
// /usr/local, glibc's gconv and NSS modules, PAM, the zones and perl.
func bnTestFS() fstest.MapFS {
	m := fstest.MapFS{
		"lib":                          {Mode: fs.ModeSymlink, Data: []byte("usr/lib")},
		"etc/localtime":                {Mode: fs.ModeSymlink, Data: []byte("/usr/share/zoneinfo/UTC")},
		"usr/share/zoneinfo/UTC":       {Data: []byte("TZif")},
		"usr/share/zoneinfo/Europe":    {Mode: fs.ModeDir | 0o755},
		"usr/share/zoneinfo/localtime": {Mode: fs.ModeSymlink, Data: []byte("/etc/localtime")},
	}
	for _, f := range []string{
		"usr/lib/postgresql/15/bin/postgres", "usr/lib/postgresql/15/bin/pg_dump",
		"usr/lib/postgresql/15/lib/plpgsql.so", "usr/lib/postgresql/15/lib/dict_snowball.so",
		"usr/lib/postgresql/15/lib/utf8_and_iso8859_1.so", "usr/lib/postgresql/15/lib/latin2_and_win1250.so",
		"usr/lib/postgresql/15/lib/euc2004_sjis2004.so", "usr/lib/postgresql/15/lib/llvmjit.so",
		"usr/lib/postgresql/15/lib/llvmjit_types.bc", "usr/lib/postgresql/15/lib/hstore.so",
		"usr/lib/postgresql/15/lib/bitcode/plpgsql/pl_exec.bc",
		"usr/share/postgresql/15/timezonesets/Default", "usr/share/postgresql/15/tsearch_data/english.stop",
		"usr/share/postgresql/15/extension/hstore.control", "usr/share/postgresql/15/postgres.bki",
		"usr/share/postgresql/15/man/man1/postgres.1.gz",
		"usr/lib/postgresql/16/bin/pg_dump", "usr/share/postgresql/16/psqlrc.sample",
		"usr/local/bin/postgres", "usr/local/lib/postgresql/plpgsql.so", "usr/local/lib/postgresql/llvmjit.so",
		"usr/local/share/postgresql/timezonesets/Default", "usr/local/share/postgresql/timezone/UTC",
		"usr/local/share/postgresql/timezone/right/UTC",

		"usr/share/zoneinfo/Europe/Paris", "usr/share/zoneinfo/zone.tab", "usr/share/zoneinfo/right/UTC",
		"usr/share/zoneinfo/posix/UTC",

		"usr/lib/x86_64-linux-gnu/gconv/gconv-modules", "usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache",
		"usr/lib/x86_64-linux-gnu/gconv/gconv-modules.d/extra.conf", "usr/lib/x86_64-linux-gnu/gconv/gconv-modules.d/README",
		"usr/lib/x86_64-linux-gnu/gconv/ISO8859-1.so", "usr/lib/x86_64-linux-gnu/gconv/CP1252.so",
		"usr/lib/x86_64-linux-gnu/gconv/EUC-JP.so", "usr/lib/x86_64-linux-gnu/gconv/libJIS.so",
		"usr/lib/x86_64-linux-gnu/gconv/IBM1047.so",

		"usr/lib/x86_64-linux-gnu/libnss_files.so.2", "usr/lib/x86_64-linux-gnu/libnss_sss.so.2",
		"usr/lib/x86_64-linux-gnu/libnss_systemd.so.2", "usr/lib64/libnss_sss.so.2",

		"usr/lib/x86_64-linux-gnu/security/pam_unix.so", "usr/lib/x86_64-linux-gnu/security/pam_env.so",
		"usr/lib/x86_64-linux-gnu/security/pam_deny.so", "usr/lib/x86_64-linux-gnu/security/pam_succeed_if.so",
		"usr/lib/security/pam_limits.so", "etc/default/locale", "etc/security/limits.conf",
		"etc/pam.d/common-account", "etc/pam.d/common-session", "usr/lib/pam.d/common-password",

		"usr/lib/x86_64-linux-gnu/perl/5.36.0/Encode.pm", "usr/lib/x86_64-linux-gnu/perl/5.36.0/Encode/Config.pm",
		"usr/lib/x86_64-linux-gnu/perl/5.36.0/Encode/Byte.pm", "usr/lib/x86_64-linux-gnu/perl/5.36.0/Encode/JP.pm",
		"usr/lib/x86_64-linux-gnu/perl/5.36.0/Encode/JP/JIS7.pm", "usr/lib/x86_64-linux-gnu/perl/5.36.0/Encode/MIME/Header.pm",
		"usr/lib/x86_64-linux-gnu/perl/5.36.0/auto/Encode/Encode.so", "usr/lib/x86_64-linux-gnu/perl/5.36.0/auto/Encode/Byte/Byte.so",
		"usr/lib/x86_64-linux-gnu/perl/5.36.0/auto/Encode/Byte/Byte.bs", "usr/lib/x86_64-linux-gnu/perl/5.36.0/auto/Encode/JP/JP.so",
		"app/lib/My/Encode.pm",
	} {
		m[f] = &fstest.MapFile{Data: []byte(f), Mode: 0o644}
	}
	return m
}

// bnTZ is what the system's zones keep: all but right/ and posix/.
var bnTZ = []string{"file /usr/share/zoneinfo/UTC", "file /usr/share/zoneinfo/localtime", "file /usr/share/zoneinfo/zone.tab",
	"tree /usr/share/zoneinfo/Europe"}

func TestByName(t *testing.T) {
	const pgLib, pgShare = "/usr/lib/postgresql/15/lib/", "/usr/share/postgresql/15/"
	pg := append([]string{
		"program " + pgLib + "dict_snowball.so", "program " + pgLib + "euc2004_sjis2004.so", "program " + pgLib + "hstore.so",
		"program " + pgLib + "latin2_and_win1250.so", "program " + pgLib + "plpgsql.so", "program " + pgLib + "utf8_and_iso8859_1.so",
		"tree " + pgShare + "extension", "tree " + pgShare + "timezonesets", "tree " + pgShare + "tsearch_data",
	}, bnTZ...)
	const gc = "/usr/lib/x86_64-linux-gnu/gconv/"
	gconv := []string{"file " + gc + "gconv-modules", "file " + gc + "gconv-modules.cache", "file " + gc + "gconv-modules.d/extra.conf",
		"program " + gc + "CP1252.so", "program " + gc + "ISO8859-1.so"}
	const sec, arch = "/lib/x86_64-linux-gnu/security/", "/usr/lib/x86_64-linux-gnu/perl/5.36.0/"
	for _, tc := range []struct {
		name, path, src string
		want            []string
	}{
		{"postgres server", "/usr/lib/postgresql/15/bin/postgres", "", pg},
		{"postgres module", pgLib + "hstore.so", "", pg},
		{"postgres time zone abbreviations", pgShare + "timezonesets/Default", "", pg},
		{"postgres under /usr/local, its own zones", "/usr/local/share/postgresql/timezonesets/Default", "", []string{
			"file /usr/local/share/postgresql/timezone/UTC", "program /usr/local/lib/postgresql/plpgsql.so",
			"tree /usr/local/share/postgresql/timezonesets"}},
		{"postgres client alone", "/usr/share/postgresql/16/extension/x.control", "", nil},
		{"gconv cache alone", gc + "gconv-modules.cache", "", nil},
		{"gconv module", gc + "IBM1047.so", "", gconv},
		{"gconv configuration alone", gc + "gconv-modules.d/extra.conf", "", nil},
		{"nsswitch.conf", "/etc/nsswitch.conf",
			"passwd: files sss systemd # users\nhosts: files mdns4_minimal[NOTFOUND=return] dns\n\nnetgroup:\n",
			[]string{"program /lib/x86_64-linux-gnu/libnss_files.so.2", "program /lib/x86_64-linux-gnu/libnss_sss.so.2",
				"program /lib/x86_64-linux-gnu/libnss_systemd.so.2", "program /usr/lib64/libnss_sss.so.2"}},
		{"pam.d", "/etc/pam.d/login", "auth [success=1 default=ignore]\tpam_unix.so nullok\n" +
			"auth required pam_env.so \\\n  envfile=/etc/default/locale motd=/run/motd\n-session optional pam_systemd.so\n" +
			"account include common-account # comment\n@include common-password\n@include common-auth\n" +
			"session required /lib/security/pam_limits.so conf=/etc/security/limits.conf\n",
			[]string{"file /etc/default/locale", "file /etc/pam.d/common-account", "file /etc/security/limits.conf",
				"file /usr/lib/pam.d/common-password", "program /lib/security/pam_limits.so",
				"program " + sec + "pam_env.so", "program " + sec + "pam_unix.so"}},
		{"a zone", "/usr/share/zoneinfo/Europe/Paris", "", bnTZ},
		{"a right/ zone", "/usr/share/zoneinfo/right/UTC", "", bnTZ},
		{"perl Encode", arch + "Encode.pm", "", []string{
			"file " + arch + "Encode/Byte.pm", "file " + arch + "Encode/Config.pm", "program " + arch + "auto/Encode/Byte/Byte.so",
			"program " + arch + "auto/Encode/Encode.so", "tree " + arch + "Encode/MIME"}},
		{"another Encode.pm", "/app/lib/My/Encode.pm", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newByName(&Image{FS: bnTestFS()})
			// A file that reaches nothing may be claimed or not.
			if !b.Claims(tc.path, []byte(tc.src)) {
				if tc.want != nil {
					t.Fatalf("%s not claimed", tc.path)
				}
				return
			}
			found, err := b.Reach(tc.path, []byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range found {
				if f.Reason.By != tc.path || !strings.HasPrefix(f.Reason.Detail, "by name: ") {
					t.Errorf("%s: reason %+v", f.Path, f.Reason)
				}
			}
			checkFinds(t, found, tc.want)
		})
	}
}

func TestByNameClaims(t *testing.T) {
	b := newByName(&Image{FS: bnTestFS()})
	for _, tt := range []struct {
		path string
		want bool
	}{
		{"/usr/lib/postgresql/15/bin/postgres", true}, {"/usr/lib/postgresql/9.6/lib/plpgsql.so", true},
		{"/usr/share/postgresql/15/tsearch_data/english.stop", true}, {"/usr/share/postgresql/15/postgres.bki", true},
		{"/usr/local/bin/postgres", true}, {"/usr/local/lib/postgresql/hstore.so", true},
		{"/usr/lib/postgresql/15/bin/psql", false}, {"/usr/share/postgresql/15/psqlrc.sample", false},
		{"/usr/lib/postgresql/15/lib/bitcode/x.bc", false}, {"/usr/share/postgresql-common/pg_wrapper", false},
		{"/usr/lib/x86_64-linux-gnu/gconv/gconv-modules", false}, {"/usr/lib64/gconv/UTF-16.so", true},
		{"/usr/lib/x86_64-linux-gnu/gconv/gconv-modules.d/x.conf", false}, {"/usr/lib/gconv.so", false},
		{"/etc/nsswitch.conf", true}, {"/etc/nsswitch.conf.bak", false}, {"/etc/pam.d/sshd", true},
		{"/usr/lib/pam.d/login", true}, {"/etc/pam.conf", false}, {"/etc/pam.d/x/y", false},
		{"/usr/share/zoneinfo/Europe/Paris", true}, {"/etc/localtime", false}, {"/usr/share/zoneinfo", false},
		{"/usr/share/zoneinfo/UTC", false}, // the local zone: read by any program that asks the time
		{"/usr/share/perl/5.36.0/Encode.pm", true}, {"/usr/share/perl/5.36.0/Encode/Byte.pm", false},
	} {
		if got := b.Claims(tt.path, nil); got != tt.want {
			t.Errorf("Claims(%s) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

func TestByNameErrors(t *testing.T) {
	for _, tt := range []struct{ path, src, want string }{
		{"/etc/nsswitch.conf", "passwd: files\nhosts files dns\n", "/etc/nsswitch.conf:2: "},
		{"/etc/nsswitch.conf", "hosts: files [NOTFOUND=return dns\n", "/etc/nsswitch.conf:1: unterminated"},
		{"/etc/nsswitch.conf", ": files\n", "/etc/nsswitch.conf:1: "},
		{"/etc/nsswitch.conf", "hosts: ../../evil\n", "/etc/nsswitch.conf:1: bad service name"},
		{"/etc/pam.d/login", "auth required\n", "/etc/pam.d/login:1: no module"},
		{"/etc/pam.d/login", "# c\nauth [default=die pam_unix.so\n", "/etc/pam.d/login:2: unterminated"},
		{"/etc/pam.d/login", "authenticate required pam_unix.so\n", "/etc/pam.d/login:1: bad type"},
		{"/etc/pam.d/login", "@include\n", "/etc/pam.d/login:1: @include"},
		{"/etc/pam.d/login", "auth required pam_env.so \\\r\n  readenv=1\nauth required\n", "/etc/pam.d/login:3: no module"},
	} {
		_, err := newByName(&Image{FS: bnTestFS()}).Reach(tt.path, []byte(tt.src))
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("Reach(%s, %q) = %v, want %q...", tt.path, tt.src, err, tt.want)
		}
	}
}

// TestByNameTestdata parses the real configurations of testdata/byname.
func TestByNameTestdata(t *testing.T) {
	nss, err := parseNSSwitch("nsswitch", testdata(t, "byname", "nsswitch-authselect.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if hosts := nss[6]; hosts.db != "hosts" || !slices.Equal(hosts.services, []string{"files", "myhostname", "mdns4_minimal", "resolve", "dns"}) {
		t.Errorf("hosts: %+v", hosts)
	}
	refs, err := parsePAM("custom", testdata(t, "byname", "pam-custom"))
	if err != nil {
		t.Fatal(err)
	}
	want := []pamRef{
		{name: "pam_env.so", args: []string{"readenv=1", "envfile=/etc/default/locale"}},
		{name: "pam_unix.so", args: []string{"try_first_pass"}}, {name: "pam_systemd_home.so", args: []string{}},
		{name: "common-account", include: true, args: []string{}},
		{name: "/lib/security/pam_limits.so", args: []string{"conf=/etc/security/limits.conf"}},
		{name: "pam_succeed_if.so", args: []string{"[user", "ingroup", "wheel]"}},
		{name: "common-password", include: true, args: []string{}}, {name: "common-session", include: true},
	}
	if !reflect.DeepEqual(refs, want) {
		t.Errorf("pam-custom:\n got %+v\nwant %+v", refs, want)
	}
}

// bnFuzz checks that a configuration reader never panics, is
// deterministic, and returns absolute paths the image has or an error
// naming the file and line.
func bnFuzz(f *testing.F, p string, seeds []string) {
	for _, s := range seeds {
		f.Add(testdata(f, "byname", s))
	}
	img := &Image{FS: bnTestFS()}
	f.Fuzz(func(t *testing.T, src []byte) {
		b := newByName(img)
		x, errX := b.Reach(p, src)
		y, errY := b.Reach(p, src)
		if !reflect.DeepEqual(x, y) || (errX == nil) != (errY == nil) || (errX != nil && errX.Error() != errY.Error()) {
			t.Fatalf("not deterministic: %v %v / %v %v", x, errX, y, errY)
		}
		if errX != nil && !strings.HasPrefix(errX.Error(), p+":") {
			t.Fatalf("error does not name the file: %v", errX)
		}
		for _, fd := range x {
			if !strings.HasPrefix(fd.Path, "/") || !isFile(img.FS, fd.Path) {
				t.Fatalf("Reach returned %s", fd.Path)
			}
		}
	})
}

func FuzzNSSwitch(f *testing.F) {
	bnFuzz(f, "/etc/nsswitch.conf", []string{"nsswitch.conf", "nsswitch-authselect.conf"})
}

func FuzzPAMConf(f *testing.F) {
	bnFuzz(f, "/etc/pam.d/login", []string{"pam-common-account", "pam-common-auth", "pam-custom", "pam-login", "pam-runuser-l", "pam-su-l"})
}
