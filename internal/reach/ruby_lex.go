package reach

import (
	"bytes"
	"fmt"
)

// rbKind is the kind of a Ruby token: only what finding require
// statements needs.
type rbKind int

const (
	rbOp    rbKind = iota // punctuation
	rbIdent               // a name or keyword, require, File, defined?
	rbVar                 // @x, @@x, $x, $:
	rbStr                 // '', "", ``, %q() %Q() %(), a heredoc
	rbSym                 // :name, :"name", %s()
	rbNum                 // a number, ?c
	rbList                // %w() %i() and their interpolating forms
	rbRegex               // /re/, %r{re}
)

// rbTok is one token; val is a string's contents with escapes dropped.
type rbTok struct {
	kind   rbKind
	val    string
	interp bool // a string with #{...}, #@x or #$x: its value is unknown
	line   int
}

// is reports the punctuation s.
func (t rbTok) is(s string) bool { return t.kind == rbOp && t.val == s }

// rbLexer splits Ruby source into tokens, skipping what is never code:
// comments, =begin blocks, heredoc bodies and what follows __END__.
// Where Ruby's own grammar decides (is / a division or a regex?), it
// guesses as parse.y does from the token before and the spacing, and a
// guessed literal that never ends is read as the operator instead.
type rbLexer struct {
	src     []byte
	i, line int
	toks    []rbTok
	nl      bool        // a newline since the last token: a new statement
	space   bool        // a blank right before the current byte
	pending []rbHeredoc // heredocs whose bodies start on the next line
	misses  int         // guessed literals that never ended, each a scan to the end
}

// rbHeredoc is a heredoc waiting for its body.
type rbHeredoc struct {
	id     string
	indent bool // <<~ and <<-: the terminator may be indented
	raw    bool // <<'ID': no interpolation
	tok    int  // the token the body is the value of
	line   int
}

// maxRubyMisses bounds the guessed literals read to the end of the file
// in vain: past it, a % or << that may be an operator is one, so that a
// file of them takes linear time.
const maxRubyMisses = 64

// maxRubyNest bounds strings inside interpolations inside strings.
const maxRubyNest = 32

// lexRuby returns the tokens of src, or an error naming the line of a
// string, heredoc or =begin block that never ends.
func lexRuby(src []byte) ([]rbTok, error) {
	lx := &rbLexer{src: src, line: 1, nl: true}
	for lx.i < len(lx.src) {
		start := lx.i
		if err := lx.step(); err != nil {
			return lx.toks, err
		}
		if lx.i <= start {
			lx.i = start + 1 // never stall
		}
	}
	if len(lx.pending) > 0 {
		h := lx.pending[0]
		return lx.toks, fmt.Errorf("line %d: unterminated heredoc <<%s", h.line, h.id)
	}
	return lx.toks, nil
}

func (lx *rbLexer) emit(kind rbKind, val string, interp bool, line int) {
	lx.toks = append(lx.toks, rbTok{kind: kind, val: val, interp: interp, line: line})
	lx.nl = false
}

func (lx *rbLexer) peek(k int) byte {
	if lx.i+k < len(lx.src) {
		return lx.src[lx.i+k]
	}
	return 0
}

// rbNonValue are the keywords after which an expression starts, so that
// a / or % begins a literal there.
var rbNonValue = map[string]bool{
	"and": true, "or": true, "not": true, "if": true, "unless": true, "while": true, "until": true,
	"return": true, "when": true, "case": true, "elsif": true, "else": true, "then": true, "do": true,
	"begin": true, "in": true, "rescue": true, "ensure": true, "yield": true, "break": true, "next": true,
}

