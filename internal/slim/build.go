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

	"github.com/dietimg/diet/internal/artifact"
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
	files    []artifact.File
	packages []string
	sbomPkgs []sbom.Package // the SBOM's packages
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
	out := &assembled{files: a.kept, packages: a.packages}
	sort.Slice(out.files, func(i, j int) bool { return out.files[i].Path < out.files[j].Path })

	img, err := slimImage(a.entries, orig, opts.Epoch)
	if err != nil {
		return nil, err
	}
	out.img = img

	name := opts.Name
	if name == "" {
		name = "slimmed image"
	}
	out.sbomPkgs = spkgs
	doc := sbom.Document{Name: name, Created: opts.Epoch, Tool: "diet slim"}
	doc.Add("", out.files, spkgs...) // status.d stanzas have no checksums: the packages stand for them
	if out.sbom, err = sbom.SPDX(doc); err != nil {
		return nil, fmt.Errorf("writing the SBOM: %w", err)
	}
	return out, nil
}

// assembly is the layer's entries, the kept files and the SBOM's files as
// assemble gathers them from the keep-set.
type assembly struct {
	k        *keeper
	db       *dpkg.DB
	entries  []layer.Entry
	kept     []artifact.File
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
	kk := artifact.File{Path: p, Type: layer.Kind(n.Mode), Reason: r, Xattrs: xattrNames(n.Xattrs)}
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
		if err := a.addFile(&kk, e.Source); err != nil {
			return err
		}
	}
	a.entries = append(a.entries, e)
	a.kept = append(a.kept, kk)
	return nil
}

// addFile completes the regular file f (its content at source) for the
// SBOM: its checksums and package, which joins those that still have
// files.
func (a *assembly) addFile(f *artifact.File, source string) error {
	if pkg, ok := a.db.Owner(f.Path); ok {
		a.pkgs[pkg.Name] = pkg
		f.Package = pkg.Name
	}
	sums, err := fileSums(source)
	if err != nil {
		return fmt.Errorf("reading %s: %w", f.Path, err)
	}
	f.SHA1, f.SHA256 = sums.SHA1, sums.SHA256
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
		a.kept = append(a.kept, artifact.File{Path: p, Type: "file", Size: int64(len(stanza)), Reason: why.Reason{Kind: why.Rule, Detail: "dpkg status of " + name}})
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
func fileSums(name string) (artifact.File, error) {
	f, err := os.Open(name)
	if err != nil {
		return artifact.File{}, err
	}
	defer f.Close()
	return sbom.Checksums(f)
}
