// Package dpkg reads a Debian package database inside a root file system:
// which packages are installed (var/lib/dpkg/status, or distroless's one
// file per package under var/lib/dpkg/status.d/) and which package owns a
// file (var/lib/dpkg/info/*.list, or status.d/*.md5sums).
package dpkg

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/dietimg/diet/internal/rootfs"
)

// Where the database lives, relative to the root.
const (
	statusFile = "var/lib/dpkg/status"
	statusDir  = "var/lib/dpkg/status.d"
	infoDir    = "var/lib/dpkg/info"
)

// ErrNoDatabase is returned by Load when the root has no dpkg database.
var ErrNoDatabase = errors.New("dpkg: no package database")

// Package is one installed package.
type Package struct {
	Name          string `json:"name"`
	Version       string `json:"version"`
	Architecture  string `json:"architecture"`
	Source        string `json:"source,omitempty"`     // source package, when it differs
	Maintainer    string `json:"maintainer,omitempty"` // as written
	Homepage      string `json:"homepage,omitempty"`
	InstalledSize int64  `json:"installed_size"` // bytes (Installed-Size is KiB)
	// Stanza is the raw paragraph of the status file, as distroless's
	// status.d entries keep it.
	Stanza string `json:"-"`
}

// PURL is the package URL of p (pkg:deb/debian/NAME@VERSION?arch=ARCH).
func (p *Package) PURL() string {
	s := "pkg:deb/debian/" + p.Name + "@" + purlEscape(p.Version)
	if p.Architecture != "" {
		s += "?arch=" + p.Architecture
	}
	return s
}

func purlEscape(s string) string {
	r := strings.NewReplacer("%", "%25", ":", "%3A", "+", "%2B", "~", "%7E", " ", "%20")
	return r.Replace(s)
}

// DB is a loaded package database. File ownership is indexed on first use.
type DB struct {
	Packages []*Package // sorted by name

	fsys  rootfs.FS
	lists []fileList
	once  sync.Once
	owner map[string]*Package
}

// fileList is one file naming the files of a package: an info/*.list
// (one path per line) or a status.d/*.md5sums ("md5  relative/path").
type fileList struct {
	pkg    *Package
	name   string
	md5sum bool
}

// Load reads the database under fsys. It returns ErrNoDatabase when there
// is none.
func Load(fsys rootfs.FS) (*DB, error) {
	db := &DB{fsys: fsys}
	byName := map[string]*Package{}
	fromFile := map[string]*Package{} // status.d file name -> its package
	add := func(b []byte, where string) {
		for _, p := range ParseStatus(b) {
			if _, dup := byName[p.Name]; !dup {
				byName[p.Name] = p
			}
			if where != "" {
				fromFile[where] = byName[p.Name]
			}
		}
	}
	found := false
	if b, err := fs.ReadFile(fsys, statusFile); err == nil {
		found = true
		add(b, "")
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("reading /%s: %w", statusFile, err)
	}
	if ents, err := fs.ReadDir(fsys, statusDir); err == nil {
		found = true
		for _, e := range ents {
			if e.IsDir() || strings.HasSuffix(e.Name(), ".md5sums") {
				continue
			}
			b, err := fs.ReadFile(fsys, path.Join(statusDir, e.Name()))
			if err != nil {
				return nil, fmt.Errorf("reading /%s/%s: %w", statusDir, e.Name(), err)
			}
			add(b, e.Name())
		}
	}
	if !found {
		return nil, ErrNoDatabase
	}
	for _, p := range byName {
		db.Packages = append(db.Packages, p)
	}
	sort.Slice(db.Packages, func(i, j int) bool { return db.Packages[i].Name < db.Packages[j].Name })
	info := map[string]bool{}
	if ents, err := fs.ReadDir(fsys, infoDir); err == nil {
		for _, e := range ents {
			info[e.Name()] = true
		}
	}
	for _, p := range db.Packages {
		for _, f := range []string{p.Name + ":" + p.Architecture + ".list", p.Name + ".list"} {
			if info[f] {
				db.lists = append(db.lists, fileList{pkg: p, name: path.Join(infoDir, f)})
				break
			}
		}
	}
	names := make([]string, 0, len(fromFile))
	for n := range fromFile {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		f := path.Join(statusDir, n+".md5sums")
		if _, err := fs.Stat(fsys, f); err == nil {
			db.lists = append(db.lists, fileList{pkg: fromFile[n], name: f, md5sum: true})
		}
	}
	return db, nil
}

