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
	} {
		if got := tc.r.String(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.r, got, tc.want)
		}
	}
}
