package reach

import (
	"bytes"
	"strings"
)

// quoteOps are the quote-like operators and how many delimited parts
// each takes.
var quoteOps = map[string]int{"q": 1, "qq": 1, "qw": 1, "qx": 1, "m": 1, "qr": 1, "s": 2, "tr": 2, "y": 2}

// maxTerm bounds a quoted heredoc terminator.
const maxTerm = 256

// heredoc reads <<"EOF", <<'EOF', <<EOF, <<~EOF, or else the shift <<.
func (l *plLexer) heredoc() {
	j := l.i + 2
	h := plHeredoc{}
	if j < len(l.src) && l.src[j] == '~' {
		h.indent = true
		j++
	}
	k := j
	for k < len(l.src) && (l.src[k] == ' ' || l.src[k] == '\t') {
		k++
	}
	interp := true
	switch {
	case k < len(l.src) && (l.src[k] == '"' || l.src[k] == '\'' || l.src[k] == '`'):
		// a terminator is short and on the line: no search to the end
		q, rest := l.src[k], l.src[k+1:min(len(l.src), k+1+maxTerm)]
		end := bytes.IndexByte(rest, q)
		if end < 0 || bytes.IndexByte(rest[:end], '\n') >= 0 {
			break
		}
		h.term, interp = string(l.src[k+1:k+1+end]), q == '"'
		l.i = k + 2 + end
	case j < len(l.src) && (l.src[j] == '_' || l.src[j] >= 'A' && l.src[j] <= 'Z' || l.src[j] >= 'a' && l.src[j] <= 'z'):
		k = j
		for k < len(l.src) && isWordByte(l.src[k]) {
			k++
		}
		h.term = string(l.src[j:k])
		l.i = k
	}
	if h.term == "" && l.i < j {
		l.emit(plTok{kind: plOp, val: "<<"})
		l.i += 2
		return
	}
	l.pending = append(l.pending, h)
	l.emit(plTok{kind: plStr, interp: interp})
}

// quoteFollows reports whether the quote-like word that starts at start
// is one: not a hash key ({s}, y => 1), a method (->s), a sub's name, or
// the file test -s.
func (l *plLexer) quoteFollows(start int) bool {
	if n := len(l.toks); n > 0 && (l.toks[n-1].is("->") || l.toks[n-1].kind == plIdent && l.toks[n-1].val == "sub") {
		return false
	}
	if start > 0 && strings.IndexByte("-%&*", l.src[start-1]) >= 0 {
		return false // -s $file, %s, &y(), *q
	}
	j := l.i
	for j < len(l.src) && (l.src[j] == ' ' || l.src[j] == '\t') {
		j++
	}
	if j >= len(l.src) {
		return false
	}
	c := l.src[j]
	switch {
	case isWordByte(c) || c == '\n' || c == '\r' || c == ',' || c == ';' || c == ')' || c == '}' || c == ']' || c == '>':
		return false
	case c == '=' && (j > l.i || j+1 < len(l.src) && l.src[j+1] == '>'):
		return false // y => 1, or an assignment to a bareword; s=a=b= has no space
	case c == '#' && j > l.i:
		return false // a comment: q #x# needs no space
	}
	return true
}

// quoteLike reads the parts of a quote-like operator and its modifiers.
func (l *plLexer) quoteLike(op string, parts int) {
	var body string
	for p := 0; p < parts; p++ {
		for l.i < len(l.src) && (l.src[l.i] == ' ' || l.src[l.i] == '\t' || l.src[l.i] == '\n' || l.src[l.i] == '\r') {
			l.i++
		}
		if l.i >= len(l.src) {
			break
		}
		d := l.src[l.i]
		l.i++
		s := l.delimited(d)
		if p == 0 {
			body = s
		}
		if p == 0 && parts == 2 && closer(d) == d {
			// s/a/b/: the middle delimiter opens the second part too
			l.delimited(d)
			break
		}
	}
	l.modifiers()
	switch op {
	case "q":
		l.emit(plTok{kind: plStr, val: unquotePerl(body)})
	case "qq":
		l.emit(plTok{kind: plStr, val: body, interp: interpolates(body)})
	case "qw":
		l.emit(plTok{kind: plQw, words: strings.Fields(body)})
	default:
		l.emit(plTok{kind: plRegex})
	}
}

// closer is the delimiter that closes open.
func closer(open byte) byte {
	switch open {
	case '(':
		return ')'
	case '[':
		return ']'
	case '{':
		return '}'
	case '<':
		return '>'
	}
	return open
}

// delimited reads to the delimiter that closes open (l.i is past open),
// nesting brackets and skipping backslashed characters, and returns what
// is between.
func (l *plLexer) delimited(open byte) string {
	end, depth, start := closer(open), 0, l.i
	for l.i < len(l.src) {
		c := l.src[l.i]
		l.i++
		switch {
		case c == '\\':
			l.i++
		case c == end && depth == 0:
			return string(l.src[start : l.i-1])
		case c == end:
			depth--
		case c == open && end != open:
			depth++
		}
	}
	l.i = len(l.src)
	return string(l.src[start:]) // unterminated: the rest is the string
}

// modifiers skips a regex's flags.
func (l *plLexer) modifiers() {
	for l.i < len(l.src) && isWordByte(l.src[l.i]) {
		l.i++
	}
}

// unquotePerl is the value of a single-quoted string.
func unquotePerl(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	return strings.NewReplacer(`\\`, `\`, `\'`, `'`).Replace(s)
}

// interpolates reports a double-quoted string whose value depends on
// variables.
func interpolates(s string) bool { return strings.ContainsAny(s, "$@") }
