// Package analyze measures an image as diet size and diet inspect show it
// (package report renders the measurements): per-layer and total sizes
// as Docker and registries count them, the largest files, the bytes
// wasted by files that later layers overwrite or delete, a breakdown by
// Debian package, and why diet kept each file.
//
// Image streams each layer once and never unpacks to disk: it keeps the
// paths and sizes of the merged tree and the content of the few files it
// reads (the dpkg database, diet's own SBOM).
package analyze

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dietimg/diet/internal/artifact"
)

// Layer is what one layer of an image weighs.
type Layer struct {
	Index     int    `json:"index"`
	Digest    string `json:"digest"`
	DiffID    string `json:"diff_id"`
	MediaType string `json:"media_type"`
	// Compressed is the size of the blob a pull transfers.
	Compressed int64 `json:"compressed"`
	// Uncompressed is the size Docker reports for the layer once loaded:
	// its overlay2 driver sums the lstat sizes of the layer's files
	// (regular files, hard links once, symlinks as the length of their
	// target; directories and whiteouts count nothing).
	Uncompressed int64 `json:"uncompressed"`
	// TarBytes is the length of the uncompressed tar stream, headers and
	// padding included.
	TarBytes  int64  `json:"tar_bytes"`
	Files     int    `json:"files"` // entries other than directories and whiteouts
	Whiteouts int    `json:"whiteouts,omitempty"`
	Wasted    int64  `json:"wasted"` // bytes of this layer that later layers hide
	Command   string `json:"command,omitempty"`
}

// WastedPath sums the hidden versions of one path.
type WastedPath struct {
	Path     string `json:"path"`
	Bytes    int64  `json:"bytes"`
	Versions int    `json:"versions"` // hidden versions
	Cause    string `json:"cause"`    // of the last hidden version
}

// Analysis is everything diet measures of one image.
type Analysis struct {
	Ref      string            `json:"ref,omitempty"`
	Digest   string            `json:"digest,omitempty"`
	Platform string            `json:"platform,omitempty"`
	Labels   map[string]string `json:"labels,omitempty"`
	// Uncompressed is what `docker images` shows: the sum of the layers'
	// Uncompressed sizes.
	Uncompressed int64 `json:"uncompressed"`
	// Compressed is the sum of the layer blobs, what a pull transfers;
	// the manifest and the config blob are not counted.
	Compressed int64   `json:"compressed"`
	TarBytes   int64   `json:"tar_bytes"`
	Layers     []Layer `json:"layers"`
	// FileCount counts the entries of the merged tree other than
	// directories; FileBytes sums its regular files.
	FileCount int   `json:"file_count"`
	FileBytes int64 `json:"file_bytes"`
	// TotalBytes sums the regular files of every layer, hidden versions
	// included; Wasted is the part the merged tree does not show, and
	// Efficiency is 1 - Wasted/TotalBytes.
	TotalBytes  int64        `json:"total_bytes"`
	Wasted      int64        `json:"wasted"`
	Efficiency  float64      `json:"efficiency"`
	WastedPaths []WastedPath `json:"wasted_paths,omitempty"` // largest first, at most Options.Top
	Largest     []File       `json:"largest,omitempty"`      // largest first, at most Options.Top
	Packages    *Packages    `json:"packages,omitempty"`
	// Reasons are the files diet's SBOM gives a reason for, each with
	// its Path and Reason only.
	Reasons []artifact.File `json:"reasons,omitempty"`
	// ReasonsFrom says where the reasons were read: a label, a file in
	// the image, an SBOM beside it or attached to it.
	ReasonsFrom string `json:"reasons_from,omitempty"`
	// Seccomp summarises the seccomp profile published with the image
	// (AddSeccomp); nil when there is none.
	Seccomp *Seccomp `json:"seccomp,omitempty"`
	// Files is the whole merged tree, sorted by path, when
	// Options.KeepFiles asks for it.
	Files []File `json:"files,omitempty"`

	has map[string]bool // paths of the merged tree, directories aside
}

// Options tune Image.
type Options struct {
	// Top bounds the lists of largest files and wasted paths (default 10).
	Top int
	// KeepFiles keeps the whole merged tree in Analysis.Files.
	KeepFiles bool
}

// maxCapture bounds the content of one file Image reads (a dpkg status
// database of a large image is a few MB), and captureBudget all of them
// together; files beyond either are left unread, as if absent.
const (
	maxCapture    = 64 << 20
	captureBudget = 256 << 20
)

