package reach

import (
	"bytes"
	"fmt"
	"strings"
)

// percent reads %q() %Q() %() %w() %W() %i() %I() %r() %s() %x()
// with any delimiter; false when what follows % is none.
func (lx *rbLexer) percent() bool {
	save := lx.i
	kind, interp := rbStr, true
	k := lx.peek(1)
	open := k
	if strings.IndexByte("qQwWiIrsx", k) >= 0 && k != 0 {
		open = lx.peek(2)
		lx.i++
		switch k {
		case 'q', 's':
			interp = false
		case 'w', 'i':
			kind, interp = rbList, false
		case 'W', 'I':
			kind = rbList
		case 'r':
			kind = rbRegex
		}
		if k == 's' {
			kind = rbSym
		}
	}
	if open == 0 || rbIdentByte(open) || isBlank(open) || lx.misses >= maxRubyMisses {
		lx.i = save
		return false
	}
	closer := open
	if j := strings.IndexByte("([{<", open); j >= 0 {
		closer = ")]}>"[j]
	}
	if !lx.literal(kind, open, closer, interp, false) {
		lx.misses++
		lx.i = save
		return false
	}
	return true
}

// literal reads a guessed literal from lx.i, its opening byte; false,
// with nothing consumed, when it never ends (or ends past the line, for
// a / regex), so that the caller reads an operator instead.
func (lx *rbLexer) literal(kind rbKind, open, closer byte, interp, oneLine bool) bool {
	save, line := lx.i, lx.line
	for lx.i < len(lx.src) && lx.src[lx.i] != open {
		lx.i++ // past %q to the delimiter
	}
	end := len(lx.src)
	if oneLine {
		if nl := bytes.IndexByte(lx.src[lx.i:], '\n'); nl >= 0 {
			end = lx.i + nl
		}
	}
	val, hasInterp, ok := lx.scan(open, closer, interp, end, 0)
	if !ok {
		lx.i, lx.line = save, line
		return false
	}
	if kind == rbRegex {
		for lx.i < len(lx.src) && rbIdentByte(lx.src[lx.i]) {
			lx.i++ // flags
		}
	}
	lx.emit(kind, val, hasInterp, line)
	return true
}

// quoted reads a string or symbol that surely starts at lx.i; one that
// never ends is an error.
func (lx *rbLexer) quoted(kind rbKind, open, closer byte, interp bool) error {
	line := lx.line
	val, hasInterp, ok := lx.scan(open, closer, interp, len(lx.src), 0)
	if !ok {
		return fmt.Errorf("line %d: unterminated string", line)
	}
	lx.emit(kind, val, hasInterp, line)
	return nil
}

// scan reads a quoted literal whose opening byte is at lx.i, up to its
// closing byte before end (brackets nest: %q(a (b) c)), and moves past
// it; ok is false, with nothing moved, when it never closes. A literal
// that interpolates reports so, as its value is then unknown.
func (lx *rbLexer) scan(open, closer byte, interp bool, end, depth int) (val string, hasInterp, ok bool) {
	var b strings.Builder
	nest := 0
	i, line := lx.i+1, lx.line
	for i < end {
		c := lx.src[i]
		switch {
		case c == '\\' && i+1 < end:
			n := lx.src[i+1]
			if n == '\n' {
				line++
			}
			if !interp && n != closer && n != open && n != '\\' {
				b.WriteByte('\\') // 'a\b' keeps its backslash
			}
			b.WriteByte(n)
			i += 2
			continue
		case c == '\n':
			line++
		case c == closer && nest == 0:
			lx.i, lx.line = i+1, line
			return b.String(), hasInterp, true
		case c == closer:
			nest--
		case c == open && open != closer:
			nest++
		case interp && c == '#' && i+1 < end && (lx.src[i+1] == '@' || lx.src[i+1] == '$'):
			hasInterp = true
		case interp && c == '#' && i+1 < end && lx.src[i+1] == '{':
			hasInterp = true
			j, lines, good := lx.interpolation(i+2, end, depth)
			if !good {
				return "", false, false
			}
			i, line = j, line+lines
			continue
		}
		b.WriteByte(c)
		i++
	}
	return "", false, false
}

