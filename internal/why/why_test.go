package why

import "testing"

func TestString(t *testing.T) {
	for _, tc := range []struct {
		r    Reason
		want string
	}{
		{Reason{Kind: Program}, "program"},
		{Reason{Kind: Interpreter, By: "/usr/bin/c_rehash"}, "interpreter of /usr/bin/c_rehash"},
		{Reason{Kind: Loader, By: "/app"}, "loader of /app"},
		{Reason{Kind: Needed, By: "/usr/bin/perl"}, "needed by /usr/bin/perl"},
		{Reason{Kind: Dlopen, By: "/usr/bin/x"}, "dlopen by /usr/bin/x (.note.dlopen)"},
		{Reason{Kind: Link, By: "/lib/ld.so"}, "link to /lib/ld.so"},
		{Reason{Kind: SystemFile, Detail: "CA certificates (needed by libcurl)"}, "CA certificates (needed by libcurl)"},
		{Reason{Kind: Added, Detail: "./conf"}, "--add ./conf"},
		{Reason{Kind: Trace, Detail: "open"}, "trace: open"},
		{Reason{Kind: Rule}, "rule"},
		{Reason{Kind: Static, Detail: "needed by /bin/sh"}, "static: needed by /bin/sh"},
		{Reason{Kind: Import, By: "/app/app.py", Detail: "csv"}, "import csv by /app/app.py"},
		{Reason{Kind: Command, By: "/entrypoint.sh", Detail: "tar"}, "command tar in /entrypoint.sh"},
		{Reason{Kind: AppDir, Detail: "WORKDIR /app"}, "appdir: WORKDIR /app"},
		{Reason{Detail: "made by hand"}, "made by hand"},
	} {
		if got := tc.r.String(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.r, got, tc.want)
		}
	}
}

// TestParse reads back a reason of every kind, in every form String says.
func TestParse(t *testing.T) {
	for _, r := range []Reason{
		{Kind: Program},
		{Kind: Program, Detail: "entrypoint"},
		{Kind: Interpreter, By: "/usr/bin/c_rehash"},
		{Kind: Loader, By: "/app"},
		{Kind: Needed, By: "/usr/bin/perl"},
		{Kind: Needed},
		{Kind: Dlopen, By: "/usr/bin/x"},
		{Kind: Link, By: "/lib/ld.so"},
		{Kind: Added, Detail: "./conf"},
		{Kind: Added},
		{Kind: Static, Detail: "needed by /bin/sh"},
		{Kind: Static, By: "/usr/bin/x", Detail: "interpreter of /app/gen.pl"},
		{Kind: Trace, Detail: "open"},
		{Kind: Rule},
		{Kind: Rule, Detail: "--keep /app"},
		{Kind: State, Detail: "volume"},
		{Kind: AppDir, Detail: "WORKDIR /app"},
		{Kind: Import, By: "/app/app.py", Detail: "csv"},
		{Kind: Import, Detail: "csv"},
		{Kind: Require, By: "/app/index.js", Detail: "express"},
		{Kind: Use, By: "/x.pl", Detail: "POSIX"},
		{Kind: Command, By: "/entrypoint.sh", Detail: "tar"},
		{Kind: Source, By: "/entry.sh", Detail: "/etc/default/app"},
		{Kind: ClassPath, By: "/app/run.sh", Detail: "lib/*"},
		{Kind: DocRoot, By: "/etc/nginx/nginx.conf", Detail: "root /var/www"},
		{Kind: Data, By: "/app/app.py", Detail: "by name: tzdata"},
		{Kind: Data, By: "/app/app.py", Detail: "metadata of requests"},
		{Kind: Data, By: "/app/app.py"},
		{Detail: "CA certificates (needed by libcurl)"},
		{},
	} {
		if got := Parse(r.String()); got != r {
			t.Errorf("Parse(%q) = %+v, want %+v", r.String(), got, r)
		}
	}
}

// TestParseWords reads words String says only as words: a system file's
// description, a platform build appends, anyone's words.
func TestParseWords(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want Reason
	}{
		{Reason{Kind: SystemFile, Detail: "timezone: TZ=Europe/Paris"}.String(), Reason{Detail: "timezone: TZ=Europe/Paris"}},
		{"certificates: evidence: /usr/lib/libssl.so.3", Reason{Detail: "certificates: evidence: /usr/lib/libssl.so.3"}},
		{"--tmp", Reason{Detail: "--tmp"}},
		{"needed by /usr/bin/jq [linux/arm64]", Reason{Kind: Needed, By: "/usr/bin/jq [linux/arm64]"}},
		{"dlopen by /usr/bin/x (.note.dlopen) [linux/arm64]", Reason{Detail: "dlopen by /usr/bin/x (.note.dlopen) [linux/arm64]"}},
		{"dlopen by /usr/bin/x", Reason{Detail: "dlopen by /usr/bin/x"}},
		{"system: tzdata", Reason{Detail: "system: tzdata"}},
		{"link /x", Reason{Detail: "link /x"}},
		{"static:", Reason{Detail: "static:"}},
		{"needed by ", Reason{Detail: "needed by "}},
		{"made by hand", Reason{Detail: "made by hand"}},
		{"", Reason{}},
	} {
		got := Parse(tc.s)
		if got != tc.want || got.String() != tc.s {
			t.Errorf("Parse(%q) = %+v, says %q; want %+v", tc.s, got, got.String(), tc.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"program", "needed by /usr/bin/jq", "dlopen by /x (.note.dlopen)", "--add ./conf",
		"trace: open", "rule: --keep /app", "static /usr/bin/x: needed by /bin/sh",
		"import csv by /app/app.py", "command tar in /entrypoint.sh", "import  by /x",
		"certificates: evidence", "", " ", ":", "static: ", "link to ",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := Parse(s)
		if got := r.String(); got != s {
			t.Errorf("Parse(%q) = %+v, says %q", s, r, got)
		}
	})
}
