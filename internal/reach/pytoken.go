package reach

import (
	"bytes"
	"fmt"
)

// pyKind is the kind of a Python token. The import reader needs names,
// strings, operators and the ends of logical lines; indentation is not
// tracked, because an import is found by what precedes it, not by its
// block.
type pyKind uint8

const (
	pyName pyKind = iota + 1
	pyString
	pyNumber
	pyOp
	pyNewline
)

// pyToken is one token. For a string, value is its text when that is
// known without decoding (plain is set): not bytes, not an f-string, and
// raw or free of backslashes; import names never need escapes.
type pyToken struct {
	kind       pyKind
	line       int
	start, end int // the token's bytes in the source
	value      string
	plain      bool
}

// pySyntaxError is source that does not tokenize: Python would refuse it
// too, so the file is skipped rather than half read.
type pySyntaxError struct {
	line int
	msg  string
}

func (e *pySyntaxError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

// maxFStringNesting bounds f-strings inside f-strings, so that hostile
// input cannot recurse without end (CPython stops far earlier).
const maxFStringNesting = 200

type pyLexer struct {
	src    []byte
	pos    int
	line   int
	open   []pyBracket // the brackets not yet closed
	nested int         // f-string replacement fields we are inside
	toks   []pyToken
}

type pyBracket struct {
	c    byte
	line int
}

// pyTokenize splits src into tokens, as Python's tokenizer would for the
// purpose of finding statements: comments dropped, line continuations
// and newlines inside brackets joined, strings of every form (prefixes,
// triple quotes, f-strings with nested replacement fields) kept whole.
func pyTokenize(src []byte) ([]pyToken, error) {
	l := &pyLexer{src: src, line: 1}
	if len(src) >= 3 && src[0] == 0xef && src[1] == 0xbb && src[2] == 0xbf {
		l.pos = 3 // a UTF-8 byte order mark
	}
	for l.pos < len(src) {
		c := src[l.pos]
		switch {
		case c == '\n' || c == '\r':
			l.newline()
			if len(l.open) == 0 && len(l.toks) > 0 && l.toks[len(l.toks)-1].kind != pyNewline {
				l.emit(pyNewline, l.pos, l.pos)
			}
		case c == ' ' || c == '\t' || c == '\f' || c == 0:
			l.pos++
		case c == '#':
			l.comment()
		case c == '\\':
			if !l.continuation() {
				l.emit(pyOp, l.pos, l.pos+1)
				l.pos++
			}
		case isPyIdentStart(c):
			start := l.pos
			l.ident()
			if l.pos < len(src) && (src[l.pos] == '"' || src[l.pos] == '\'') && isPyStringPrefix(src[start:l.pos]) {
				if err := l.str(start); err != nil {
					return nil, err
				}
				continue
			}
			l.emit(pyName, start, l.pos)
		case pyDigit(c) || c == '.' && l.pos+1 < len(src) && pyDigit(src[l.pos+1]):
			start := l.pos
			for l.pos < len(src) && (isPyIdent(src[l.pos]) || src[l.pos] == '.') {
				l.pos++
			}
			l.emit(pyNumber, start, l.pos)
		case c == '"' || c == '\'':
			if err := l.str(l.pos); err != nil {
				return nil, err
			}
		case c == '(' || c == '[' || c == '{':
			l.open = append(l.open, pyBracket{c, l.line})
			l.emit(pyOp, l.pos, l.pos+1)
			l.pos++
		case c == ')' || c == ']' || c == '}':
			if len(l.open) == 0 {
				return nil, &pySyntaxError{l.line, fmt.Sprintf("unmatched '%c'", c)}
			}
			o := l.open[len(l.open)-1]
			if pyCloser(o.c) != c {
				return nil, &pySyntaxError{l.line, fmt.Sprintf("closing parenthesis '%c' does not match opening parenthesis '%c' on line %d", c, o.c, o.line)}
			}
			l.open = l.open[:len(l.open)-1]
			l.emit(pyOp, l.pos, l.pos+1)
			l.pos++
		default:
			l.emit(pyOp, l.pos, l.pos+1)
			l.pos++
		}
	}
	if len(l.open) > 0 {
		o := l.open[len(l.open)-1]
		return nil, &pySyntaxError{o.line, fmt.Sprintf("'%c' was never closed", o.c)}
	}
	l.emit(pyNewline, l.pos, l.pos)
	return l.toks, nil
}

func (l *pyLexer) emit(k pyKind, start, end int) {
	l.toks = append(l.toks, pyToken{kind: k, line: l.line, start: start, end: end})
}

// newline consumes one line ending: \n, \r\n or a lone \r.
func (l *pyLexer) newline() {
	if l.src[l.pos] == '\r' && l.pos+1 < len(l.src) && l.src[l.pos+1] == '\n' {
		l.pos++
	}
	l.pos++
	l.line++
}

func (l *pyLexer) comment() {
	for l.pos < len(l.src) && l.src[l.pos] != '\n' && l.src[l.pos] != '\r' {
		l.pos++
	}
}

// continuation consumes a backslash that ends its line.
func (l *pyLexer) continuation() bool {
	if l.pos+1 < len(l.src) && (l.src[l.pos+1] == '\n' || l.src[l.pos+1] == '\r') {
		l.pos++
		l.newline()
		return true
	}
	return false
}

func (l *pyLexer) ident() {
	for l.pos < len(l.src) && isPyIdent(l.src[l.pos]) {
		l.pos++
	}
}

// escape consumes a backslash and the character it escapes, which may be
// a line ending.
func (l *pyLexer) escape() {
	l.pos++
	if l.pos < len(l.src) {
		if c := l.src[l.pos]; c == '\n' || c == '\r' {
			l.newline()
		} else {
			l.pos++
		}
	}
}

// closes reports whether the string's closing quote is at pos, and
// consumes it.
func (l *pyLexer) closes(q byte, triple bool) bool {
	if l.src[l.pos] != q {
		return false
	}
	if !triple {
		l.pos++
		return true
	}
	if l.pos+2 < len(l.src) && l.src[l.pos+1] == q && l.src[l.pos+2] == q {
		l.pos += 3
		return true
	}
	return false
}

// str reads a string literal whose prefix starts at start and whose
// opening quote is at pos.
func (l *pyLexer) str(start int) error {
	var raw, fstr, isBytes bool
	for _, c := range l.src[start:l.pos] {
		switch c | 0x20 {
		case 'r':
			raw = true
		case 'f', 't':
			fstr = true
		case 'b':
			isBytes = true
		}
	}
	q, line := l.src[l.pos], l.line
	triple := l.pos+2 < len(l.src) && l.src[l.pos+1] == q && l.src[l.pos+2] == q
	open := 1
	if triple {
		open = 3
	}
	l.pos += open
	body := l.pos
	if err := l.body(q, triple, raw, fstr, line); err != nil {
		return err
	}
	t := pyToken{kind: pyString, line: line, start: start, end: l.pos}
	if !fstr && !isBytes {
		v := l.src[body : l.pos-open]
		if raw || bytes.IndexByte(v, '\\') < 0 {
			t.value, t.plain = string(v), true
		}
	}
	l.toks = append(l.toks, t)
	return nil
}

// body reads a string's contents and its closing quote. In an f-string
// a single { opens a replacement field, an expression that may hold
// strings of its own, quoted alike since Python 3.12.
func (l *pyLexer) body(q byte, triple, raw, fstr bool, line int) error {
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == '\\':
			if fstr && l.pos+1 < len(l.src) && (l.src[l.pos+1] == '{' || l.src[l.pos+1] == '}') {
				l.pos++ // the brace is still a field's
			} else if fstr && !raw && l.pos+2 < len(l.src) && l.src[l.pos+1] == 'N' && l.src[l.pos+2] == '{' {
				l.pos += 3 // \N{NAME} is a character's name, not a field
				for l.pos < len(l.src) && l.src[l.pos] != '}' && l.src[l.pos] != q && l.src[l.pos] != '\n' {
					l.pos++
				}
			} else {
				l.escape()
			}
		case c == '\n' || c == '\r':
			if !triple {
				return &pySyntaxError{line, "unterminated string literal"}
			}
			l.newline()
		case l.closes(q, triple):
			return nil
		case fstr && c == '{' && l.pos+1 < len(l.src) && l.src[l.pos+1] == '{':
			l.pos += 2
		case fstr && c == '{':
			l.pos++
			if err := l.field(q, triple, line); err != nil {
				return err
			}
		default:
			l.pos++
		}
	}
	if triple {
		return &pySyntaxError{line, "unterminated triple-quoted string literal"}
	}
	return &pySyntaxError{line, "unterminated string literal"}
}