// interpolation skips the code of a #{...} from i, past its closing
// brace, with the strings in it; it returns where it ends and the lines
// it spans.
func (lx *rbLexer) interpolation(i, end, depth int) (next, lines int, ok bool) {
	if depth >= maxRubyNest {
		return 0, 0, false
	}
	braces := 0
	for i < end {
		switch c := lx.src[i]; c {
		case '{':
			braces++
		case '}':
			if braces == 0 {
				return i + 1, lines, true
			}
			braces--
		case '\n':
			lines++
		case '\'', '"', '`':
			saveI, saveLine := lx.i, lx.line
			lx.i, lx.line = i, 0
			_, _, good := lx.scan(c, c, c != '\'', end, depth+1)
			j, ln := lx.i, lx.line
			lx.i, lx.line = saveI, saveLine
			if !good {
				return 0, 0, false
			}
			i, lines = j, lines+ln
			continue
		}
		i++
	}
	return 0, 0, false
}

// heredoc reads <<ID, <<~ID, <<-ID and their quoted forms at lx.i, where
// lit says an operand may start; false when << is a shift or an append.
// The body is read at the end of the line. A heredoc that surely is one
// (after an operator, or in the <<~ or quoted form) and has no
// terminator is an error; a guessed one is a shift.
func (lx *rbLexer) heredoc(lit bool) (bool, error) {
	if !lit {
		return false, nil
	}
	src := lx.src
	at := func(j int) byte {
		if j < len(src) {
			return src[j]
		}
		return 0
	}
	j := lx.i + 2
	indent, quoted, raw := false, false, false
	if c := at(j); c == '~' || c == '-' {
		indent = true
		j++
	}
	var id string
	switch q := at(j); {
	case q == '\'' || q == '"' || q == '`':
		k := j + 1
		for k < len(src) && src[k] != q && src[k] != '\n' {
			k++
		}
		if at(k) != q || k == j+1 {
			return false, nil
		}
		id, quoted, raw = string(src[j+1:k]), true, q == '\''
		j = k + 1
	case rbIdentByte(q) && !(q >= '0' && q <= '9'):
		k := j
		for k < len(src) && rbIdentByte(src[k]) {
			k++
		}
		id = string(src[j:k])
		j = k
	default:
		return false, nil
	}
	sure := indent || quoted
	if n := len(lx.toks); !lx.nl && n > 0 && lx.toks[n-1].kind == rbIdent && !rbNonValue[lx.toks[n-1].val] {
		// puts <<EOS or a <<b: a method's argument, or an append
	} else {
		sure = true
	}
	if !sure && lx.misses >= maxRubyMisses {
		return false, nil
	}
	if !lx.hasTerminator(j, id, indent) {
		if sure {
			return false, fmt.Errorf("line %d: unterminated heredoc <<%s", lx.line, id)
		}
		lx.misses++
		return false, nil
	}
	lx.emit(rbStr, "", false, lx.line)
	lx.pending = append(lx.pending, rbHeredoc{id: id, indent: indent, raw: raw, tok: len(lx.toks) - 1, line: lx.line})
	lx.i = j
	return true, nil
}

// hasTerminator reports a line after the one at from that ends a heredoc.
func (lx *rbLexer) hasTerminator(from int, id string, indent bool) bool {
	nl := bytes.IndexByte(lx.src[from:], '\n')
	if nl < 0 {
		return false
	}
	for _, l := range strings.Split(string(lx.src[from+nl+1:]), "\n") {
		if rbTerminates(l, id, indent) {
			return true
		}
	}
	return false
}

func rbTerminates(line, id string, indent bool) bool {
	line = strings.TrimRight(line, "\r")
	if indent {
		line = strings.TrimLeft(line, " \t")
	}
	return line == id
}

// heredocBodies reads the bodies of the heredocs of the line just ended,
// in order, each up to its terminator.
func (lx *rbLexer) heredocBodies() error {
	for len(lx.pending) > 0 {
		h := lx.pending[0]
		lx.pending = lx.pending[1:]
		start, found := lx.i, false
		for lx.i < len(lx.src) && !found {
			end, next := len(lx.src), len(lx.src)
			if nl := bytes.IndexByte(lx.src[lx.i:], '\n'); nl >= 0 {
				end, next = lx.i+nl, lx.i+nl+1
			}
			if rbTerminates(string(lx.src[lx.i:end]), h.id, h.indent) {
				body := lx.src[start:lx.i]
				lx.toks[h.tok].val = string(body)
				lx.toks[h.tok].interp = !h.raw && (bytes.Contains(body, []byte("#{")) ||
					bytes.Contains(body, []byte("#@")) || bytes.Contains(body, []byte("#$")))
				found = true
			}
			lx.i = next
			lx.line++
		}
		if !found {
			return fmt.Errorf("line %d: unterminated heredoc <<%s", h.line, h.id)
		}
	}
	return nil
}
