package slim

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/dietimg/diet/internal/dpkg"
	"github.com/dietimg/diet/internal/layer"
	"github.com/dietimg/diet/internal/report"
	"github.com/dietimg/diet/internal/sbom"
)

// statusDir is where distroless-style images keep one dpkg status entry
// per package, which vulnerability scanners read.
const statusDir = "/var/lib/dpkg/status.d"

type assembled struct {
	img      v1.Image
	kept     []Kept
	packages []string
	sbom     []byte
}

// assemble writes the kept paths as one reproducible layer under the
// original image's configuration.
func assemble(k *keeper, db *dpkg.DB, orig *v1.ConfigFile, opts Options) (*assembled, error) {
	out := &assembled{}
	var entries []layer.Entry
	pkgs := map[string]*dpkg.Package{}
	var files []sbom.File
	holders := map[inode]string{} // the first kept name of each file with several
	for _, p := range k.keptPaths() {
		n := k.t.nodes[p]
		r := k.kept[p]
		if strings.HasPrefix(p, statusDir+"/") {
			continue // rewritten below from the packages that still have files
		}
		e := layer.Entry{Path: p, UID: n.UID, GID: n.GID, ModTime: n.ModTime, Xattrs: n.Xattrs}
		kk := Kept{Path: p, Reason: r, Xattrs: xattrNames(n.Xattrs)}
		switch {
		case n.Mode.IsDir():
			e.Mode = fs.ModeDir | n.Mode&(fs.ModePerm|fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky)
			kk.Type = "dir"
		case n.Mode&fs.ModeSymlink != 0:
			e.Mode = fs.ModeSymlink | 0o777
			e.Link = n.Link
			kk.Type = "symlink"
		default:
			e.Mode = n.Mode & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)
			e.Source = k.t.host(p)
			kk.Type, kk.Size = "file", n.Size
			if n.inode != (inode{}) {
				if h, ok := holders[n.inode]; ok {
					e.HardLink, kk.HardLink = h, h
				} else {
					holders[n.inode] = p
				}
			}
			var pkgName string
			if pkg, ok := db.Owner(p); ok {
				pkgs[pkg.Name] = pkg
				pkgName = pkg.Name
			}
			sf, err := fileSums(e.Source)
			if err != nil {
				return nil, fmt.Errorf("reading %s: %w", p, err)
			}
			sf.Path, sf.Size, sf.Package = p, n.Size, pkgName
			sf.Reason = r.Kind
			if r.Detail != "" {
				sf.Reason += ": " + r.Detail
			}
			files = append(files, sf)
		}
		entries = append(entries, e)
		out.kept = append(out.kept, kk)
	}
	names := make([]string, 0, len(pkgs))
	for n := range pkgs {
		names = append(names, n)
	}
	sort.Strings(names)
	var spkgs []sbom.Package
	for _, name := range names {
		pkg := pkgs[name]
		stanza := strings.TrimRight(pkg.Stanza, "\n") + "\n"
		p := statusDir + "/" + name
		entries = append(entries, layer.Entry{Path: p, Mode: 0o644, Data: []byte(stanza)})
		out.kept = append(out.kept, Kept{Path: p, Type: "file", Size: int64(len(stanza)), Reason: Reason{Kind: ReasonRule, Detail: "dpkg status of " + name}})
		out.packages = append(out.packages, name)
		spkgs = append(spkgs, sbom.Package{Name: pkg.Name, Version: pkg.Version, Architecture: pkg.Architecture,
			PURL: pkg.PURL(), Supplier: "Organization: Debian", Source: pkg.Source, Homepage: pkg.Homepage})
	}
	sort.Slice(out.kept, func(i, j int) bool { return out.kept[i].Path < out.kept[j].Path })

	l, err := layer.Build(entries, layer.Options{Epoch: opts.Epoch})
	if err != nil {
		return nil, fmt.Errorf("writing the layer: %w", err)
	}
	img, err := mutate.Append(mutate.MediaType(empty.Image, types.OCIManifestSchema1), mutate.Addendum{
		Layer:     l,
		MediaType: types.OCILayer,
		History:   v1.History{Created: v1.Time{Time: opts.Epoch}, CreatedBy: "diet slim", Comment: "files the program uses, found by static analysis and by tracing it under probes"},
	})
	if err != nil {
		return nil, err
	}
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.Architecture, cf.OS, cf.Variant, cf.OSVersion = orig.Architecture, orig.OS, orig.Variant, orig.OSVersion
	cf.Created = v1.Time{Time: opts.Epoch}
	cf.Config = *orig.Config.DeepCopy()
	cf.Author = ""
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return nil, err
	}
	out.img = img

	name := opts.Name
	if name == "" {
		name = "slimmed image"
	}
	doc, err := sbom.SPDX(sbom.Document{Name: name, Created: opts.Epoch, Tool: "diet slim", Files: files, Packages: spkgs})
	if err != nil {
		return nil, fmt.Errorf("writing the SBOM: %w", err)
	}
	out.sbom = doc
	return out, nil
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

func fileSums(name string) (sbom.File, error) {
	f, err := os.Open(name)
	if err != nil {
		return sbom.File{}, err
	}
	defer f.Close()
	h1, h256 := sha1.New(), sha256.New()
	if _, err := io.Copy(io.MultiWriter(h1, h256), f); err != nil {
		return sbom.File{}, err
	}
	return sbom.File{SHA1: hex.EncodeToString(h1.Sum(nil)), SHA256: hex.EncodeToString(h256.Sum(nil))}, nil
}

// imageSizes measures img as every diet command does (report.Sizes).
func imageSizes(img v1.Image) (Sizes, error) {
	var s Sizes
	var err error
	s.Uncompressed, s.Compressed, err = report.Sizes(img)
	return s, err
}
