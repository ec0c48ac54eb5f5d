package elfinfo

import (
	"bytes"
	"strings"
	"sync"
)

// patternSet groups patterns by an anchor, a substring several of them
// share ("/etc/"), and anchors by a probe byte each holds ('/'), so that
// a chunk is searched once per probe byte, with bytes.IndexByte, which
// runs at memory speed; each hit of a probe byte is checked against the
// anchors holding it, and each anchor found against its patterns.
type patternSet struct {
	pats    []pattern
	anchors []anchor
	probes  []probe
	longest int
}

type anchor struct {
	text  string
	probe int   // index in text of its probe byte
	check int   // index in text of the byte checked next, after the probe
	pats  []int // indexes into pats
	offs  []int // where text sits in each pattern
}

// probe is a byte searched for, with the anchors it may be part of.
type probe struct {
	c       byte
	anchors []int // indexes into anchors
}

var (
	// Three passes: '/' for the paths under /etc, 'f' for zoneinfo and
	// ca-certificates.crt, 'T' for SSL_CERT_ and TZif. All three are
	// rare in read-only data (see byteOrder), so hits are few.
	stringSet = newPatternSet(stringPatterns, "/fT", "/etc/", "zoneinfo", "SSL_CERT_")
	goNames   = newNameSet(goFuncs)
)

// byteOrder lists the printable bytes from the most to the least
// frequent in the read-only data of the programs of a Debian system
// (.rodata and .data of /usr/bin and /usr/sbin, 83 MB).
const byteOrder = " etarinso0lcdup_mhfg&-Pb.`%:AE,yk1(RS2v=T!CIxDN)w/8;O'M}@BL{F3<K*H$4\"U>G567]jz[9qXV|W#Q?+YJ\\~Z^"

// rarest returns the index in s of its least frequent byte.
func rarest(s string) int {
	best, bestRank := 0, -1
	for i := 0; i < len(s); i++ {
		r := strings.IndexByte(byteOrder, s[i])
		if r < 0 { // not printable: NUL and 0xff are common in binary data
			r = 0
		}
		if r > bestRank {
			best, bestRank = i, r
		}
	}
	return best
}

// newPatternSet anchors each pattern at the first of anchors it contains,
// else at itself, and probes each anchor by the first byte of probes it
// holds, else by its rarest byte.
func newPatternSet(pats []pattern, probes string, anchors ...string) *patternSet {
	ps := &patternSet{pats: pats}
	byText := map[string]int{}
	for i, pt := range pats {
		a := pt.text
		for _, c := range anchors {
			if strings.Contains(pt.text, c) {
				a = c
				break
			}
		}
		j, ok := byText[a]
		if !ok {
			j = len(ps.anchors)
			byText[a] = j
			at := rarest(a)
			for k := 0; k < len(probes); k++ {
				if x := strings.IndexByte(a, probes[k]); x >= 0 {
					at = x
					break
				}
			}
			check := at + 1
			if check == len(a) {
				check = max(at-1, 0)
			}
			ps.anchors = append(ps.anchors, anchor{text: a, probe: at, check: check})
		}
		ps.anchors[j].pats = append(ps.anchors[j].pats, i)
		ps.anchors[j].offs = append(ps.anchors[j].offs, strings.Index(pt.text, a))
		ps.longest = max(ps.longest, len(pt.text)+1) // one more byte, for notNext
	}
	for j, a := range ps.anchors {
		c := a.text[a.probe]
		k := 0
		for k < len(ps.probes) && ps.probes[k].c != c {
			k++
		}
		if k == len(ps.probes) {
			ps.probes = append(ps.probes, probe{c: c})
		}
		ps.probes[k].anchors = append(ps.probes[k].anchors, j)
	}
	return ps
}

// find marks in found the patterns present in chunk; it returns how many
// it newly found.
func (ps *patternSet) find(chunk []byte, found []bool) int {
	n := 0
	for _, pr := range ps.probes {
		left := 0
		for _, j := range pr.anchors {
			for _, i := range ps.anchors[j].pats {
				if !found[i] {
					left++
				}
			}
		}
		for pos := 0; left > 0 && pos < len(chunk); {
			i := bytes.IndexByte(chunk[pos:], pr.c)
			if i < 0 {
				break
			}
			at := pos + i
			pos = at + 1
			for _, j := range pr.anchors {
				a := &ps.anchors[j]
				hit := at - a.probe // where the anchor would start
				if hit < 0 || hit+len(a.text) > len(chunk) {
					continue
				}
				// One more byte before the call to compare: most hits
				// fail there.
				if chunk[hit+a.check] != a.text[a.check] || string(chunk[hit:hit+len(a.text)]) != a.text {
					continue
				}
				for k, pi := range a.pats {
					if found[pi] {
						continue
					}
					pt := ps.pats[pi]
					start := hit - a.offs[k]
					end := start + len(pt.text)
					if start < 0 || end > len(chunk) || string(chunk[start:end]) != pt.text {
						continue
					}
					if pt.notNext != 0 && end < len(chunk) && chunk[end] == pt.notNext {
						continue
					}
					found[pi] = true
					left--
					n++
				}
			}
		}
	}
	return n
}

