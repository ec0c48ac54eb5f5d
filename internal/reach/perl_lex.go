package reach

import (
	"bytes"
	"strings"
)

// plKind is the kind of a Perl token: only what finding use and require
// statements needs.
type plKind int

const (
	plOp    plKind = iota // punctuation
	plIdent               // a bareword, Foo::Bar
	plStr                 // '', "", q, qq, a heredoc
	plQw                  // qw()
	plNum                 // a number
	plVar                 // $x, @x, $#x, $'
	plRegex               // m//, s///, tr///, qr//, //, qx, ``
)

// plTok is one token; val is a string's contents, raw.
type plTok struct {
	kind   plKind
	val    string
	interp bool     // a string that interpolates ("", qq, <<"EOF")
	words  []string // a qw list
}

// is reports the punctuation s.
func (t plTok) is(s string) bool { return t.kind == plOp && t.val == s }

// plLexer splits Perl source into tokens, skipping what is never code:
// comments, POD, heredoc bodies, formats and what follows __END__. Perl
// has no grammar short of perl itself; the lexer guesses as perl's own
// toke.c does where it must (is / a division or a regex?), and always
// moves forward, so it ends on any input.
type plLexer struct {
	src     []byte
	i       int
	toks    []plTok
	pending []plHeredoc // heredocs whose bodies start on the next line
}

// plHeredoc is a heredoc's terminator.
type plHeredoc struct {
	term   string
	indent bool // <<~: the terminator may be indented
}

// lexPerl returns the tokens of src.
func lexPerl(src []byte) []plTok {
	l := &plLexer{src: src}
	l.pod()
	for l.i < len(l.src) {
		start := l.i
		l.step()
		if l.i <= start {
			l.i = start + 1 // never stall, whatever step made of the input
		}
	}
	return l.toks
}

func (l *plLexer) emit(t plTok) { l.toks = append(l.toks, t) }