// Image measures img. ref is only recorded.
func Image(ctx context.Context, ref string, img v1.Image, opt Options) (*Analysis, error) {
	if opt.Top <= 0 {
		opt.Top = 10
	}
	a := &Analysis{Ref: ref}
	if d, err := img.Digest(); err == nil {
		a.Digest = d.String()
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("reading image config: %w", err)
	}
	a.Platform = platformOf(cf)
	a.Labels = cf.Config.Labels
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("listing layers: %w", err)
	}
	history := layerHistory(cf, len(layers))
	a.Layers = make([]Layer, len(layers))
	m := newMerger(wantContent, maxCapture, captureBudget)
	m.ctx = ctx
	for i := len(layers) - 1; i >= 0; i-- {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		l, err := measureLayer(m, i, layers[i])
		if err != nil {
			return nil, fmt.Errorf("layer %d: %w", i, err)
		}
		l.Command = history[i]
		a.Layers[i] = l
	}
	for _, l := range a.Layers {
		a.Uncompressed += l.Uncompressed
		a.Compressed += l.Compressed
		a.TarBytes += l.TarBytes
	}
	slices.SortFunc(m.visible, func(x, y File) int { return strings.Compare(x.Path, y.Path) })
	a.has = make(map[string]bool, len(m.visible))
	for _, f := range m.visible {
		if f.Kind == KindDir {
			continue
		}
		a.has[f.Path] = true
		a.FileCount++
		a.FileBytes += f.Size
	}
	a.TotalBytes = m.total
	for _, w := range m.waste {
		a.Wasted += w.Size
		a.Layers[w.Layer].Wasted += w.Size
	}
	a.Efficiency = 1
	if a.TotalBytes > 0 {
		a.Efficiency = 1 - float64(a.Wasted)/float64(a.TotalBytes)
	}
	a.WastedPaths = topWaste(m.waste, opt.Top)
	a.Largest = largest(m.visible, opt.Top)
	a.Packages = packages(m.visible, m.content)
	a.Reasons, a.ReasonsFrom = reasons(m.content)
	if opt.KeepFiles {
		a.Files = m.visible
	}
	return a, nil
}

func platformOf(cf *v1.ConfigFile) string {
	p := v1.Platform{OS: cf.OS, Architecture: cf.Architecture, Variant: cf.Variant}
	if p.OS == "" && p.Architecture == "" {
		return ""
	}
	return p.String()
}

// layerHistory pairs the config's history with the layers it made.
func layerHistory(cf *v1.ConfigFile, n int) []string {
	out := make([]string, n)
	i := 0
	for _, h := range cf.History {
		if h.EmptyLayer {
			continue
		}
		if i >= n {
			break
		}
		out[i] = strings.TrimSpace(cmp.Or(h.CreatedBy, h.Comment))
		i++
	}
	return out
}

func measureLayer(m *merger, idx int, l v1.Layer) (Layer, error) {
	out := Layer{Index: idx}
	if d, err := l.Digest(); err == nil {
		out.Digest = d.String()
	}
	if d, err := l.DiffID(); err == nil {
		out.DiffID = d.String()
	}
	if mt, err := l.MediaType(); err == nil {
		out.MediaType = string(mt)
	}
	size, err := l.Size()
	if err != nil {
		return out, fmt.Errorf("reading blob size: %w", err)
	}
	out.Compressed = size
	rc, err := l.Uncompressed()
	if err != nil {
		return out, fmt.Errorf("opening: %w", err)
	}
	defer rc.Close()
	st, err := m.addLayer(idx, rc)
	if err != nil {
		return out, err
	}
	// Drain whatever the tar reader left, so that verifying readers
	// check the digest.
	if _, err := io.Copy(io.Discard, rc); err != nil {
		return out, fmt.Errorf("reading: %w", err)
	}
	out.Uncompressed = st.DockerSize
	out.TarBytes = st.TarBytes
	out.Files = st.Files
	out.Whiteouts = st.Whiteouts
	return out, nil
}

func topWaste(ws []Waste, n int) []WastedPath {
	by := map[string]*WastedPath{}
	var order []*WastedPath
	for _, w := range ws {
		p := by[w.Path]
		if p == nil {
			p = &WastedPath{Path: w.Path}
			by[w.Path] = p
			order = append(order, p)
		}
		p.Bytes += w.Size
		p.Versions++
		p.Cause = w.Cause
	}
	slices.SortFunc(order, func(x, y *WastedPath) int {
		return cmp.Or(cmp.Compare(y.Bytes, x.Bytes), strings.Compare(x.Path, y.Path))
	})
	var out []WastedPath
	for _, p := range order[:min(n, len(order))] {
		out = append(out, *p)
	}
	return out
}

func largest(fs []File, n int) []File {
	var files []File
	for _, f := range fs {
		if f.Kind == KindFile {
			files = append(files, f)
		}
	}
	slices.SortFunc(files, func(x, y File) int {
		return cmp.Or(cmp.Compare(y.Size, x.Size), strings.Compare(x.Path, y.Path))
	})
	return files[:min(n, len(files))]
}
