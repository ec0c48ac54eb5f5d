package slim

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dietimg/diet/internal/dpkg"
	"github.com/dietimg/diet/internal/rootfs"
	"github.com/dietimg/diet/internal/testenv"
	"github.com/dietimg/diet/internal/trace"
	"github.com/dietimg/diet/internal/why"
)

// mkTree makes a small root: name -> content ("" for a directory when the
// name ends in "/", "->target" for a symlink).
func mkTree(t *testing.T, files map[string]string) (*tree, rootfs.FS) {
	t.Helper()
	dir := t.TempDir()
	for name, c := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		switch {
		case strings.HasSuffix(name, "/"):
			err := os.MkdirAll(p, 0o750)
			if err != nil {
				t.Fatal(err)
			}
		case strings.HasPrefix(c, "->"):
			if err := os.Symlink(c[2:], p); err != nil {
				t.Fatal(err)
			}
		default:
			if err := os.WriteFile(p, []byte(c), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	tr, err := loadTree(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	fsys, err := rootfs.Dir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return tr, fsys
}

var sample = map[string]string{
	"bin":                       "->usr/bin",
	"usr/bin/app":               "app",
	"usr/bin/other":             "x",
	"usr/lib/libx.so.1":         "->libx.so.1.2",
	"usr/lib/libx.so.1.2":       "lib",
	"etc/app.conf":              "conf",
	"etc/passwd":                "root:x:0:0::/root:/bin/sh\n",
	"var/lib/app/":              "",
	"var/log/app/":              "",
	"var/lock":                  "->../run/lock",
	"run/lock/":                 "",
	"var/www/html/index.html":   "hi",
	"var/www/html/other.html":   "ho",
	"usr/share/doc/app/README":  "doc",
	"usr/share/doc/app/changes": "doc",
}

func TestKeepTrace(t *testing.T) {
	tr, fsys := mkTree(t, sample)
	k := newKeeper(tr, fsys, &v1.ConfigFile{}, []string{"/var/www"})
	k.addTrace([]trace.Event{
		{Path: "/bin/app", Op: trace.OpExec, OK: true},
		{Path: "/usr/lib/libx.so.1", Op: trace.OpOpen, OK: true},
		{Path: "/etc/app.conf", Op: trace.OpStat, OK: false}, // failed, but it exists: kept
		{Path: "/etc/missing", Op: trace.OpOpen, OK: false},  // not in the tree: nothing
		{Path: "/var/lib/app/cache", Op: trace.OpCreate, OK: true},
		{Path: "/etc/app.conf.new", Op: trace.OpCreate, OK: true}, // /etc is not kept whole
		{Path: "/var/lock/app.pid", Op: trace.OpCreate, OK: true}, // through a symlink: the link is kept too
		{Path: "/var/www/new", Op: trace.OpCreate, OK: false},     // failed: no state there
		{Path: "/var/log/app/x.log", Op: trace.OpCreate, OK: true},
		{Path: "/var/www/html/index.html", Op: trace.OpOpen, OK: true}, // excluded
		{Path: "/proc/self/maps", Op: trace.OpOpen, OK: true},
		{Path: "/usr/share/doc/app", Op: trace.OpList, OK: true}, // the directory, not its files
	})
	want := []string{
		"/bin", "/etc", "/etc/app.conf", "/run", "/run/lock", "/usr", "/usr/bin", "/usr/bin/app",
		"/usr/lib", "/usr/lib/libx.so.1", "/usr/lib/libx.so.1.2",
		"/usr/share", "/usr/share/doc", "/usr/share/doc/app",
		"/var", "/var/lib", "/var/lib/app", "/var/lock", "/var/log", "/var/log/app",
	}
	if got := k.keptPaths(); !reflect.DeepEqual(got, want) {
		t.Errorf("kept\n%q\nwant\n%q", got, want)
	}
	if r := k.kept["/var/lib/app"]; r.Kind != why.State || r.Detail != "files created here while traced" {
		t.Errorf("/var/lib/app kept for %+v", r)
	}
	if sd := k.stateDirs(); len(sd) != 3 || sd[0].Dir != "/run/lock" || sd[1].Dir != "/var/lib/app" || sd[2].Dir != "/var/log/app" {
		t.Errorf("state directories %+v, want /run/lock, /var/lib/app and /var/log/app", sd)
	}
	if !k.excluded["/var/www/html/index.html"] {
		t.Errorf("the excluded document was not noted: %v", k.excluded)
	}
	rm := strings.Join(k.removed(), " ")
	for _, p := range []string{"/usr/bin/other", "/var/www/html/index.html", "/usr/share/doc/app/README"} {
		if !strings.Contains(rm, p) {
			t.Errorf("%s not in removed %s", p, rm)
		}
	}
	near := nearby(k, nil, []trace.Event{{Path: "/var/www/html/index.html", Op: trace.OpOpen, OK: true}}, k.removed())
	if len(near) == 0 || near[0] != "/var/www/html/index.html" {
		t.Errorf("nearby %v", near)
	}
}

func TestKeepRules(t *testing.T) {
	tr, fsys := mkTree(t, sample)
	k := newKeeper(tr, fsys, &v1.ConfigFile{}, []string{"/usr/share/doc/app/changes"})
	keep := []string{"/usr/share/doc", "/var/www/html/*.html"}
	if err := k.checkRules(keep, nil, nil); err != nil {
		t.Fatal(err)
	}
	k.addRules(keep, nil, nil)
	got := strings.Join(k.keptPaths(), " ")
	for _, p := range []string{"/usr/share/doc/app/README", "/var/www/html/index.html", "/var/www/html/other.html"} {
		if !strings.Contains(got, p) {
			t.Errorf("%s not kept: %s", p, got)
		}
	}
	if strings.Contains(got, "changes") {
		t.Errorf("excluded file kept: %s", got)
	}
	if err := k.checkRules([]string{"/nothing/*"}, nil, nil); err == nil {
		t.Error("a --keep that matches nothing was accepted")
	}
	if err := k.checkRules(nil, []string{"nginx"}, nil); err == nil {
		t.Error("--keep-package without a database was accepted")
	}
}

func TestTreeOwnersAndModes(t *testing.T) {
	tr, _ := mkTree(t, sample)
	n := tr.nodes["/var/lib/app"]
	if n == nil || !n.Mode.IsDir() || n.Mode.Perm() != 0o750 {
		t.Fatalf("node %+v", n)
	}
	if l := tr.nodes["/bin"]; l == nil || l.Link != "usr/bin" {
		t.Errorf("symlink node %+v", l)
	}
	if got := tr.under("/var/www"); !reflect.DeepEqual(got, []string{"/var/www/html", "/var/www/html/index.html", "/var/www/html/other.html"}) {
		t.Errorf("under = %v", got)
	}
}

func TestMatches(t *testing.T) {
	tests := []struct {
		pattern, path string
		want          bool
	}{
		{"/var/www", "/var/www/html/index.html", true},
		{"var/www/", "/var/www", true},
		{"/var/www", "/var/wwwx", false},
		{"/usr/share/doc/*", "/usr/share/doc/app/README", true},
		{"*.html", "/index.html", true},
		{"/etc/*.conf", "/etc/app.conf", true},
		{"/etc/*.conf", "/etc/passwd", false},
	}
	for _, tt := range tests {
		if got := matches(tt.pattern, tt.path); got != tt.want {
			t.Errorf("matches(%q, %q) = %v", tt.pattern, tt.path, got)
		}
	}
}

func TestLookPath(t *testing.T) {
	_, fsys := mkTree(t, sample)
	// The tree's files are not executable: nothing is found on PATH.
	if p := lookPath(fsys, "app", []string{"PATH=/bin"}, "/"); p != "" {
		t.Errorf("found non-executable %s", p)
	}
	if p := lookPath(fsys, "/usr/bin/app", nil, "/"); p != "/usr/bin/app" {
		t.Errorf("absolute name: %s", p)
	}
	if p := lookPath(fsys, "./app", nil, "/usr/bin"); p != "/usr/bin/app" {
		t.Errorf("relative name: %s", p)
	}
}

// TestStaticWrapper: an entrypoint script that execs its arguments (here
// Debian's which, a #! /bin/sh script, standing in for
// docker-entrypoint.sh) brings its interpreter and the program named by
// its first argument, with their libraries, without any trace.
func TestStaticWrapper(t *testing.T) {
	k, _ := fatKeeper(t)
	cfg := &v1.ConfigFile{}
	cfg.Config.Entrypoint = []string{"which"}
	cfg.Config.Cmd = []string{"nginx", "-g", "daemon off;"}
	if err := addStatic(k, k.fsys, cfg, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/usr/bin/which", "/etc/alternatives/which", "/usr/bin/which.debianutils", "/bin", "/usr/bin/dash", "/usr/sbin/nginx", "/usr/lib/x86_64-linux-gnu/libcrypto.so.3", "/usr/lib/x86_64-linux-gnu/libc.so.6"} {
		if _, ok := k.kept[p]; !ok {
			t.Errorf("%s not kept", p)
		}
	}
	if r := k.kept["/usr/sbin/nginx"]; r.Kind != why.Static {
		t.Errorf("nginx kept for %+v", r)
	}
}

// fatKeeper is a keeper over the Debian fat tree, with the image PATH
// env gives.
func fatKeeper(t *testing.T) (*keeper, *dpkg.DB) {
	t.Helper()
	root := testenv.DebianFatRoot(t)
	tr, err := loadTree(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	fsys, err := rootfs.Dir(root)
	if err != nil {
		t.Fatal(err)
	}
	db, err := dpkg.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &v1.ConfigFile{}
	cfg.Config.Env = []string{"PATH=/usr/local/bin:/usr/bin:/bin"}
	return newKeeper(tr, fsys, cfg, nil), db
}

// TestKeepExecClosure: what the trace saw executed comes with its whole
// closure, which no traced syscall shows (the kernel opens #!
// interpreters and the ELF loader itself): a Perl script brings perl and
// its libraries; a "#!/usr/bin/env python3" script brings env, python3
// found in the image's PATH and its libraries.
func TestKeepExecClosure(t *testing.T) {
	k, _ := fatKeeper(t)
	k.addTrace([]trace.Event{
		{Path: "/usr/bin/c_rehash", Op: trace.OpExec, OK: true},
		{Path: "/usr/bin/pdb3", Op: trace.OpExec, OK: true},
		{Path: "/usr/bin/curl", Op: trace.OpExec, OK: false}, // failed: no closure
	})
	for p, detail := range map[string]string{
		"/usr/bin/perl": "interpreter of /usr/bin/c_rehash",
		"/usr/lib/x86_64-linux-gnu/libcrypt.so.1.1.0": "needed by /usr/bin/perl",
		"/usr/bin/env":        "interpreter of /usr/bin/pdb3",
		"/usr/bin/python3.11": "interpreter of /usr/bin/pdb3",
		"/usr/lib/x86_64-linux-gnu/libexpat.so.1.8.10":   "needed by /usr/bin/python3",
		"/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2": "",
	} {
		r, ok := k.kept[p]
		if !ok {
			t.Errorf("%s not kept", p)
			continue
		}
		if detail != "" && (r.Kind != why.Static || r.Detail != detail) {
			t.Errorf("%s kept for %+v, want %q", p, r, detail)
		}
	}
	if _, ok := k.kept["/usr/lib/x86_64-linux-gnu/libcurl.so.4.8.0"]; ok {
		t.Error("a failed exec brought the program's libraries")
	}
}

// TestKeepELFClosure: an ELF file kept for any other reason (a keep rule,
// a package, a library the program dlopen'ed) gets its closure too.
func TestKeepELFClosure(t *testing.T) {
	k, db := fatKeeper(t)
	keep, pkgs := []string{"/usr/bin/curl"}, []string{"libcurl4"}
	if err := k.checkRules(keep, pkgs, db); err != nil {
		t.Fatal(err)
	}
	k.addRules(keep, pkgs, db)
	// A module dlopen'ed while traced: only its open is seen.
	k.addTrace([]trace.Event{{Path: "/usr/lib/python3.11/lib-dynload/_ssl.cpython-311-x86_64-linux-gnu.so", Op: trace.OpOpen, OK: true}})
	k.closeELF()
	for _, p := range []string{
		"/usr/lib/x86_64-linux-gnu/libcurl.so.4.8.0", // the package's own file
		"/usr/lib/x86_64-linux-gnu/libnghttp2.so.14", // needed by libcurl
		"/usr/lib/x86_64-linux-gnu/libssl.so.3",      // needed by the Python module
		"/usr/lib/x86_64-linux-gnu/libc.so.6",
	} {
		if _, ok := k.kept[p]; !ok {
			t.Errorf("%s not kept", p)
		}
	}
	if err := k.checkRules(nil, []string{"libcurl"}, db); err == nil || !strings.Contains(err.Error(), "libcurl4") {
		t.Errorf("misspelled package: %v, want a suggestion of libcurl4", err)
	}
}

// TestPartialDirs: a directory the program loaded some files of is
// reported with what was cut and the flag that keeps the rest.
func TestPartialDirs(t *testing.T) {
	tr, fsys := mkTree(t, map[string]string{
		"usr/lib/mods/a.so": "a", "usr/lib/mods/b.so": "b", "usr/lib/mods/c.so": "c",
		"usr/lib/mods/sub/d.so": "d", "etc/x": "x",
	})
	k := newKeeper(tr, fsys, &v1.ConfigFile{}, nil)
	k.addTrace([]trace.Event{
		{Path: "/usr/lib/mods/a.so", Op: trace.OpOpen, OK: true},
		{Path: "/usr/lib/mods/b.so", Op: trace.OpStat, OK: true},
		{Path: "/etc/x", Op: trace.OpOpen, OK: true},
	})
	got := k.partialDirs()
	want := []PartialDir{{Dir: "/usr/lib/mods", Loaded: 1, Files: 3, Cut: 1, Keep: "--keep /usr/lib/mods"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("partial dirs %+v, want %+v", got, want)
	}
	// An entry of the by-name table that kept files there says so.
	k.kept["/usr/lib/mods/b.so"] = why.Reason{Kind: why.Data, Detail: "by name: common modules"} // kept by the table, not the trace
	want[0].ByName = "common modules"
	if got := k.partialDirs(); !reflect.DeepEqual(got, want) {
		t.Errorf("partial dirs %+v, want %+v", got, want)
	}
}

// TestNearbyRanking: when nothing the probe used was cut, the removed
// files ranked first are those beside what it used and of the same
// package, then those only beside it or only of its package.
func TestNearbyRanking(t *testing.T) {
	tr, fsys := mkTree(t, map[string]string{
		"var/lib/dpkg/status":          "Package: web\nStatus: install ok installed\nVersion: 1\nArchitecture: all\n\nPackage: other\nStatus: install ok installed\nVersion: 1\nArchitecture: all\n",
		"var/lib/dpkg/info/web.list":   "/srv/site\n/srv/site/index.html\n/srv/site/style.css\n/usr/share/web/data\n",
		"var/lib/dpkg/info/other.list": "/srv/site/other.txt\n",
		"srv/site/index.html":          "i",
		"srv/site/style.css":           "s",
		"srv/site/other.txt":           "o",
		"usr/share/web/data":           "d",
		"usr/share/unrelated/thing":    "u",
	})
	db, err := dpkg.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	k := newKeeper(tr, fsys, &v1.ConfigFile{}, nil)
	k.addTrace([]trace.Event{{Path: "/srv/site/index.html", Op: trace.OpOpen, OK: true}})
	got := nearby(k, db, []trace.Event{{Path: "/srv/site/index.html", Op: trace.OpOpen, OK: true}}, k.removed())
	want := []string{"/srv/site/style.css", "/srv/site/other.txt", "/usr/share/web/data"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("nearby %q, want %q", got, want)
	}
}
