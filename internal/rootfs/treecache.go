package rootfs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sys/unix"
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

// CacheEntry is one tree of a tree cache.
type CacheEntry struct {
	Key    string    `json:"key"`
	Dir    string    `json:"dir"`
	Layers int       `json:"layers"`
	Size   int64     `json:"size"` // the image's uncompressed size up to this chain (files shared by hard links count in each)
	Used   time.Time `json:"last_used"`
}

// CacheEntries lists the trees of the cache in dir, most recently used
// first.
func CacheEntries(dir string) ([]CacheEntry, error) {
	des, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []CacheEntry
	for _, de := range des {
		if !de.IsDir() || strings.HasPrefix(de.Name(), ".") || !cached(dir, de.Name()) {
			continue
		}
		fi, err := os.Stat(filepath.Join(dir, de.Name(), "report.json"))
		if err != nil {
			continue
		}
		rep, err := readEntry(dir, de.Name())
		if err != nil {
			continue
		}
		out = append(out, CacheEntry{Key: de.Name(), Dir: entryDir(dir, de.Name()), Layers: rep.Layers, Size: rep.Size, Used: fi.ModTime()})
	}
	slices.SortFunc(out, func(a, b CacheEntry) int { return b.Used.Compare(a.Used) })
	return out, nil
}

// PruneCache removes the trees of the cache in dir last used before
// cutoff (the zero time: none; use time.Now() for all), except those a
// slim holds now; it returns those removed and those it left because
// they are in use.
func PruneCache(dir string, cutoff time.Time) (removed, busy []CacheEntry, err error) {
	entries, err := CacheEntries(dir)
	if err != nil {
		return nil, nil, err
	}
	for _, e := range entries {
		if !e.Used.Before(cutoff) {
			continue
		}
		lock, err := os.OpenFile(filepath.Join(dir, e.Key+".lock"), os.O_CREATE|os.O_RDWR, 0o644)
		if err != nil {
			return removed, busy, err
		}
		if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			lock.Close()
			busy = append(busy, e)
			continue
		}
		// Renamed first: a half-removed tree is never taken for an entry.
		gone := filepath.Join(dir, ".tmp-prune-"+e.Key)
		err = os.Rename(e.Dir, gone)
		if err == nil {
			err = os.RemoveAll(gone)
		}
		lock.Close()
		if err != nil {
			return removed, busy, fmt.Errorf("removing %s: %w", e.Dir, err)
		}
		removed = append(removed, e)
	}
	return removed, busy, nil
}

// staleAfter is how old a temporary entry must be to be taken for one
// that a killed diet left: an entry being made is younger (an unpack
// takes seconds to minutes).
const staleAfter = 6 * time.Hour

// removeStale removes the temporary entries that diets killed while
// making them left behind.
func removeStale(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".tmp-") {
			continue
		}
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > staleAfter {
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
}

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

// diffChecked is a layer whose uncompressed stream is hashed as it is
// read: at its end, a diff ID other than the config's is an error.
type diffChecked struct {
	v1.Layer
	want v1.Hash
}

// tarStream is layerTar with the check.
func (l diffChecked) tarStream() (io.ReadCloser, error) {
	rc, err := layerTar(l.Layer)
	if err != nil {
		return nil, err
	}
	return &hashingReader{rc: rc, h: sha256.New(), want: l.want}, nil
}

type hashingReader struct {
	rc   io.ReadCloser
	h    hash.Hash
	want v1.Hash
}

func (r *hashingReader) Read(p []byte) (int, error) {
	n, err := r.rc.Read(p)
	r.h.Write(p[:n])
	if err == io.EOF {
		if got := "sha256:" + hex.EncodeToString(r.h.Sum(nil)); got != r.want.String() {
			return n, fmt.Errorf("the layer's content has diff ID %s, not the %s its config says", got, r.want)
		}
	}
	return n, err
}

func (r *hashingReader) Close() error { return r.rc.Close() }

// linkTree makes dst a copy of the tree src whose files are hard links
// to src's (no data is copied): directories and symbolic links are made
// anew with src's owners, modes, times and extended attributes. The
// directories' modes and times are returned to be set once the layers on
// top are unpacked (a read-only directory must take their files first).
func linkTree(src, dst string) (map[string]dirMeta, error) {
	dirs := map[string]dirMeta{}
	chown := os.Geteuid() == 0
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		out := filepath.Join(dst, rel)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		st, _ := fi.Sys().(*syscall.Stat_t)
		switch {
		case d.IsDir():
			if err := os.Mkdir(out, 0o755); err != nil {
				return err
			}
			dirs[strings.TrimPrefix(filepath.ToSlash(rel), "./")] = dirMeta{mode: fi.Mode(), mtime: fi.ModTime()}
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			if err := os.Symlink(target, out); err != nil {
				return err
			}
			ts := []unix.Timespec{unix.NsecToTimespec(fi.ModTime().UnixNano()), unix.NsecToTimespec(fi.ModTime().UnixNano())}
			unix.UtimesNanoAt(unix.AT_FDCWD, out, ts, unix.AT_SYMLINK_NOFOLLOW)
		default:
			return os.Link(p, out)
		}
		if chown && st != nil {
			if err := os.Lchown(out, int(st.Uid), int(st.Gid)); err != nil {
				return err
			}
		}
		return copyXattrs(p, out)
	})
	return dirs, err
}

// copyXattrs copies the extended attributes of a directory or symbolic
// link (a hard link shares its file's).
func copyXattrs(src, dst string) error {
	buf := make([]byte, 4096)
	n, err := unix.Llistxattr(src, buf)
	if err != nil || n == 0 {
		return nil // none, or none this file system keeps
	}
	for _, name := range strings.Split(strings.TrimRight(string(buf[:n]), "\x00"), "\x00") {
		val := make([]byte, 64<<10)
		m, err := unix.Lgetxattr(src, name, val)
		if err != nil {
			continue
		}
		if err := unix.Lsetxattr(dst, name, val[:m], 0); err != nil && !errors.Is(err, unix.EPERM) && !errors.Is(err, unix.ENOTSUP) {
			return fmt.Errorf("xattr %s of %s: %w", name, src, err)
		}
	}
	return nil
}
