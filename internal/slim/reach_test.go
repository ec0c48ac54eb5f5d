package slim

import (
	"os"
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dietimg/diet/internal/artifact"
	"github.com/dietimg/diet/internal/why"
)

// TestReachStage runs the reach stage on a small tree: the entrypoint
// script's commands in every branch, what a sourced file runs, and the
// application's directory come in with their reasons, round after round;
// --reach=trace adds none of it.
func TestReachStage(t *testing.T) {
	files := map[string]string{
		"usr/local/bin/entry.sh": "#!/bin/sh\n. /usr/local/lib/env.sh\ncase \"$1\" in\nbackup) tar -cf - /app ;;\n*) exec \"$@\" ;;\nesac\n",
		"usr/local/lib/env.sh":   "gzip -t /app/data.gz\n",
		"usr/bin/tar":            "tar",
		"usr/bin/gzip":           "gzip",
		"usr/bin/unused":         "unused",
		"app/templates/a.html":   "a",
		"app/data.gz":            "z",
	}
	for _, mode := range []string{ReachAll, ReachTrace} {
		t.Run(mode, func(t *testing.T) {
			tr, fsys := mkTree(t, files)
			for _, p := range []string{"usr/local/bin/entry.sh", "usr/bin/tar", "usr/bin/gzip", "usr/bin/unused"} {
				if err := os.Chmod(filepath.Join(tr.dir, p), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			cfg := &v1.ConfigFile{Config: v1.Config{Entrypoint: []string{"/usr/local/bin/entry.sh"}, WorkingDir: "/app",
				Env: []string{"PATH=/usr/local/bin:/usr/bin"}}}
			r := &run{opts: Options{Reach: mode}, cfg: cfg, fsys: fsys, res: &Result{}}
			r.k = newKeeper(tr, fsys, cfg, nil)
			r.k.add("/usr/local/bin/entry.sh", why.Reason{Kind: why.Static})
			if err := r.reach(); err != nil {
				t.Fatal(err)
			}
			want := map[string]why.Reason{
				"/usr/bin/tar":          {Kind: why.Command, By: "/usr/local/bin/entry.sh", Detail: "tar"},
				"/usr/local/lib/env.sh": {Kind: why.Source, By: "/usr/local/bin/entry.sh", Detail: "/usr/local/lib/env.sh"},
				"/usr/bin/gzip":         {Kind: why.Command, By: "/usr/local/lib/env.sh", Detail: "gzip"},
				"/app/templates/a.html": {Kind: why.AppDir, Detail: "WORKDIR /app"},
			}
			for p, w := range want {
				got, ok := r.k.kept[p]
				switch {
				case mode == ReachTrace && ok:
					t.Errorf("--reach=trace kept %s (%s)", p, got)
				case mode == ReachAll && got != w:
					t.Errorf("%s: kept %v (%s), want %s", p, ok, got, w)
				}
			}
			if _, ok := r.k.kept["/usr/bin/unused"]; ok {
				t.Errorf("kept /usr/bin/unused, which nothing runs")
			}
		})
	}
}

func TestReachStats(t *testing.T) {
	kept := []artifact.File{
		{Path: "/a.py", Type: "file", Size: 10, Reason: why.Reason{Kind: why.Import}},
		{Path: "/b.py", Type: "file", Size: 5, Reason: why.Reason{Kind: why.Import}},
		{Path: "/app", Type: "dir", Reason: why.Reason{Kind: why.AppDir}},
		{Path: "/app/x", Type: "file", Size: 1, Reason: why.Reason{Kind: why.AppDir}},
		{Path: "/bin/sh", Type: "file", Size: 100, Reason: why.Reason{Kind: why.Trace}},
	}
	got := reachStats(kept)
	want := []ReachStat{{Kind: why.AppDir, Files: 1, Bytes: 1}, {Kind: why.Import, Files: 2, Bytes: 15}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("reachStats: %v, want %v", got, want)
	}
}

func TestByNameStats(t *testing.T) {
	pg := why.Reason{Kind: why.Data, Detail: "by name: postgresql $libdir modules"}
	kept := []artifact.File{
		{Path: "/l/a.so", Type: "file", Size: 10, Reason: pg},
		{Path: "/l/b.so", Type: "file", Size: 20, Reason: pg},
		{Path: "/z/UTC", Type: "file", Size: 1, Reason: why.Reason{Kind: why.Data, Detail: "by name: the time zone database"}},
		{Path: "/z", Type: "dir", Reason: why.Reason{Kind: why.Data, Detail: "by name: the time zone database"}},
		{Path: "/etc/mime.types", Type: "file", Size: 5, Reason: why.Reason{Kind: why.Data, Detail: "data of mimetypes"}},
	}
	got := byNameStats(kept)
	want := []ReachStat{{Kind: why.Data, Detail: pg.Detail, Files: 2, Bytes: 30}, {Kind: why.Data, Detail: "by name: the time zone database", Files: 1, Bytes: 1}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("byNameStats: %v, want %v", got, want)
	}
	if s := got[0].String(); s != "by name: postgresql $libdir modules: 2 files, 0.0 MB" {
		t.Errorf("String: %q", s)
	}
}
