package slice

import (
	"bytes"
	"unicode/utf8"

	uax29 "github.com/clipperhouse/uax29/v2/graphemes"
)

// splitter finds where the current element ends. p starts inside the
// element (earlier bytes of it were already consumed). split returns how
// many bytes of p belong to the element and whether it ends after them.
// When it cannot tell yet, it returns fewer than len(p) bytes and done
// false, and is called again with more data; at EOF it always progresses.
type splitter interface {
	split(p []byte, atEOF bool) (n int, done bool)
}

type byteDelim byte

func (d byteDelim) split(p []byte, _ bool) (int, bool) {
	if i := bytes.IndexByte(p, byte(d)); i >= 0 {
		return i + 1, true
	}
	return len(p), false
}

type strDelim []byte

func (d strDelim) split(p []byte, atEOF bool) (int, bool) {
	if i := bytes.Index(p, d); i >= 0 {
		return i + len(d), true
	}
	if atEOF {
		return len(p), false
	}
	// Keep back a tail that may be the start of a delimiter.
	for k := min(len(d)-1, len(p)); k > 0; k-- {
		if bytes.HasPrefix(d, p[len(p)-k:]) {
			return len(p) - k, false
		}
	}
	return len(p), false
}

type charSplit struct{}

func (charSplit) split(p []byte, atEOF bool) (int, bool) {
	if !atEOF && !utf8.FullRune(p) {
		return 0, false
	}
	_, n := utf8.DecodeRune(p)
	return n, true
}

type graphemeSplit struct{}

// validPrefix is the length of the longest prefix of p made of complete,
// valid UTF-8 sequences, and whether it stops at an invalid byte (rather
// than at the end of p or a sequence cut by it).
func validPrefix(p []byte) (int, bool) {
	i := 0
	for i < len(p) {
		if p[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(p[i:])
		if r == utf8.RuneError && n == 1 {
			return i, utf8.FullRune(p[i:])
		}
		i += n
	}
	return i, false
}

func (graphemeSplit) split(p []byte, atEOF bool) (int, bool) {
	// Two ASCII characters never join, except CR LF (UAX #29 GB3); only
	// what follows can extend a cluster, so one more byte decides.
	if len(p) >= 2 && p[0] < utf8.RuneSelf && p[1] < utf8.RuneSelf {
		if p[0] == '\r' && p[1] == '\n' {
			return 2, true
		}
		return 1, true
	}
	for w := min(len(p), 32); ; w = min(len(p), 4*w) {
		v, invalid := validPrefix(p[:w])
		if v == 0 {
			if invalid || atEOF || w == len(p) && utf8.FullRune(p) {
				return 1, true // an invalid byte is an element of its own
			}
			if w < len(p) {
				continue
			}
			return 0, false
		}
		c, _, _ := uax29.SplitFunc(p[:v], true)
		if c < v || invalid {
			return c, true
		}
		// The cluster runs to the end of what was examined: it may go on.
		if w < len(p) {
			continue
		}
		if atEOF || len(p) >= 1<<20 {
			return c, true
		}
		return 0, false
	}
}

func newSplitter(o Options) splitter {
	switch o.Mode {
	case Chars:
		return charSplit{}
	case Graphemes:
		return graphemeSplit{}
	}
	if len(o.Delim) == 1 {
		return byteDelim(o.Delim[0])
	}
	return strDelim(o.Delim)
}
