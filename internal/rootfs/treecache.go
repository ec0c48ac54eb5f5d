package rootfs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// A tree cache keeps the unpacked trees of images, so that the second
// slim of an image unpacks nothing, and the slim of an image that shares
// its bottom layers with one slimmed before (the same base, a new
// application layer) unpacks only its own layers. An entry is the tree
// of a chain of layers (the OCI chain ID of their diff IDs, each checked
// against the layer's content as it is unpacked: a layer that lies about
// its diff ID is never cached); a longer chain starts from a copy of the
// longest cached chain below it, made of hard links (no data copied), and
// unpacks the rest on top: the unpacker never writes into a file it did
// not create, it replaces it. Entries are read only once made, written
// under a temporary name and renamed, made by one process at a time (a
// lock per entry); diet never removes one: remove the directory to free
// the space.

// cacheFormat names the layout of an entry: a change to what an unpack
// puts in a tree changes it, and so every key.
const cacheFormat = "diet-tree-1"

// CachedTree is an image's tree in a tree cache, held (a shared lock on
// its entry, which PruneCache respects) until Release.
type CachedTree struct {
	// Dir is the tree: read it, run containers on it (as a lower
	// directory), never write into it.
	Dir string
	// Report is the report of the unpack that made it, as Unpack gives.
	Report *UnpackReport
	// Unpacked is how many of the image's layers this call unpacked (0:
	// the tree was cached), Reused how many came from the cache.
	Unpacked, Reused int
	lock             *os.File
}

// Release lets the tree go: PruneCache may remove it from then on.
func (t *CachedTree) Release() {
	if t != nil && t.lock != nil {
		t.lock.Close() // drops the shared lock
		t.lock = nil
	}
}

// UnpackCached is Unpack into the tree cache dir: the tree of img, made
// from the longest chain of its layers the cache holds, and cached.
func UnpackCached(ctx context.Context, img v1.Image, dir string, opts UnpackOptions) (*CachedTree, error) {
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("reading layers: %w", err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("reading the config: %w", err)
	}
	if len(cfg.RootFS.DiffIDs) != len(layers) || len(layers) == 0 {
		return nil, fmt.Errorf("the config lists %d diff IDs for %d layers", len(cfg.RootFS.DiffIDs), len(layers))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("tree cache: %w", err)
	}
	removeStale(dir)
	keys := chainKeys(cfg.RootFS.DiffIDs, opts.KeepOwners && os.Geteuid() == 0)
	// A prune may remove the entry between its making and its use: then
	// it is made again.
	for range 3 {
		t, err := unpackCached(ctx, dir, keys, layers, cfg.RootFS.DiffIDs, opts)
		if err != nil || t != nil {
			return t, err
		}
	}
	return nil, fmt.Errorf("tree cache %s: the entry keeps being removed while in use", dir)
}