// each calls fn with every path of the list (absolute, clean).
func (db *DB) each(l fileList, fn func(string)) {
	b, err := fs.ReadFile(db.fsys, l.name)
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(b), "\n") {
		if l.md5sum {
			_, file, ok := strings.Cut(line, "  ")
			if !ok {
				continue
			}
			line = file
		}
		if line = strings.TrimSpace(line); line != "" {
			fn(rootfs.Clean(line))
		}
	}
}

// index maps every listed file to its package; the first package (by
// name) to list a path keeps it.
func (db *DB) index() {
	db.owner = map[string]*Package{}
	for _, l := range db.lists {
		db.each(l, func(f string) {
			if _, ok := db.owner[f]; !ok {
				db.owner[f] = l.pkg
			}
		})
	}
	// Directories are listed by every package with files in them: they
	// belong to none in particular.
	for f := range db.owner {
		for d := path.Dir(f); d != "/" && d != "."; d = path.Dir(d) {
			delete(db.owner, d)
		}
	}
}

// aliases are the spellings of a path on a merged-/usr system: packages
// list /lib/x while the file is found as /usr/lib/x, or the reverse.
func aliases(name string) []string {
	name = rootfs.Clean(name)
	if rest, ok := strings.CutPrefix(name, "/usr"); ok && strings.HasPrefix(rest, "/") {
		return []string{name, rest}
	}
	return []string{name, "/usr" + name}
}

// Owner returns the package that installed the file at name (absolute),
// trying both spellings of merged-/usr paths.
func (db *DB) Owner(name string) (*Package, bool) {
	if db == nil {
		return nil, false
	}
	db.once.Do(db.index)
	for _, a := range aliases(name) {
		if p, ok := db.owner[a]; ok {
			return p, true
		}
	}
	return nil, false
}

// Owners returns the packages of a few files at once, without indexing
// the whole database: one pass over the file lists. Ask it about files,
// not directories (which many packages list).
func (db *DB) Owners(names []string) map[string]*Package {
	out := map[string]*Package{}
	if db == nil || len(names) == 0 {
		return out
	}
	want := map[string][]string{} // spelling -> asked names
	for _, n := range names {
		for _, a := range aliases(n) {
			want[a] = append(want[a], n)
		}
	}
	for _, l := range db.lists {
		db.each(l, func(f string) {
			for _, n := range want[f] {
				if _, ok := out[n]; !ok {
					out[n] = l.pkg
				}
			}
		})
	}
	return out
}

// Package returns the installed package called name.
func (db *DB) Package(name string) (*Package, bool) {
	i := sort.Search(len(db.Packages), func(i int) bool { return db.Packages[i].Name >= name })
	if i < len(db.Packages) && db.Packages[i].Name == name {
		return db.Packages[i], true
	}
	return nil, false
}

// ParseStatus parses the paragraphs of a dpkg status file, keeping the
// packages that are installed.
func ParseStatus(b []byte) []*Package {
	var out []*Package
	for _, para := range bytes.Split(bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")), []byte("\n\n")) {
		para = bytes.Trim(para, "\n")
		if len(para) == 0 {
			continue
		}
		f := fields(para)
		if f["Package"] == "" {
			continue
		}
		if st := f["Status"]; st != "" && !strings.HasSuffix(st, " installed") {
			continue
		}
		p := &Package{
			Name:         f["Package"],
			Version:      f["Version"],
			Architecture: f["Architecture"],
			Maintainer:   f["Maintainer"],
			Homepage:     f["Homepage"],
			Stanza:       string(para) + "\n",
		}
		if src, _, _ := strings.Cut(f["Source"], " "); src != "" && src != p.Name {
			p.Source = src
		}
		if kib, err := strconv.ParseInt(f["Installed-Size"], 10, 64); err == nil {
			p.InstalledSize = kib * 1024
		}
		out = append(out, p)
	}
	return out
}

// fields reads the single-line fields of one paragraph.
func fields(para []byte) map[string]string {
	f := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(para))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == ' ' || line[0] == '\t' {
			continue // continuation of a multi-line field
		}
		k, v, ok := strings.Cut(line, ":")
		if ok {
			f[k] = strings.TrimSpace(v)
		}
	}
	return f
}
