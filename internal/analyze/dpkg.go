package analyze

import (
	"cmp"
	"slices"
	"strings"
	"testing/fstest"

	"github.com/dietimg/diet/internal/dpkg"
)

// Where an image keeps its dpkg database. Distroless keeps one file per
// package under status.d instead of one status file, and no file lists.
const (
	dpkgStatus  = "/var/lib/dpkg/status"
	dpkgStatusD = "/var/lib/dpkg/status.d/"
	dpkgInfo    = "/var/lib/dpkg/info/"
)

// Package is one installed Debian package and what it weighs in the image.
type Package struct {
	Name         string `json:"name"`
	Version      string `json:"version,omitempty"`
	Architecture string `json:"architecture,omitempty"`
	// InstalledSize is what the package declares (Installed-Size, KiB),
	// in bytes.
	InstalledSize int64 `json:"installed_size"`
	// Files and Bytes count the files of the merged tree that the
	// package's file list names (0 when the image keeps no file lists).
	Files int   `json:"files"`
	Bytes int64 `json:"bytes"`
}

// Packages is the breakdown of an image's files by Debian package.
type Packages struct {
	List []Package `json:"list"` // heaviest first
	// FileLists tells whether the image has dpkg's file lists, without
	// which files cannot be attributed.
	FileLists    bool  `json:"file_lists"`
	UnownedFiles int   `json:"unowned_files"`
	UnownedBytes int64 `json:"unowned_bytes"`
}

func isDpkgFile(p string) bool {
	return p == dpkgStatus || strings.HasPrefix(p, dpkgStatusD) ||
		(strings.HasPrefix(p, dpkgInfo) && strings.HasSuffix(p, ".list") && !strings.Contains(p[len(dpkgInfo):], "/"))
}

// packages attributes the files of the merged tree to the packages of
// the dpkg database found in content, or returns nil when the image has
// none.
func packages(files []File, content map[string][]byte) *Packages {
	fsys := fstest.MapFS{}
	lists := false
	for p, b := range content {
		if isDpkgFile(p) {
			fsys[strings.TrimPrefix(p, "/")] = &fstest.MapFile{Data: b, Mode: 0o644}
			lists = lists || strings.HasSuffix(p, ".list") || strings.HasSuffix(p, ".md5sums")
		}
	}
	if len(fsys) == 0 {
		return nil
	}
	db, err := dpkg.Load(fsys)
	if err != nil || len(db.Packages) == 0 {
		return nil
	}
	out := &Packages{FileLists: lists}
	byName := map[string]*Package{}
	for _, p := range db.Packages {
		byName[p.Name] = &Package{Name: p.Name, Version: p.Version, Architecture: p.Architecture, InstalledSize: p.InstalledSize}
	}
	for _, f := range files {
		if f.Kind == KindDir {
			continue
		}
		if p, ok := db.Owner(f.Path); ok {
			pkg := byName[p.Name]
			pkg.Files++
			pkg.Bytes += f.Size
		} else {
			out.UnownedFiles++
			out.UnownedBytes += f.Size
		}
	}
	for _, p := range byName {
		out.List = append(out.List, *p)
	}
	slices.SortFunc(out.List, func(x, y Package) int {
		return cmp.Or(cmp.Compare(y.Bytes, x.Bytes), cmp.Compare(y.InstalledSize, x.InstalledSize), strings.Compare(x.Name, y.Name))
	})
	return out
}
