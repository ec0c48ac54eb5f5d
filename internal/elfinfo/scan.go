package elfinfo

import (
	"bytes"
	"strings"
	"sync"
)

// patternSet groups patterns by an anchor, a substring several of them
// share ("/etc/"), so that a chunk is searched once per anchor rather
// than once per pattern; each hit of an anchor is then checked against
// its patterns.
type patternSet struct {
	pats    []pattern
	anchors []anchor
	longest int
}

type anchor struct {
	text string
	pats []int // indexes into pats
	offs []int // where text sits in each pattern
}

var (
	stringSet = newPatternSet(stringPatterns, "/etc/", "zoneinfo", "SSL_CERT_")
	goSet     = newPatternSet(goPatterns)
)

// newPatternSet anchors each pattern at the first of anchors it contains,
// else at itself.
func newPatternSet(pats []pattern, anchors ...string) *patternSet {
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
			ps.anchors = append(ps.anchors, anchor{text: a})
		}
		ps.anchors[j].pats = append(ps.anchors[j].pats, i)
		ps.anchors[j].offs = append(ps.anchors[j].offs, strings.Index(pt.text, a))
		ps.longest = max(ps.longest, len(pt.text)+1) // one more byte, for notNext
	}
	return ps
}

// find marks in found the patterns present in chunk; it returns how many
// it newly found.
func (ps *patternSet) find(chunk []byte, found []bool) int {
	n := 0
	for _, a := range ps.anchors {
		left := 0
		for _, i := range a.pats {
			if !found[i] {
				left++
			}
		}
		text := []byte(a.text)
		for pos := 0; left > 0; {
			i := bytes.Index(chunk[pos:], text)
			if i < 0 {
				break
			}
			pos += i
			for k, pi := range a.pats {
				if found[pi] {
					continue
				}
				pt := ps.pats[pi]
				start := pos - a.offs[k]
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
			pos++
		}
	}
	return n
}

const scanChunk = 1 << 20

var scanBufs = sync.Pool{New: func() any { b := make([]byte, scanChunk); return &b }}

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
		if rg.off >= uint64(p.size) {
			continue
		}
		end := rg.off + rg.size
		if end < rg.off || end > uint64(p.size) { // overflow, or past the end
			end = uint64(p.size)
		}
		for off := rg.off; off < end && left > 0 && *budget > 0; {
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
