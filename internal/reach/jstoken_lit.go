package reach

import (
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// The literals of the JavaScript tokenizer: strings, templates, regular
// expressions, and the escapes of the first two, whose values name modules.

// str reads a '...' or "..." string.
func (lx *jsLexer) str(q byte) error {
	s := lx.src
	start := lx.pos + 1
	escaped := false
	for i := start; i < len(s); i++ {
		switch s[i] {
		case q:
			v := s[start:i]
			if escaped {
				v = unescapeJS(v)
			}
			lx.pos = i + 1
			lx.emit(jsStr, v)
			return nil
		case '\\':
			escaped = true
			if strings.HasPrefix(s[i+1:], "\r\n") {
				i++ // a line continuation, CRLF
			}
			if i+1 < len(s) && s[i+1] == '\n' {
				lx.line++
			}
			i++
		case '\n':
			return lx.errorf(lx.line, "unterminated string")
		}
	}
	return lx.errorf(lx.line, "unterminated string")
}

// template reads template text from pos (after ` or a substitution's })
// to the closing ` or the next ${.
func (lx *jsLexer) template(head bool) error {
	s := lx.src
	start, line := lx.pos, lx.line
	escaped := false
	for i := start; i < len(s); i++ {
		switch s[i] {
		case '\\':
			escaped = true
			i++
			if i < len(s) && s[i] == '\n' {
				lx.line++
			}
		case '\n':
			lx.line++
		case '`', '$':
			if s[i] == '$' && (i+1 >= len(s) || s[i+1] != '{') {
				continue
			}
			v := s[start:i]
			if escaped {
				v = unescapeJS(v)
			}
			kind := jsMid
			switch {
			case head && s[i] == '`':
				kind = jsStr
			case head:
				kind = jsHead
			case s[i] == '`':
				kind = jsTail
			}
			lx.pos = i + 1
			if s[i] == '$' {
				lx.pos++
				lx.braces = append(lx.braces, 't')
				lx.held = append(lx.held, lx.line)
			}
			lx.emit(kind, v)
			return nil
		}
	}
	return lx.errorf(line, "unterminated template literal")
}

// regex reads a regex literal from the / at pos; false when none ends on
// this line.
func (lx *jsLexer) regex() bool {
	s := lx.src
	class := false
	for i := lx.pos + 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 < len(s) && s[i+1] != '\n' {
				i++
			}
		case '[':
			class = true
		case ']':
			class = false
		case '\n', '\r':
			lx.noRegex = i
			return false
		case '/':
			if class {
				continue
			}
			end := i + 1
			for end < len(s) && isJSIdentPart(s[end]) {
				end++
			}
			lx.emit(jsRegex, s[lx.pos:end])
			lx.pos = end
			return true
		}
	}
	lx.noRegex = len(s)
	return false
}

// unescapeJS decodes a string literal's escapes, well enough for module
// names and paths.
func unescapeJS(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c != '\\' || i+1 >= len(v) {
			b.WriteByte(c)
			continue
		}
		i++
		switch c = v[i]; c {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'v':
			b.WriteByte('\v')
		case '0', '1', '2', '3', '4', '5', '6', '7':
			// Legacy octal, still common in sloppy-mode strings ("\033[0m").
			n := int(c - '0')
			for k := 0; k < 2 && i+1 < len(v) && v[i+1] >= '0' && v[i+1] <= '7' && n*8+int(v[i+1]-'0') <= 0xff; k++ {
				i++
				n = n*8 + int(v[i]-'0')
			}
			b.WriteRune(rune(n))
		case '\n':
		case '\r':
			if i+1 < len(v) && v[i+1] == '\n' {
				i++
			}
		case 'x', 'u':
			digits := 2
			if c == 'u' {
				digits = 4
			}
			j := i + 1
			if c == 'u' && j < len(v) && v[j] == '{' {
				if k := strings.IndexByte(v[j:], '}'); k > 0 {
					if r, err := strconv.ParseUint(v[j+1:j+k], 16, 32); err == nil {
						b.WriteRune(rune(r))
						i = j + k
						continue
					}
				}
			}
			if j+digits <= len(v) {
				if r, err := strconv.ParseUint(v[j:j+digits], 16, 32); err == nil {
					i = j + digits - 1
					// A surrogate pair, \ud83d\udca9, is one character.
					if lo, err := strconv.ParseUint(v[min(i+3, len(v)):min(i+7, len(v))], 16, 32); err == nil &&
						utf16.IsSurrogate(rune(r)) && strings.HasPrefix(v[i+1:], "\\u") {
						if pair := utf16.DecodeRune(rune(r), rune(lo)); pair != utf8.RuneError {
							b.WriteRune(pair)
							i += 6
							continue
						}
					}
					b.WriteRune(rune(r))
					continue
				}
			}
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