// operand reports whether a literal may start here: after an operator, a
// keyword or a newline; or after a method name when a blank comes before
// and none after (puts /x/, as Ruby reads it with a warning).
func (lx *rbLexer) operand() bool {
	if lx.nl || len(lx.toks) == 0 {
		return true
	}
	prev := lx.toks[len(lx.toks)-1]
	switch prev.kind {
	case rbOp:
		return prev.val != ")" && prev.val != "]" && prev.val != "}"
	case rbIdent:
		if rbNonValue[prev.val] {
			return true
		}
		n := lx.peek(1)
		return lx.space && n != ' ' && n != '\t' && n != '=' && n != '\n' && rbLower(prev.val)
	}
	return false
}

// methodName reports a position where an operator names a method: after
// def or a dot (def /(other), x.%(y)).
func (lx *rbLexer) methodName() bool {
	if len(lx.toks) == 0 || lx.nl {
		return false
	}
	prev := lx.toks[len(lx.toks)-1]
	return prev.is(".") || prev.is("&.") || prev.kind == rbIdent && prev.val == "def"
}

func rbLower(s string) bool { return s != "" && (s[0] == '_' || s[0] >= 'a' && s[0] <= 'z') }

func rbIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// step reads one token, or skips a blank, comment or line.
func (lx *rbLexer) step() error {
	c := lx.src[lx.i]
	if lx.i == 0 || lx.src[lx.i-1] == '\n' {
		if done, err := lx.lineStart(); done || err != nil {
			return err
		}
	}
	space := lx.space
	lx.space = false
	switch {
	case c == '\n':
		lx.i++
		lx.line++
		lx.nl = true
		return lx.heredocBodies()
	case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
		lx.i++
		lx.space = true
	case c == '\\' && lx.peek(1) == '\n':
		lx.i += 2 // a continued line
		lx.line++
		lx.space = true
	case c == '#':
		for lx.i < len(lx.src) && lx.src[lx.i] != '\n' {
			lx.i++
		}
	case c == '\'' || c == '"' || c == '`':
		return lx.quoted(rbStr, c, c, c != '\'')
	case c >= '0' && c <= '9':
		lx.number()
	case rbIdentByte(c):
		lx.ident()
	case c == '@' || c == '$':
		lx.variable()
	case c == ':':
		lx.symbol()
	default:
		lx.space = space
		return lx.punct(c)
	}
	return nil
}