// unpackCached is one try of UnpackCached: nil, nil when the entry made
// was pruned before it could be held.
func unpackCached(ctx context.Context, dir string, keys []string, layers []v1.Layer, diffIDs []v1.Hash, opts UnpackOptions) (*CachedTree, error) {
	n := len(layers)
	// The longest cached chain.
	have := 0
	for i := n; i > 0; i-- {
		if cached(dir, keys[i-1]) {
			have = i
			break
		}
	}
	if have == n {
		return hold(dir, keys[n-1], 0, n)
	}
	// The base (every layer but the top) is cached on its own as well,
	// for the next image on the same base.
	stops := []int{n}
	if n > 1 && have < n-1 {
		stops = []int{n - 1, n}
	}
	from := have
	for _, stop := range stops {
		if err := makeEntry(ctx, dir, keys, layers, diffIDs, from, stop, opts); errors.Is(err, errPruned) {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		from = stop
	}
	return hold(dir, keys[n-1], n-have, have)
}

// hold takes a shared lock on the entry key and marks it used (the
// modification time of its report.json); nil, nil when it is gone.
func hold(dir, key string, unpacked, reused int) (*CachedTree, error) {
	lock, err := os.OpenFile(filepath.Join(dir, key+".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("tree cache: %w", err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_SH); err != nil {
		lock.Close()
		return nil, fmt.Errorf("tree cache: locking %s: %w", lock.Name(), err)
	}
	if !cached(dir, key) {
		lock.Close()
		return nil, nil
	}
	rep, err := readEntry(dir, key)
	if err != nil {
		lock.Close()
		return nil, err
	}
	now := time.Now()
	os.Chtimes(filepath.Join(entryDir(dir, key), "report.json"), now, now)
	return &CachedTree{Dir: treeDir(dir, key), Report: rep, Unpacked: unpacked, Reused: reused, lock: lock}, nil
}

// errPruned says that an entry found in the cache was pruned before it
// could be held.
var errPruned = errors.New("tree cache: entry pruned")

// chainKeys are the cache keys of each chain of layers from the bottom:
// the OCI chain ID, with the format and whether owners are set (as root)
// or recorded only.
func chainKeys(diffIDs []v1.Hash, chown bool) []string {
	keys := make([]string, len(diffIDs))
	chain := ""
	for i, d := range diffIDs {
		if i == 0 {
			chain = d.String()
		} else {
			sum := sha256.Sum256([]byte(chain + " " + d.String()))
			chain = "sha256:" + hex.EncodeToString(sum[:])
		}
		sum := sha256.Sum256(fmt.Appendf(nil, "%s %s chown=%t", cacheFormat, chain, chown))
		keys[i] = hex.EncodeToString(sum[:])
	}
	return keys
}

func entryDir(dir, key string) string { return filepath.Join(dir, key) }
func treeDir(dir, key string) string  { return filepath.Join(dir, key, "rootfs") }

func cached(dir, key string) bool {
	_, err := os.Stat(filepath.Join(entryDir(dir, key), "report.json"))
	return err == nil
}

// entryReport is report.json of an entry: the unpack's report with the
// owners it records (which UnpackReport's JSON leaves out).
type entryReport struct {
	Report *UnpackReport    `json:"report"`
	Owners map[string]Owner `json:"owners,omitempty"`
}

func readEntry(dir, key string) (*UnpackReport, error) {
	data, err := os.ReadFile(filepath.Join(entryDir(dir, key), "report.json"))
	if err != nil {
		return nil, fmt.Errorf("tree cache: %w", err)
	}
	var e entryReport
	if err := json.Unmarshal(data, &e); err != nil || e.Report == nil {
		return nil, fmt.Errorf("tree cache: %s: unreadable report (remove the entry): %v", entryDir(dir, key), err)
	}
	e.Report.Owners = e.Owners
	return e.Report, nil
}

// makeEntry makes the entry of the chain of layers[:stop], from that of
// layers[:from] (none when from is 0), under the entry's lock.
func makeEntry(ctx context.Context, dir string, keys []string, layers []v1.Layer, diffIDs []v1.Hash, from, stop int, opts UnpackOptions) error {
	key := keys[stop-1]
	lock, err := os.OpenFile(filepath.Join(dir, key+".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return fmt.Errorf("tree cache: %w", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("tree cache: locking %s: %w", lock.Name(), err)
	}
	if cached(dir, key) {
		return nil // made while we waited
	}
	tmp, err := os.MkdirTemp(dir, ".tmp-"+key[:12]+"-")
	if err != nil {
		return fmt.Errorf("tree cache: %w", err)
	}
	defer os.RemoveAll(tmp)
	root := filepath.Join(tmp, "rootfs")
	var base *UnpackReport
	var dirs map[string]dirMeta
	if from > 0 {
		// The base is held while its tree is copied: a prune waits.
		held, err := hold(dir, keys[from-1], 0, from)
		if err != nil {
			return err
		}
		if held == nil {
			return errPruned
		}
		defer held.Release()
		base = held.Report
		if dirs, err = linkTree(treeDir(dir, keys[from-1]), root); err != nil {
			return fmt.Errorf("tree cache: copying the tree of the layers below: %w", err)
		}
	}
	checked := make([]v1.Layer, 0, stop-from)
	for i := from; i < stop; i++ {
		checked = append(checked, diffChecked{Layer: layers[i], want: diffIDs[i]})
	}
	rep, err := unpackOnto(ctx, checked, root, opts, base, from, dirs)
	if err != nil {
		return err
	}
	data, err := json.Marshal(entryReport{Report: rep, Owners: rep.Owners})
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tmp, "report.json"), data, 0o644); err != nil {
		return fmt.Errorf("tree cache: %w", err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("tree cache: %w", err)
	}
	if err := os.Rename(tmp, entryDir(dir, key)); err != nil {
		return fmt.Errorf("tree cache: %w", err)
	}
	return nil
}
