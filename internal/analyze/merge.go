package analyze

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/dietimg/diet/internal/rootfs"
)

// Entry kinds as reports show them.
const (
	KindFile     = "file"
	KindDir      = "dir"
	KindSymlink  = "symlink"
	KindHardlink = "hardlink"
	KindOther    = "other" // devices, fifos
)

// File is one entry of an image's merged file tree.
type File struct {
	Path  string `json:"path"` // absolute, clean
	Kind  string `json:"kind"`
	Size  int64  `json:"size"` // bytes of a regular file; 0 for anything else
	Link  string `json:"link,omitempty"`
	Layer int    `json:"layer"` // index of the layer the entry comes from
}

// Waste is one version of a file that the merged tree no longer shows: a
// later layer overwrote it or deleted it, yet its bytes are still stored
// and pulled.
type Waste struct {
	Path  string `json:"path"`
	Size  int64  `json:"size"`
	Layer int    `json:"layer"` // layer that stores the hidden bytes
	By    int    `json:"by"`    // layer that hides them
	Cause string `json:"cause"` // "overwritten" or "deleted"
}

// mask records what higher layers did at a path, for the lower layers:
// whether the path itself is replaced or deleted (self), and whether
// everything under it is hidden (below: a whiteout, an opaque directory,
// or a non-directory in its place). Each side keeps the lowest layer that
// did it, the one nearest to what it hides.
type mask struct {
	self, below           bool
	selfBy, belowBy       int
	selfCause, belowCause string
}

// over returns m updated by k, the mask of a lower layer.
func (m mask) over(k mask) mask {
	if k.self {
		m.self, m.selfBy, m.selfCause = true, k.selfBy, k.selfCause
	}
	if k.below {
		m.below, m.belowBy, m.belowCause = true, k.belowBy, k.belowCause
	}
	return m
}

func selfMask(idx int, cause string) mask { return mask{self: true, selfBy: idx, selfCause: cause} }

func belowMask(idx int, cause string) mask {
	return mask{below: true, belowBy: idx, belowCause: cause}
}

// merger walks layers from the top down. An entry of a lower layer is
// visible unless a higher layer has an entry at the same path, or deleted
// it, or replaced or emptied one of its ancestors. Going top-down decides
// visibility when an entry is read, so nothing but paths and sizes (and
// the few files captured by content) is kept: memory grows with the number
// of paths, never with the bytes.
type merger struct {
	masks   map[string]mask
	visible []File
	waste   []Waste
	total   int64 // bytes of regular files over all layers and versions
	capture func(string) bool
	limit   int64 // of one captured file; larger ones are not read
	budget  int64 // left for all captured files together
	content map[string][]byte
	ctx     context.Context // checked now and then in long layers; may be nil
}

func newMerger(capture func(string) bool, limit, budget int64) *merger {
	return &merger{masks: map[string]mask{}, capture: capture, limit: limit, budget: budget, content: map[string][]byte{}}
}

// hiddenBy says which higher layer hides p, and how, if one does.
func (m *merger) hiddenBy(p string) (by int, cause string, hidden bool) {
	if k, ok := m.masks[p]; ok && k.self {
		return k.selfBy, k.selfCause, true
	}
	for d := path.Dir(p); d != "/"; d = path.Dir(d) {
		if k, ok := m.masks[d]; ok && k.below {
			return k.belowBy, k.belowCause, true
		}
	}
	return 0, "", false
}

// layerStats is what one pass over a layer's tar stream measures.
type layerStats struct {
	DockerSize int64 // what Docker's overlay2 driver counts (see Layer.Uncompressed)
	TarBytes   int64
	Files      int
	Whiteouts  int
	FileBytes  int64
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// addLayer reads the uncompressed tar stream of layer idx, which must be
// lower than every layer added before.
func (m *merger) addLayer(idx int, r io.Reader) (layerStats, error) {
	var st layerStats
	cr := &countingReader{r: r}
	tr := tar.NewReader(cr)
	pending := map[string]mask{}
	set := func(p string, k mask) { pending[p] = pending[p].over(k) }
	here := map[string]int{} // path -> index in visible, for duplicates inside this layer
	for n := 0; ; n++ {
		if n%4096 == 0 && m.ctx != nil && m.ctx.Err() != nil {
			return st, m.ctx.Err()
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return st, fmt.Errorf("reading tar entry: %w", err)
		}
		p := rootfs.Clean(hdr.Name)
		if p == "/" {
			continue
		}
		dir, base := path.Split(p)
		dir = path.Clean(dir)
		if strings.HasPrefix(base, ".wh.") {
			st.Whiteouts++
			switch {
			case base == ".wh..wh..opq":
				set(dir, belowMask(idx, "deleted"))
			case strings.HasPrefix(base, ".wh..wh."):
				// aufs bookkeeping (.wh..wh.plnk and such): not a file.
			default:
				w := path.Join(dir, strings.TrimPrefix(base, ".wh."))
				set(w, selfMask(idx, "deleted").over(belowMask(idx, "deleted")))
			}
			continue
		}
		st.DockerSize += rootfs.EntrySize(hdr)
		f := File{Path: p, Layer: idx}
		switch hdr.Typeflag {
		case tar.TypeReg, tar.TypeRegA:
			f.Kind, f.Size = KindFile, hdr.Size
			st.FileBytes += hdr.Size
			m.total += hdr.Size
		case tar.TypeDir:
			f.Kind = KindDir
		case tar.TypeSymlink:
			f.Kind, f.Link = KindSymlink, hdr.Linkname
		case tar.TypeLink:
			f.Kind, f.Link = KindHardlink, rootfs.Clean(hdr.Linkname)
		default:
			f.Kind = KindOther
		}
		if f.Kind != KindDir {
			st.Files++
			set(p, selfMask(idx, "overwritten").over(belowMask(idx, "overwritten")))
		} else {
			set(p, selfMask(idx, "overwritten"))
		}
		if by, cause, hidden := m.hiddenBy(p); hidden {
			if f.Size > 0 {
				m.waste = append(m.waste, Waste{Path: p, Size: f.Size, Layer: idx, By: by, Cause: cause})
			}
			continue
		}
		if i, dup := here[p]; dup {
			// The later entry of one tar stream wins.
			if old := m.visible[i]; old.Size > 0 {
				m.waste = append(m.waste, Waste{Path: p, Size: old.Size, Layer: idx, By: idx, Cause: "overwritten"})
			}
			m.visible[i] = f
		} else {
			here[p] = len(m.visible)
			m.visible = append(m.visible, f)
		}
		if f.Kind == KindFile && m.capture != nil && m.capture(p) && f.Size <= m.limit && f.Size <= m.budget {
			b, err := io.ReadAll(io.LimitReader(tr, f.Size))
			if err != nil {
				return st, fmt.Errorf("reading %s: %w", p, err)
			}
			m.budget -= int64(len(b))
			m.content[p] = b
		}
	}
	// Count the end-of-archive blocks and padding too.
	if _, err := io.Copy(io.Discard, cr); err != nil {
		return st, fmt.Errorf("reading tar stream: %w", err)
	}
	st.TarBytes = cr.n
	for p, k := range pending {
		m.masks[p] = m.masks[p].over(k)
	}
	return st, nil
}