func (l *plLexer) peek(k int) byte {
	if l.i+k < len(l.src) {
		return l.src[l.i+k]
	}
	return 0
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isDigitByte(c byte) bool { return c >= '0' && c <= '9' }

func (l *plLexer) step() {
	c := l.src[l.i]
	switch {
	case c == '\n':
		l.i++
		l.bodies()
		l.pod()
	case c == ' ' || c == '\t' || c == '\r' || c == '\f':
		l.i++
	case c == '#':
		l.toEOL()
	case isDigitByte(c):
		l.number()
	case isWordByte(c):
		l.word()
	case c == '$':
		l.scalar()
	case c == '@':
		l.array()
	case c == '\'' || c == '"' || c == '`':
		l.i++
		s := l.delimited(c)
		switch c {
		case '\'':
			l.emit(plTok{kind: plStr, val: unquotePerl(s)})
		case '"':
			l.emit(plTok{kind: plStr, val: s, interp: interpolates(s)})
		default:
			l.emit(plTok{kind: plRegex})
		}
	case c == '/' && l.termExpected():
		l.i++
		l.delimited('/')
		l.modifiers()
		l.emit(plTok{kind: plRegex})
	case c == '<' && l.peek(1) == '<':
		l.heredoc()
	case c == '-' && (l.peek(1) == '>' || l.peek(1) == '-'), c == '=' && l.peek(1) == '>', c == ':' && l.peek(1) == ':':
		l.emit(plTok{kind: plOp, val: string(l.src[l.i : l.i+2])})
		l.i += 2
	default:
		l.emit(plTok{kind: plOp, val: string(c)})
		l.i++
	}
}

// toEOL moves to the end of the line, leaving the newline to step.
func (l *plLexer) toEOL() {
	if j := bytes.IndexByte(l.src[l.i:], '\n'); j >= 0 {
		l.i += j
	} else {
		l.i = len(l.src)
	}
}

// line returns the line at l.i, without its newline, and moves past it.
func (l *plLexer) line() string {
	start := l.i
	l.toEOL()
	s := string(l.src[start:l.i])
	if l.i < len(l.src) {
		l.i++
	}
	return strings.TrimSuffix(s, "\r")
}

// pod skips POD that starts at the line at l.i: "=word" to "=cut".
func (l *plLexer) pod() {
	if l.peek(0) != '=' || !(l.peek(1) >= 'a' && l.peek(1) <= 'z' || l.peek(1) >= 'A' && l.peek(1) <= 'Z') {
		return
	}
	for l.i < len(l.src) {
		s := l.line()
		if strings.HasPrefix(s, "=cut") && (len(s) == 4 || !isWordByte(s[4])) {
			break
		}
	}
	l.pod() // POD may follow POD
}

// bodies skips the bodies of the heredocs started on the line just ended.
func (l *plLexer) bodies() {
	for _, h := range l.pending {
		for l.i < len(l.src) {
			s := l.line()
			if h.indent {
				s = strings.TrimLeft(s, " \t")
			}
			if s == h.term {
				break
			}
		}
	}
	l.pending = nil
}

// number reads a number, a version 5.010_001, or a hex 0x1F; not the
// range operator "..".
func (l *plLexer) number() {
	for l.i < len(l.src) {
		c := l.src[l.i]
		if c == '.' && l.peek(1) == '.' || c != '.' && !isWordByte(c) {
			break
		}
		l.i++
	}
	l.emit(plTok{kind: plNum})
}

// word reads a bareword, and what a bareword may start: a quote-like
// operator, a v-string, a format, the end of the code.
func (l *plLexer) word() {
	start := l.i
	for l.i < len(l.src) && (isWordByte(l.src[l.i]) || l.src[l.i] == ':' && l.peek(1) == ':' && l.i+2 < len(l.src) && isWordByte(l.src[l.i+2])) {
		if l.src[l.i] == ':' {
			l.i++
		}
		l.i++
	}
	w := string(l.src[start:l.i])
	switch {
	case w == "__END__" || w == "__DATA__":
		l.i = len(l.src)
		return
	case w == "format" && l.stmtStart() && l.formatHead():
		l.line() // the rest of the head
		for l.i < len(l.src) {
			if strings.TrimRight(l.line(), " \t") == "." {
				break
			}
		}
		return
	case len(w) > 1 && w[0] == 'v' && isDigitByte(w[1]):
		for l.peek(0) == '.' && isDigitByte(l.peek(1)) {
			l.i++
			for l.i < len(l.src) && isWordByte(l.src[l.i]) {
				l.i++
			}
		}
		l.emit(plTok{kind: plNum, val: w})
		return
	}
	if n, ok := quoteOps[w]; ok && l.quoteFollows(start) {
		l.quoteLike(w, n)
		return
	}
	l.emit(plTok{kind: plIdent, val: w})
}

// stmtStart reports a place where a statement may begin.
func (l *plLexer) stmtStart() bool {
	if len(l.toks) == 0 {
		return true
	}
	t := l.toks[len(l.toks)-1]
	return t.is(";") || t.is("{") || t.is("}")
}

// formatHead reports "format NAME =" ending its line.
func (l *plLexer) formatHead() bool {
	rest := l.src[l.i:min(len(l.src), l.i+256)]
	if j := bytes.IndexByte(rest, '\n'); j >= 0 {
		rest = rest[:j]
	} else {
		return false // a head is short and ends its line
	}
	s := strings.TrimSpace(string(rest))
	name, ok := strings.CutSuffix(s, "=")
	name = strings.TrimSpace(name)
	return ok && !strings.ContainsFunc(name, func(r rune) bool { return r > 127 || !isWordByte(byte(r)) && r != ':' })
}

// operatorWords are the barewords after which a term, not an operator,
// comes: a / after them opens a regex.
var operatorWords = map[string]bool{
	"if": true, "unless": true, "while": true, "until": true, "and": true, "or": true, "not": true, "xor": true,
	"return": true, "split": true, "grep": true, "map": true, "join": true, "push": true, "unshift": true,
	"when": true, "lt": true, "gt": true, "le": true, "ge": true, "eq": true, "ne": true, "cmp": true, "x": true,
}

// termExpected reports whether a term comes next (a / is a regex) or an
// operator (a / divides), from the token before.
func (l *plLexer) termExpected() bool {
	if len(l.toks) == 0 {
		return true
	}
	t := l.toks[len(l.toks)-1]
	switch t.kind {
	case plNum, plVar, plStr, plQw, plRegex:
		return false
	case plIdent:
		return operatorWords[t.val]
	}
	return !(t.is(")") || t.is("]") || t.is("}"))
}

// scalar reads a $ variable: $x, $Foo::x, ${, $#x, $$, $^W, $1, $' ...
func (l *plLexer) scalar() {
	next := l.peek(1)
	n := 2
	switch {
	case next == 0 || next == ' ' || next == '\t' || next == '\n' || next == '{':
		n = 1
	case isWordByte(next) || next == ':' && l.peek(2) == ':':
		n = l.nameEnd(1)
	case next == '#':
		if isWordByte(l.peek(2)) {
			n = l.nameEnd(2)
		}
	case next == '^':
		if c := l.peek(2); c >= 'A' && c <= 'Z' || c == '_' {
			n = 3
		}
	case next == '$':
		// $$x dereferences; $$ alone is the process id
		if c := l.peek(2); isWordByte(c) || c == '{' || c == '$' || c == ':' {
			n = 1
		}
	}
	l.emit(plTok{kind: plVar, val: string(l.src[l.i : l.i+n])})
	l.i += n
}

// nameEnd is the offset from l.i past the name that starts at offset k:
// word characters and :: separators.
func (l *plLexer) nameEnd(k int) int {
	for l.i+k < len(l.src) {
		switch {
		case isWordByte(l.src[l.i+k]):
			k++
		case l.src[l.i+k] == ':' && l.peek(k+1) == ':':
			k += 2
		default:
			return k
		}
	}
	return k
}

// array reads an @ variable, or leaves @ as an operator (@{, @$x).
func (l *plLexer) array() {
	n := 1
	next := l.peek(1)
	switch {
	case isWordByte(next) || next == ':' && l.peek(2) == ':':
		n = l.nameEnd(1)
	case next == '-' || next == '+':
		n = 2
	default:
		l.emit(plTok{kind: plOp, val: "@"})
		l.i++
		return
	}
	l.emit(plTok{kind: plVar, val: string(l.src[l.i : l.i+n])})
	l.i += n
}