// field skips an f-string's replacement field after its {: an expression
// up to a } or, at its top level, a format spec after : (which may hold
// fields itself). The expression's own tokens are not kept: an import
// cannot hide in one.
func (l *pyLexer) field(q byte, triple bool, line int) error {
	l.nested++
	defer func() { l.nested-- }()
	if l.nested > maxFStringNesting {
		return &pySyntaxError{line, "f-string nested too deeply"}
	}
	depth := 0
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == '\n' || c == '\r':
			l.newline()
		case c == '#':
			l.comment()
		case c == '\\':
			if !l.continuation() {
				l.pos++
			}
		case isPyIdentStart(c):
			start := l.pos
			l.ident()
			if l.pos < len(l.src) && (l.src[l.pos] == '"' || l.src[l.pos] == '\'') && isPyStringPrefix(l.src[start:l.pos]) {
				if err := l.str(start); err != nil {
					return err
				}
				l.toks = l.toks[:len(l.toks)-1]
			}
		case c == '"' || c == '\'':
			// Since Python 3.12 a field may reuse its string's quote;
			// before, that quote ended the string and the field with
			// it, which no valid source does.
			if err := l.str(l.pos); err != nil {
				return err
			}
			l.toks = l.toks[:len(l.toks)-1]
		case c == '(' || c == '[' || c == '{':
			depth++
			l.pos++
		case c == ')' || c == ']':
			if depth > 0 {
				depth--
			}
			l.pos++
		case c == '}':
			l.pos++
			if depth == 0 {
				return nil
			}
			depth--
		case c == '!' && depth == 0 && l.pos+1 < len(l.src) && l.src[l.pos+1] == '=':
			l.pos += 2
		case c == ':' && depth == 0:
			l.pos++
			return l.spec(q, triple, line)
		default:
			l.pos++
		}
	}
	return &pySyntaxError{line, "f-string: expecting '}'"}
}

