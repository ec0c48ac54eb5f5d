package reach

import "strings"

// lightKind is a lighttpd token's kind.
type lightKind int

const (
	ltEOF lightKind = iota
	ltEOL
	ltString
	ltInt
	ltKey
	ltSrvVar // HTTP in $HTTP["host"]
	ltAssign // = += :=
	ltArrow  // =>
	ltCondOp // == != =~ !~ =^ =$
	ltPlus
	ltComma
	ltLParen
	ltRParen
	ltLCurly
	ltRCurly
	ltLBracket
	ltRBracket
	ltDollar
	ltInclude // include, include_shell
	ltElse
	ltGlobal
)

type lightTok struct {
	kind lightKind
	text string
	line int
}

// lighttpdTokens splits src as lighttpd's config_tokenizer does: what a
// byte means depends on whether it is inside ( ) (where = must be => and
// newlines do not end a statement) or a $ condition (where = and ! start
// its operator and a name is a server variable's).
func lighttpdTokens(p string, src []byte) ([]lightTok, error) {
	var toks []lightTok
	parens, inCond, line := 0, false, 1
	emit := func(k lightKind, text string) { toks = append(toks, lightTok{k, text, line}) }
	for i := 0; i < len(src); {
		c := src[i]
		next := byte(0)
		if i+1 < len(src) {
			next = src[i+1]
		}
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case c == '\n':
			if parens == 0 {
				emit(ltEOL, "")
			}
			line++
			i++
		case c == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '=' && parens > 0:
			if next != '>' {
				return nil, webConfError(p, line, "use => for assignments in arrays")
			}
			emit(ltArrow, "=>")
			i += 2
		case (c == '=' || c == '!') && inCond:
			op := string([]byte{c, next})
			if !lightCondOps[op] {
				return nil, webConfError(p, line, "unknown operator %q in a condition", op)
			}
			emit(ltCondOp, op)
			inCond = false
			i += 2
		case c == '=':
			emit(ltAssign, "=")
			i++
		case (c == '+' || c == ':') && next == '=':
			emit(ltAssign, string(c)+"=")
			i += 2
		case c == '+':
			emit(ltPlus, "+")
			i++
		case c == '"':
			s, n, ok := lighttpdString(src[i:])
			if !ok {
				return nil, webConfError(p, line, "missing closing quote")
			}
			emit(ltString, s)
			line += strings.Count(string(src[i:i+n]), "\n")
			i += n
		case c == '(' || c == ')' || c == '{' || c == '}' || c == '[' || c == ']' || c == '$' || c == ',':
			switch {
			case c == '(':
				parens++
			case c == ')' && parens == 0:
				return nil, webConfError(p, line, "close-parens without open-parens")
			case c == ')':
				parens--
			case c == '$':
				inCond = true
			}
			if c != ',' || parens > 0 { // a comma outside an array is nothing
				emit(lightPunct[c], string(c))
			}
			i++
		case c == 0xc2 && next == 0xa0: // a no-break space, as lighttpd allows
			i += 2
		default:
			n := 0
			for n < len(src)-i && isLightKeyByte(src[i+n], inCond) {
				n++
			}
			if n == 0 {
				return nil, webConfError(p, line, "unexpected %q", c)
			}
			word := string(src[i : i+n])
			i += n
			switch {
			case inCond:
				emit(ltSrvVar, word)
			case c >= '0' && c <= '9' && strings.Trim(word, "0123456789") == "":
				emit(ltInt, word)
			case word == "include" || word == "include_shell":
				emit(ltInclude, word)
			case word == "global":
				emit(ltGlobal, word)
			case word == "else" || word == "elif" || word == "elsif" || word == "elseif":
				emit(ltElse, word)
			case word == "if" && strings.HasPrefix(strings.TrimLeft(string(src[i:min(i+64, len(src))]), " \t"), "$"):
				// "if $HTTP[...]" and "else if": the if is noise
			default:
				emit(ltKey, word)
			}
		}
	}
	return toks, nil
}

var lightCondOps = map[string]bool{"==": true, "=~": true, "=^": true, "=$": true, "!=": true, "!~": true}

var lightPunct = map[byte]lightKind{
	'(': ltLParen, ')': ltRParen, '{': ltLCurly, '}': ltRCurly, '[': ltLBracket, ']': ltRBracket, '$': ltDollar, ',': ltComma,
}

// isLightKeyByte reports a byte of a key (var.name, server.document-root,
// env.HOME) or, in a condition, of a server variable's name.
func isLightKeyByte(c byte, inCond bool) bool {
	letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
	if inCond {
		return letter
	}
	return letter || c >= '0' && c <= '9' || c == '.' || c == '-'
}

// lighttpdString reads the "..." string at the start of s: \" is a quote,
// every other backslash is itself.
func lighttpdString(s []byte) (string, int, bool) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch {
		case s[i] == '"':
			return b.String(), i + 1, true
		case s[i] == '\\' && i+1 < len(s) && s[i+1] == '"':
			i++
		}
		b.WriteByte(s[i])
	}
	return "", 0, false
}
