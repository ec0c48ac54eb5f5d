package report

import (
	"bufio"
	"bytes"
	"cmp"
	"path"
	"slices"
	"strconv"
	"strings"
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
		(strings.HasPrefix(p, dpkgInfo) && strings.HasSuffix(p, ".list"))
}

// packages attributes the files of t to the packages of the dpkg database
// found in content, or returns nil when the image has none.
func packages(t *tree, content map[string][]byte) *Packages {
	pkgs := map[string]*Package{}
	var order []*Package
	add := func(b []byte) {
		for _, p := range parseStatus(b) {
			if _, dup := pkgs[p.Name]; dup {
				continue
			}
			pkgs[p.Name] = &p
			order = append(order, &p)
		}
	}
	if b, ok := content[dpkgStatus]; ok {
		add(b)
	}
	var names []string
	for p := range content {
		if strings.HasPrefix(p, dpkgStatusD) {
			names = append(names, p)
		}
	}
	slices.Sort(names)
	for _, p := range names {
		if !strings.HasSuffix(p, ".md5sums") {
			add(content[p])
		}
	}
	if len(order) == 0 {
		return nil
	}
	out := &Packages{}
	owner := map[string]*Package{}
	resolved := map[string]string{}
	var lists []string
	for p := range content {
		if strings.HasPrefix(p, dpkgInfo) && strings.HasSuffix(p, ".list") {
			lists = append(lists, p)
		}
	}
	slices.Sort(lists)
	for _, l := range lists {
		name, _, _ := strings.Cut(strings.TrimSuffix(path.Base(l), ".list"), ":")
		pkg := pkgs[name]
		if pkg == nil {
			continue
		}
		out.FileLists = true
		sc := bufio.NewScanner(bytes.NewReader(content[l]))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			p := strings.TrimSpace(sc.Text())
			if p == "" || p == "/." {
				continue
			}
			// Packages name files by the paths they ship; with a merged
			// /usr the tree holds them elsewhere (/bin/ls is /usr/bin/ls).
			dir, base := path.Split(p)
			rd, ok := resolved[dir]
			if !ok {
				rd = cmp.Or(t.resolve(dir), path.Clean(dir))
				resolved[dir] = rd
			}
			real := path.Join(rd, base)
			if _, taken := owner[real]; !taken {
				owner[real] = pkg
			}
		}
	}
	for _, f := range t.byPath {
		if f.Kind == KindDir {
			continue
		}
		if pkg := owner[f.Path]; pkg != nil {
			pkg.Files++
			pkg.Bytes += f.Size
		} else {
			out.UnownedFiles++
			out.UnownedBytes += f.Size
		}
	}
	for _, p := range order {
		out.List = append(out.List, *p)
	}
	slices.SortFunc(out.List, func(x, y Package) int {
		return cmp.Or(cmp.Compare(y.Bytes, x.Bytes), cmp.Compare(y.InstalledSize, x.InstalledSize), strings.Compare(x.Name, y.Name))
	})
	return out
}

// parseStatus reads the installed packages of a dpkg status file.
func parseStatus(b []byte) []Package {
	var out []Package
	for _, para := range bytes.Split(bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")), []byte("\n\n")) {
		var p Package
		installed := true
		for _, line := range strings.Split(string(para), "\n") {
			if line == "" || line[0] == ' ' || line[0] == '\t' {
				continue
			}
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			v = strings.TrimSpace(v)
			switch k {
			case "Package":
				p.Name = v
			case "Version":
				p.Version = v
			case "Architecture":
				p.Architecture = v
			case "Installed-Size":
				if n, err := strconv.ParseInt(v, 10, 64); err == nil {
					p.InstalledSize = n * 1024
				}
			case "Status":
				installed = strings.HasSuffix(v, " installed")
			}
		}
		if p.Name != "" && installed {
			out = append(out, p)
		}
	}
	return out
}