// spec skips a format spec up to the } that ends its field.
func (l *pyLexer) spec(q byte, triple bool, line int) error {
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == '}':
			l.pos++
			return nil
		case c == '{':
			l.pos++
			if err := l.field(q, triple, line); err != nil {
				return err
			}
		case c == '\\':
			l.escape()
		case c == '\n' || c == '\r':
			if !triple {
				return &pySyntaxError{line, "unterminated string literal"}
			}
			l.newline()
		case l.closes(q, triple):
			return &pySyntaxError{line, "f-string: expecting '}'"}
		default:
			l.pos++
		}
	}
	return &pySyntaxError{line, "f-string: expecting '}'"}
}

func pyCloser(c byte) byte {
	switch c {
	case '(':
		return ')'
	case '[':
		return ']'
	}
	return '}'
}

// isPyStringPrefix reports the letters that may stand before a quote:
// r, u, b, f, t and the two-letter raw combinations, in any case.
func isPyStringPrefix(p []byte) bool {
	switch len(p) {
	case 1:
		switch p[0] | 0x20 {
		case 'r', 'u', 'b', 'f', 't':
			return true
		}
	case 2:
		a, b := p[0]|0x20, p[1]|0x20
		if a == 'r' {
			a, b = b, a
		}
		return b == 'r' && (a == 'b' || a == 'f' || a == 't')
	}
	return false
}

// isPyIdentStart counts every non-ASCII byte as a letter: Python accepts
// Unicode identifiers, and nothing else non-ASCII is valid outside
// strings and comments.
func isPyIdentStart(c byte) bool {
	return c == '_' || c|0x20 >= 'a' && c|0x20 <= 'z' || c >= 0x80
}

func isPyIdent(c byte) bool { return isPyIdentStart(c) || pyDigit(c) }

func pyDigit(c byte) bool { return c >= '0' && c <= '9' }
