package reach

import (
	"fmt"
	"strings"
)

// A small JavaScript tokenizer, enough to find require and import calls
// in the token stream. A regular expression would match them in comments
// and strings too, and lose its place in the first regex literal holding
// a quote; a full parser (esbuild) would double diet's binary for a
// question that tokens answer.

// jsKind is the kind of a token.
type jsKind uint8

const (
	jsIdent jsKind = iota // identifiers and keywords
	jsNum                 // numbers, unparsed
	jsStr                 // '...', "..." and `...` without ${}: val is the value
	jsHead                // `...${ : val is the text before the ${
	jsMid                 // }...${ of a template
	jsTail                // }...` of a template
	jsRegex               // /.../flags
	jsPunct               // punctuators, one character but => ?. ... ++ --
)

// jsToken is one token; val shares the source's memory but for strings
// with escapes.
type jsToken struct {
	kind jsKind
	val  string
}

// jsLexer holds the state that tells a regex literal from division: what
// the last token was, and which open brackets were blocks, conditions or
// template substitutions.
type jsLexer struct {
	src    string
	pos    int
	line   int
	toks   []jsToken
	braces []byte // per open {: 'b' block, 'o' object, 't' template ${
	held   []int  // the lines of the open ${, for the error at the end
	parens []bool // per open (: whether it is an if/while/for/with condition
	// afterCond and afterBlock record that the last token closed a
	// condition's ) or a block's }: a regex literal may follow both.
	afterCond, afterBlock bool
	// fresh says no token yet on this line, where --> opens a comment.
	fresh bool
	// noRegex is the end of a line where a regex literal was guessed and
	// did not end: the line's other slashes are division, so that a long
	// line of them is not read again from each (quadratic time).
	noRegex int
}

// jsRegexKeywords end in an expression position: a / after them starts a
// regex literal.
var jsRegexKeywords = map[string]bool{
	"return": true, "typeof": true, "case": true, "do": true, "else": true, "in": true, "of": true,
	"new": true, "delete": true, "void": true, "throw": true, "yield": true, "await": true, "instanceof": true,
	"default": true,
}

// jsCondKeywords take a parenthesized condition after which a statement,
// and so a regex literal, may start.
var jsCondKeywords = map[string]bool{"if": true, "while": true, "for": true, "with": true}

// tokenizeJS splits src into tokens, skipping a hashbang line and
// comments. It fails, naming the line, on an unterminated string,
// comment or template; a regex literal that does not end on its line is
// read as division instead, since telling the two apart is a guess.
func tokenizeJS(src []byte) ([]jsToken, error) {
	lx := &jsLexer{src: string(src), line: 1, toks: make([]jsToken, 0, len(src)/5+8), fresh: true}
	if strings.HasPrefix(lx.src, "#!") {
		if i := strings.IndexByte(lx.src, '\n'); i >= 0 {
			lx.pos = i
		} else {
			lx.pos = len(lx.src)
		}
	}
	if err := lx.run(); err != nil {
		return nil, err
	}
	if len(lx.held) > 0 {
		return nil, lx.errorf(lx.held[0], "unterminated template literal")
	}
	return lx.toks, nil
}

// keyword reports whether the last token is a name of set used as a
// keyword, not as a property name (x.return).
func (lx *jsLexer) keyword(set map[string]bool) bool {
	n := len(lx.toks)
	if n == 0 || lx.toks[n-1].kind != jsIdent || !set[lx.toks[n-1].val] {
		return false
	}
	return n < 2 || lx.toks[n-2].kind != jsPunct || (lx.toks[n-2].val != "." && lx.toks[n-2].val != "?.")
}

// regexOK reports whether a / here starts a regex literal.
func (lx *jsLexer) regexOK() bool {
	n := len(lx.toks)
	if n == 0 {
		return true
	}
	t := lx.toks[n-1]
	switch t.kind {
	case jsNum, jsStr, jsTail, jsRegex:
		return false
	case jsIdent:
		return lx.keyword(jsRegexKeywords)
	}
	switch t.val {
	case ")":
		return lx.afterCond
	case "}":
		return lx.afterBlock
	case "]", "++", "--":
		return false
	}
	return true
}

// blockOK reports whether a { here opens a block rather than an object
// literal: after ) or => or a statement's end, or a name (class X {).
func (lx *jsLexer) blockOK() bool {
	n := len(lx.toks)
	if n == 0 {
		return true
	}
	t := lx.toks[n-1]
	switch t.kind {
	case jsIdent:
		return !lx.keyword(jsRegexKeywords) || t.val == "else" || t.val == "do"
	case jsPunct:
		switch t.val {
		case ")", "=>", ";", "{", "}":
			return true
		}
	}
	return false
}

func (lx *jsLexer) emit(k jsKind, v string) {
	lx.toks = append(lx.toks, jsToken{k, v})
	lx.afterCond, lx.afterBlock, lx.fresh = false, false, false
}

func (lx *jsLexer) errorf(line int, format string, args ...any) error {
	return fmt.Errorf("line %d: %s", line, fmt.Sprintf(format, args...))
}

