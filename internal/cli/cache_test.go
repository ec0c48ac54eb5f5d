package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/random"

	"github.com/dietimg/diet/internal/rootfs"
)

// TestCache lists a tree cache holding one image's trees (its base and
// itself) and prunes it: the tree a slim holds stays.
func TestCache(t *testing.T) {
	img, err := random.Image(512, 2)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tree, err := rootfs.UnpackCached(context.Background(), img, dir, rootfs.UnpackOptions{})
	if err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		root := New()
		var out bytes.Buffer
		root.SetOut(&out)
		root.SetArgs(append(args, "--cache-dir", dir))
		if err := root.Execute(); err != nil {
			t.Fatalf("diet %s: %v", strings.Join(args, " "), err)
		}
		return out.String()
	}
	var entries []rootfs.CacheEntry
	if err := json.Unmarshal([]byte(run("cache", "ls", "--json")), &entries); err != nil || len(entries) != 2 {
		t.Fatalf("cache ls --json: %+v, %v: want the base and the image", entries, err)
	}
	if out := run("cache", "prune", "--all"); !strings.Contains(out, "removed 1 trees") || !strings.Contains(out, "in use, kept: "+entries[0].Dir) && !strings.Contains(out, "in use, kept: "+entries[1].Dir) {
		t.Errorf("cache prune --all while held:\n%s", out)
	}
	tree.Release()
	if out := run("cache", "prune", "--all"); !strings.Contains(out, "removed 1 trees") {
		t.Errorf("cache prune --all once released:\n%s", out)
	}
	if out := run("cache", "ls"); strings.Count(out, "\n") != 1 {
		t.Errorf("cache ls after the prunes:\n%s", out)
	}
}
