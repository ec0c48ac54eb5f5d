package rootfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

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