func (lx *jsLexer) run() error {
	s := lx.src
	for lx.pos < len(s) {
		c := s[lx.pos]
		switch {
		case c == '\n':
			lx.line++
			lx.pos++
			lx.fresh = true
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			lx.pos++
		case c == '/' && lx.pos+1 < len(s) && s[lx.pos+1] == '/':
			lx.skipLine()
		case c == '/' && lx.pos+1 < len(s) && s[lx.pos+1] == '*':
			end := strings.Index(s[lx.pos+2:], "*/")
			if end < 0 {
				return lx.errorf(lx.line, "unterminated comment")
			}
			lx.line += strings.Count(s[lx.pos:lx.pos+2+end], "\n")
			lx.pos += end + 4
		case c == '/':
			if lx.pos >= lx.noRegex && lx.regexOK() && lx.regex() {
				continue
			}
			lx.pos++
			lx.emit(jsPunct, "/")
		case c == '\'' || c == '"':
			if err := lx.str(c); err != nil {
				return err
			}
		case c == '`':
			lx.pos++
			if err := lx.template(true); err != nil {
				return err
			}
		case isJSIdentStart(c):
			start := lx.pos
			for lx.pos++; lx.pos < len(s) && isJSIdentPart(s[lx.pos]); {
				lx.pos++
			}
			lx.emit(jsIdent, s[start:lx.pos])
		case c >= '0' && c <= '9' || c == '.' && lx.pos+1 < len(s) && s[lx.pos+1] >= '0' && s[lx.pos+1] <= '9':
			lx.number()
		case c == '{':
			kind := byte('o')
			if lx.blockOK() {
				kind = 'b'
			}
			lx.braces = append(lx.braces, kind)
			lx.pos++
			lx.emit(jsPunct, "{")
		case c == '}':
			lx.pos++
			kind := byte('b')
			if n := len(lx.braces); n > 0 {
				kind = lx.braces[n-1]
				lx.braces = lx.braces[:n-1]
			}
			if kind == 't' {
				lx.held = lx.held[:len(lx.held)-1]
				if err := lx.template(false); err != nil {
					return err
				}
				continue
			}
			lx.emit(jsPunct, "}")
			lx.afterBlock = kind == 'b'
		case c == '(':
			lx.parens = append(lx.parens, lx.keyword(jsCondKeywords))
			lx.pos++
			lx.emit(jsPunct, "(")
		case c == ')':
			cond := false
			if n := len(lx.parens); n > 0 {
				cond = lx.parens[n-1]
				lx.parens = lx.parens[:n-1]
			}
			lx.pos++
			lx.emit(jsPunct, ")")
			lx.afterCond = cond
		case c == '<' && strings.HasPrefix(s[lx.pos:], "<!--"), c == '-' && lx.fresh && strings.HasPrefix(s[lx.pos:], "-->"):
			lx.skipLine() // HTML-like comments, still valid in scripts
		default:
			lx.punct()
		}
	}
	return nil
}

func (lx *jsLexer) skipLine() {
	if i := strings.IndexByte(lx.src[lx.pos:], '\n'); i >= 0 {
		lx.pos += i
	} else {
		lx.pos = len(lx.src)
	}
}

func (lx *jsLexer) punct() {
	s := lx.src[lx.pos:]
	n := 1
	switch {
	case strings.HasPrefix(s, "..."):
		n = 3
	case strings.HasPrefix(s, "=>"), strings.HasPrefix(s, "++"), strings.HasPrefix(s, "--"):
		n = 2
	case strings.HasPrefix(s, "?.") && !(len(s) > 2 && s[2] >= '0' && s[2] <= '9'):
		n = 2
	}
	lx.pos += n
	lx.emit(jsPunct, s[:n])
}

// number reads a number: digits, letters (hex digits, exponents, 0x,
// 10n), one dot before any exponent, and a sign after e, but no second
// dot, which is a member access (1.0.toFixed).
func (lx *jsLexer) number() {
	s := lx.src
	start := lx.pos
	hex := strings.HasPrefix(s[start:], "0x") || strings.HasPrefix(s[start:], "0X")
	dot := false
	for lx.pos < len(s) {
		c := s[lx.pos]
		switch {
		case c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_':
			if !hex && (c == 'e' || c == 'E') {
				dot = true
			}
		case c == '.' && !dot && !hex:
			dot = true
		case (c == '+' || c == '-') && !hex && (s[lx.pos-1] == 'e' || s[lx.pos-1] == 'E'):
		default:
			lx.emit(jsNum, s[start:lx.pos])
			return
		}
		lx.pos++
	}
	lx.emit(jsNum, s[start:lx.pos])
}

// isJSIdentStart counts every non-ASCII byte as a name's: a BOM or a
// no-break space merely joins names, which no require pattern needs apart.
// # starts a private name.
func isJSIdentStart(c byte) bool { return c == '#' || isJSIdentPart(c) && (c < '0' || c > '9') }

func isJSIdentPart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '$' || c == '\\' || c >= 0x80
}
