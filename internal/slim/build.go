package slim

import (
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/dietimg/diet/internal/dpkg"
	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/layer"
	"github.com/dietimg/diet/internal/sbom"
	"github.com/dietimg/diet/internal/why"
)

// statusDir is where distroless-style images keep one dpkg status entry
// per package, which vulnerability scanners read.
const statusDir = "/var/lib/dpkg/status.d"

type assembled struct {
	img      v1.Image
	kept     []Kept
	packages []string
	doc      sbom.Document
	sbom     []byte
}

// assemble writes the kept paths as one reproducible layer under the
// original image's configuration.
func assemble(k *keeper, db *dpkg.DB, orig *v1.ConfigFile, opts Options) (*assembled, error) {
	a := &assembly{k: k, db: db, pkgs: map[string]*dpkg.Package{}, holders: map[inode]string{}}
	for _, p := range k.keptPaths() {
		if err := a.addPath(p); err != nil {
			return nil, err
		}
	}
	spkgs := a.addStatus()
	out := &assembled{kept: a.kept, packages: a.packages}
	sort.Slice(out.kept, func(i, j int) bool { return out.kept[i].Path < out.kept[j].Path })

	img, err := slimImage(a.entries, orig, opts.Epoch)
	if err != nil {
		return nil, err
	}
	out.img = img

	name := opts.Name
	if name == "" {
		name = "slimmed image"
	}
	out.doc = sbom.Document{Name: name, Created: opts.Epoch, Tool: "diet slim", Files: a.files, Packages: spkgs}
	if out.sbom, err = sbom.SPDX(out.doc); err != nil {
		return nil, fmt.Errorf("writing the SBOM: %w", err)
	}
	return out, nil
}

// assembly is the layer's entries, the Kept list and the SBOM's files as
// assemble gathers them from the keep-set.
type assembly struct {
	k        *keeper
	db       *dpkg.DB
	entries  []layer.Entry
	kept     []Kept
	files    []sbom.File
	pkgs     map[string]*dpkg.Package // the packages that still have files
	packages []string
	holders  map[inode]string // the first kept name of each file with several
}

// addPath adds the kept path p: its entry, as the original has it, and
// for a regular file its package and SBOM entry.
func (a *assembly) addPath(p string) error {
	n := a.k.t.nodes[p]
	r := a.k.kept[p]
	if strings.HasPrefix(p, statusDir+"/") {
		return nil // rewritten by addStatus from the packages that still have files
	}
	e := layer.Entry{Path: p, UID: n.UID, GID: n.GID, ModTime: n.ModTime, Xattrs: n.Xattrs}
	kk := Kept{Path: p, Type: layer.Kind(n.Mode), Reason: r, Xattrs: xattrNames(n.Xattrs)}
	switch kk.Type {
	case "dir":
		e.Mode = fs.ModeDir | n.Mode&(fs.ModePerm|fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky)
	case "symlink":
		e.Mode = fs.ModeSymlink | 0o777
		e.Link = n.Link
	default:
		e.Mode = n.Mode & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)
		e.Source = a.k.t.host(p)
		kk.Size = n.Size
		if n.inode != (inode{}) {
			if h, ok := a.holders[n.inode]; ok {
				e.HardLink, kk.HardLink = h, h
			} else {
				a.holders[n.inode] = p
			}
		}
		if err := a.addFile(p, n, r, e.Source); err != nil {
			return err
		}
	}
	a.entries = append(a.entries, e)
	a.kept = append(a.kept, kk)
	return nil
}

// addFile adds the regular file p (its content at source) to the SBOM,
// and its package to those that still have files.
func (a *assembly) addFile(p string, n *node, r why.Reason, source string) error {
	var pkgName string
	if pkg, ok := a.db.Owner(p); ok {
		a.pkgs[pkg.Name] = pkg
		pkgName = pkg.Name
	}
	sf, err := fileSums(source)
	if err != nil {
		return fmt.Errorf("reading %s: %w", p, err)
	}
	sf.Path, sf.Size, sf.Package = p, n.Size, pkgName
	sf.Reason = r.String()
	a.files = append(a.files, sf)
	return nil
}

// addStatus writes a status.d entry for each package that still has
// files, and returns the packages for the SBOM.
func (a *assembly) addStatus() []sbom.Package {
	names := make([]string, 0, len(a.pkgs))
	for n := range a.pkgs {
		names = append(names, n)
	}
	sort.Strings(names)
	var spkgs []sbom.Package
	for _, name := range names {
		pkg := a.pkgs[name]
		stanza := strings.TrimRight(pkg.Stanza, "\n") + "\n"
		p := statusDir + "/" + name
		a.entries = append(a.entries, layer.Entry{Path: p, Mode: 0o644, Data: []byte(stanza)})
		a.kept = append(a.kept, Kept{Path: p, Type: "file", Size: int64(len(stanza)), Reason: why.Reason{Kind: why.Rule, Detail: "dpkg status of " + name}})
		a.packages = append(a.packages, name)
		spkgs = append(spkgs, pkg.SBOM())
	}
	return spkgs
}

// slimImage is the image of one layer of entries, stamped with epoch,
// under the original's platform and configuration.
func slimImage(entries []layer.Entry, orig *v1.ConfigFile, epoch time.Time) (v1.Image, error) {
	l, err := layer.Build(entries, layer.Options{Epoch: epoch})
	if err != nil {
		return nil, fmt.Errorf("writing the layer: %w", err)
	}
	return image.Append(nil, mutate.Addendum{
		Layer:     l,
		MediaType: types.OCILayer,
		History:   v1.History{Created: v1.Time{Time: epoch}, CreatedBy: "diet slim", Comment: "files the program uses, found by static analysis and by tracing it under probes"},
	}, func(cf *v1.ConfigFile) error {
		cf.Architecture, cf.OS, cf.Variant, cf.OSVersion = orig.Architecture, orig.OS, orig.Variant, orig.OSVersion
		cf.Created = v1.Time{Time: epoch}
		cf.Config = *orig.Config.DeepCopy()
		cf.Author = ""
		return nil
	})
}

func xattrNames(x map[string]string) []string {
	if len(x) == 0 {
		return nil
	}
	out := make([]string, 0, len(x))
	for n := range x {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// fileSums reads the host file name once for its checksums and size.
func fileSums(name string) (sbom.File, error) {
	f, err := os.Open(name)
	if err != nil {
		return sbom.File{}, err
	}
	defer f.Close()
	return sbom.Checksums(f)
}
