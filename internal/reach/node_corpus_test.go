package reach

import (
	"path"
	"strings"
	"testing"

	"github.com/dietimg/diet/internal/rootfs"
	"github.com/dietimg/diet/internal/testenv"
	"github.com/dietimg/diet/internal/why"
)

// TestNodeCorpus follows the require graph of an npm install of express,
// from a file that requires it, the way slim's reach stage does: every
// file reached is scanned in turn.
func TestNodeCorpus(t *testing.T) {
	root := testenv.CorpusTree(t, "node")
	fsys, err := rootfs.Dir(root)
	if err != nil {
		t.Fatal(err)
	}
	n := newNode(&Image{FS: fsys, Env: []string{"PATH=/usr/local/bin:/usr/bin:/bin"}, WorkingDir: "/app"})
	start, err := n.Reach("/app/server.js", []byte("const express = require('express')\n"))
	if err != nil {
		t.Fatal(err)
	}
	reached := map[string]Found{}
	queue := start
	for len(queue) > 0 {
		f := queue[0]
		queue = queue[1:]
		if _, ok := reached[f.Path]; ok {
			continue
		}
		reached[f.Path] = f
		if f.As != File || !isJSExt(f.Path) {
			continue
		}
		src, err := rootfs.ReadFile(fsys, f.Path)
		if err != nil {
			t.Fatal(err)
		}
		more, err := n.Reach(f.Path, src)
		if err != nil {
			t.Error(err)
		}
		for _, m := range more {
			if m.Reason.Kind == why.Require {
				queue = append(queue, m)
			}
		}
	}
	for _, p := range []string{
		"/app/node_modules/express/index.js", "/app/node_modules/express/package.json",
		"/app/node_modules/express/lib/express.js", "/app/node_modules/express/lib/router/index.js",
		"/app/node_modules/body-parser/index.js", "/app/node_modules/debug/src/index.js",
		"/app/node_modules/send/index.js", "/app/node_modules/mime-db/db.json", "/app/node_modules/qs/lib/index.js",
		"/app/node_modules/safe-buffer/index.js", "/app/node_modules/iconv-lite/lib/index.js",
	} {
		if _, ok := reached[p]; !ok {
			t.Errorf("%s not reached", p)
		}
	}
	dirs := map[string]bool{}
	for p := range reached {
		if rel, ok := strings.CutPrefix(p, "/app/node_modules/"); ok {
			dirs[strings.SplitN(rel, "/", 2)[0]] = true
		}
	}
	t.Logf("%d files reached in %d packages", len(reached), len(dirs))
	if len(dirs) < 40 {
		t.Errorf("only %d packages reached, want most of express's dependencies", len(dirs))
	}
	if e := reached["/app/node_modules/express/index.js"]; e.Reason.Detail != "express" || path.Dir(e.Reason.By) != "/app" {
		t.Errorf("express reached for %v", e.Reason)
	}
}