// lineStart skips an =begin block and everything after __END__; done
// reports that the byte at the line's start was consumed.
func (lx *rbLexer) lineStart() (bool, error) {
	rest := lx.src[lx.i:]
	line, _, _ := bytes.Cut(rest, []byte("\n"))
	if string(bytes.TrimRight(line, "\r")) == "__END__" {
		lx.i = len(lx.src)
		return true, nil
	}
	if !bytes.HasPrefix(line, []byte("=begin")) || len(line) > 6 && !isBlank(line[6]) {
		return false, nil
	}
	start := lx.line
	for lx.i < len(lx.src) {
		nl := bytes.IndexByte(lx.src[lx.i:], '\n')
		if nl < 0 {
			break
		}
		lx.i += nl + 1
		lx.line++
		l := lx.src[lx.i:]
		if bytes.HasPrefix(l, []byte("=end")) && (len(l) == 4 || isBlank(l[4])) {
			for lx.i < len(lx.src) && lx.src[lx.i] != '\n' {
				lx.i++
			}
			return true, nil
		}
	}
	return true, fmt.Errorf("line %d: unterminated =begin", start)
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func (lx *rbLexer) number() {
	start := lx.i
	for lx.i < len(lx.src) {
		c := lx.src[lx.i]
		if rbIdentByte(c) || c == '.' && lx.peek(1) >= '0' && lx.peek(1) <= '9' {
			lx.i++
			continue
		}
		break
	}
	lx.emit(rbNum, string(lx.src[start:lx.i]), false, lx.line)
}

// ident reads a name, with the ? or ! of a predicate (defined?, save!).
func (lx *rbLexer) ident() {
	start := lx.i
	for lx.i < len(lx.src) && rbIdentByte(lx.src[lx.i]) {
		lx.i++
	}
	if c := lx.peek(0); (c == '?' || c == '!') && lx.peek(1) != '=' && !(c == '?' && lx.peek(1) == ':') {
		lx.i++
	}
	lx.emit(rbIdent, string(lx.src[start:lx.i]), false, lx.line)
}

// variable reads @x, @@x, $x and the punctuation globals ($:, $", $').
func (lx *rbLexer) variable() {
	start := lx.i
	lx.i++
	if lx.src[start] == '@' && lx.peek(0) == '@' {
		lx.i++
	}
	switch c := lx.peek(0); {
	case rbIdentByte(c):
		for lx.i < len(lx.src) && rbIdentByte(lx.src[lx.i]) {
			lx.i++
		}
	case lx.src[start] == '$' && c == '-':
		lx.i += min(2, len(lx.src)-lx.i)
	case lx.src[start] == '$' && c != 0 && c != '\n':
		lx.i++
	}
	lx.emit(rbVar, string(lx.src[start:lx.i]), false, lx.line)
}

// rbOpSyms are the operator method names a symbol may be, longest first.
var rbOpSyms = []string{"[]=", "<=>", "===", "[]", "==", "=~", "!=", "!~", "**", "+@", "-@", "<<", ">>", "<=", ">=",
	"+", "-", "*", "/", "%", "<", ">", "!", "&", "|", "^", "~"}

// symbol reads :name, :"name", :+ or the :: and : operators.
func (lx *rbLexer) symbol() {
	line := lx.line
	switch n := lx.peek(1); {
	case n == ':':
		lx.i += 2
		lx.emit(rbOp, "::", false, line)
		return
	case n == '"' || n == '\'':
		lx.i++
		if err := lx.quoted(rbSym, n, n, n == '"'); err != nil {
			lx.i = len(lx.src) // an unterminated symbol ends the file as a string would
		}
		return
	case rbIdentByte(n) && !(n >= '0' && n <= '9') || n == '@' || n == '$':
		lx.i++
		start := lx.i
		for lx.i < len(lx.src) && (rbIdentByte(lx.src[lx.i]) || lx.i == start && (lx.src[lx.i] == '@' || lx.src[lx.i] == '$')) {
			lx.i++
		}
		if c := lx.peek(0); (c == '?' || c == '!' || c == '=') && lx.peek(1) != '=' && lx.peek(1) != '>' {
			lx.i++
		}
		lx.emit(rbSym, string(lx.src[start:lx.i]), false, line)
		return
	}
	rest := lx.src[lx.i+1:]
	for _, op := range rbOpSyms {
		if bytes.HasPrefix(rest, []byte(op)) {
			lx.i += 1 + len(op)
			lx.emit(rbSym, op, false, line)
			return
		}
	}
	lx.i++
	lx.emit(rbOp, ":", false, line)
}

// punct reads an operator, or a literal that starts with one: a regex, a
// % literal, a heredoc, a ?c character.
func (lx *rbLexer) punct(c byte) error {
	line := lx.line
	lit := !lx.methodName() && lx.operand()
	lx.space = false
	switch {
	case c == '/' && lit && lx.misses < maxRubyMisses:
		if lx.literal(rbRegex, '/', '/', true, true) {
			return nil
		}
		lx.misses++
	case c == '%' && lit:
		if lx.percent() {
			return nil
		}
	case c == '<' && lx.peek(1) == '<':
		if ok, err := lx.heredoc(lit); ok || err != nil {
			return err
		}
	case c == '?' && lit && lx.peek(1) != 0 && !isBlank(lx.peek(1)):
		n := 2
		if lx.peek(1) == '\\' {
			n = 3
		}
		if !rbIdentByte(lx.peek(n)) || lx.peek(1) == '\\' {
			lx.i += min(n, len(lx.src)-lx.i)
			lx.emit(rbNum, "?", false, line)
			return nil
		}
	case c == '&' && lx.peek(1) == '.':
		lx.i += 2
		lx.emit(rbOp, "&.", false, line)
		return nil
	}
	lx.i++
	lx.emit(rbOp, string(c), false, line)
	return nil
}