// scanChunk is the size of one read: small enough that the chunk stays
// in the CPU's second-level cache while every anchor is searched in it.
const scanChunk = 256 << 10

var scanBufs = sync.Pool{New: func() any { b := make([]byte, scanChunk); return &b }}

// clip bounds a region to the file, or reports it empty.
func (p *parser) clip(rg region) (off, end uint64, ok bool) {
	if rg.off >= uint64(p.size) {
		return 0, 0, false
	}
	end = rg.off + rg.size
	if end < rg.off || end > uint64(p.size) { // overflow, or past the end
		end = uint64(p.size)
	}
	return rg.off, end, rg.off < end
}

// scan returns the patterns of ps found in the regions, reading at most
// budget bytes in chunks of scanChunk that overlap by the longest
// pattern, so that no match is cut.
func (p *parser) scan(regions []region, ps *patternSet, budget *int64) []pattern {
	found := make([]bool, len(ps.pats))
	left, overlap := len(ps.pats), ps.longest
	bufp := scanBufs.Get().(*[]byte)
	defer scanBufs.Put(bufp)
	buf := *bufp
	for _, rg := range regions {
		off, end, ok := p.clip(rg)
		for ok && off < end && left > 0 && *budget > 0 {
			n := min(uint64(len(buf)), end-off, uint64(*budget))
			got, _ := p.r.ReadAt(buf[:n], int64(off))
			if got <= 0 {
				break
			}
			left -= ps.find(buf[:got], found)
			*budget -= int64(got)
			if off+uint64(got) >= end || got <= overlap {
				break
			}
			off += uint64(got - overlap)
		}
	}
	var out []pattern
	for i, ok := range found {
		if ok {
			out = append(out, ps.pats[i])
		}
	}
	return out
}

// nameSet looks up whole NUL-terminated names: the function names of a
// Go binary. Names are compared by length first, then by their last
// byte: hundreds of thousands of names go by per program.
type nameSet struct {
	pats  []pattern
	byLen [][]int // indexes into pats by the length of their text
}

func newNameSet(pats []pattern) *nameSet {
	ns := &nameSet{pats: pats}
	for i, pt := range pats {
		for len(ns.byLen) <= len(pt.text) {
			ns.byLen = append(ns.byLen, nil)
		}
		ns.byLen[len(pt.text)] = append(ns.byLen[len(pt.text)], i)
	}
	return ns
}

// lookup returns the index of name in ns.pats.
func (ns *nameSet) lookup(name []byte) (int, bool) {
	if len(name) >= len(ns.byLen) || len(name) == 0 {
		return 0, false
	}
	for _, k := range ns.byLen[len(name)] {
		if t := ns.pats[k].text; t[len(t)-1] == name[len(name)-1] && t == string(name) {
			return k, true
		}
	}
	return 0, false
}

// scanNames returns the patterns of ns that occur as whole names,
// between NULs or the ends of a region, in the regions. It reads at most
// budget bytes; each read ends at the last NUL it holds, so that no name
// is cut.
func (p *parser) scanNames(regions []region, ns *nameSet, budget *int64) []pattern {
	found := make([]bool, len(ns.pats))
	left := len(ns.pats)
	bufp := scanBufs.Get().(*[]byte)
	defer scanBufs.Put(bufp)
	buf := *bufp
	for _, rg := range regions {
		off, end, ok := p.clip(rg)
		midName := false // the chunk starts inside a name too long to look up
		for ok && off < end && left > 0 && *budget > 0 {
			n := min(uint64(len(buf)), end-off, uint64(*budget))
			got, _ := p.r.ReadAt(buf[:n], int64(off))
			if got <= 0 {
				break
			}
			*budget -= int64(got)
			chunk, next := buf[:got], off+uint64(got)
			if next < end {
				// Leave the name cut by the end of the chunk to the next
				// read.
				if i := bytes.LastIndexByte(chunk, 0); i >= 0 {
					chunk, next = chunk[:i+1], off+uint64(i+1)
				} else {
					chunk = nil
				}
			}
			for first := true; len(chunk) > 0; first = false {
				i := bytes.IndexByte(chunk, 0)
				if i < 0 {
					i = len(chunk)
				}
				if !(first && midName) {
					if k, ok := ns.lookup(chunk[:i]); ok && !found[k] {
						found[k] = true
						left--
					}
				}
				chunk = chunk[min(i+1, len(chunk)):]
			}
			midName = next == off+uint64(got) && buf[got-1] != 0
			off = next
		}
	}
	var out []pattern
	for i, ok := range found {
		if ok {
			out = append(out, ns.pats[i])
		}
	}
	return out
}
