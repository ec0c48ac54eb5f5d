package reach

import (
	"bytes"
	"fmt"
	"strings"
)

// nginxRoots returns the root and alias directives of the nginx
// configuration file p, in any block. A value with a variable is known
// only per request, so it is skipped.
func nginxRoots(p string, src []byte) ([]webRoot, error) {
	var roots []webRoot
	err := nginxDirectives(p, src, func(args []string) {
		if len(args) != 2 || (args[0] != "root" && args[0] != "alias") {
			return
		}
		if v := args[1]; v != "" && !strings.Contains(v, "$") {
			roots = append(roots, webRoot{path: v, detail: args[0] + " " + v})
		}
	})
	return roots, err
}

// nginxDirectives calls visit with the words of each directive of src,
// simple or block, tokenized as nginx's ngx_conf_read_token does: a word
// is quoted only when a quote starts it, a backslash escapes the next
// byte anywhere, # starts a comment only where a word could start, and
// "${" does not end a word. The blocks of OpenResty's *_by_lua_block
// directives hold Lua, not nginx's grammar, and are skipped whole.
func nginxDirectives(p string, src []byte, visit func(args []string)) error {
	var args []string
	depth, line, start := 0, 1, 1
	for i := 0; ; {
		for i < len(src) && isNginxSpace(src[i]) {
			if src[i] == '\n' {
				line++
			}
			i++
		}
		if i >= len(src) {
			switch {
			case len(args) > 0:
				return webConfError(p, start, "unexpected end of file, expecting \";\" or \"}\"")
			case depth > 0:
				return webConfError(p, line, "unexpected end of file, expecting \"}\"")
			}
			return nil
		}
		if len(args) == 0 {
			start = line
		}
		switch c := src[i]; c {
		case '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
			continue
		case ';', '{':
			if len(args) == 0 {
				return webConfError(p, line, "unexpected %q", c)
			}
			i++
			visit(args)
			if c == '{' {
				if strings.HasSuffix(args[0], "_by_lua_block") {
					end, ok := skipLuaBlock(src, i)
					if !ok {
						return webConfError(p, start, "unterminated Lua block of %q", args[0])
					}
					line += bytes.Count(src[i:end], []byte{'\n'})
					i = end
				} else {
					depth++
				}
			}
			args = nil
			continue
		case '}':
			if len(args) > 0 || depth == 0 {
				return webConfError(p, line, "unexpected \"}\"")
			}
			depth--
			i++
			continue
		}
		w, n, err := nginxWord(src[i:])
		if err != "" {
			return webConfError(p, line, "%s", err)
		}
		line += bytes.Count(src[i:i+n], []byte{'\n'})
		i += n
		args = append(args, w)
	}
}

func isNginxSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// nginxWord reads the word at the start of s and returns it unescaped,
// with the bytes it took; an error when a quoted word does not end, or
// runs into the next one.
func nginxWord(s []byte) (string, int, string) {
	if q := s[0]; q == '"' || q == '\'' {
		for i := 1; i < len(s); i++ {
			switch s[i] {
			case '\\':
				i++
			case q:
				if i+1 < len(s) && !isNginxSpace(s[i+1]) && s[i+1] != ';' && s[i+1] != '{' && s[i+1] != ')' {
					return "", 0, fmt.Sprintf("unexpected %q after a quoted string", s[i+1])
				}
				return nginxUnescape(s[1:i]), i + 1, ""
			}
		}
		return "", 0, "unterminated " + string(q) + " string"
	}
	variable := false
	i := 0
	for ; i < len(s); i++ {
		c := s[i]
		if c == '{' && variable {
			continue
		}
		variable = false
		if c == '\\' {
			i++
			continue
		}
		if c == '$' {
			variable = true
			continue
		}
		if isNginxSpace(c) || c == ';' || c == '{' {
			break
		}
	}
	if i > len(s) {
		i = len(s) // a backslash ended the file
	}
	return nginxUnescape(s[:i]), i, ""
}

// nginxUnescape undoes the escapes nginx knows; any other backslash
// stays.
func nginxUnescape(s []byte) string {
	if bytes.IndexByte(s, '\\') < 0 {
		return string(s)
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			switch s[i+1] {
			case '"', '\'', '\\':
				i++
			case 't':
				b.WriteByte('\t')
				i++
				continue
			case 'r':
				b.WriteByte('\r')
				i++
				continue
			case 'n':
				b.WriteByte('\n')
				i++
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// skipLuaBlock returns the index just past the "}" that closes the Lua
// block whose body starts at src[i], minding Lua's strings, long
// brackets and comments, as ngx_lua's own block reader does.
func skipLuaBlock(src []byte, i int) (int, bool) {
	depth := 1
	for i < len(src) {
		switch c := src[i]; {
		case c == '{':
			depth++
		case c == '}':
			if depth--; depth == 0 {
				return i + 1, true
			}
		case c == '"' || c == '\'':
			for i++; i < len(src) && src[i] != c && src[i] != '\n'; i++ {
				if src[i] == '\\' {
					i++
				}
			}
		case c == '[' && luaLongBracket(src[i:]) >= 0:
			end, ok := skipLuaLong(src, i)
			if !ok {
				return i, false
			}
			i = end
			continue
		case c == '-' && i+1 < len(src) && src[i+1] == '-':
			i += 2
			if i < len(src) && src[i] == '[' && luaLongBracket(src[i:]) >= 0 {
				end, ok := skipLuaLong(src, i)
				if !ok {
					return i, false
				}
				i = end
				continue
			}
			for i < len(src) && src[i] != '\n' {
				i++
			}
			continue
		}
		i++
	}
	return i, false
}

// luaLongBracket returns the level of the long bracket "[==[" at the
// start of s, -1 when there is none.
func luaLongBracket(s []byte) int {
	n := 1
	for n < len(s) && s[n] == '=' {
		n++
	}
	if n < len(s) && s[n] == '[' {
		return n - 1
	}
	return -1
}

// skipLuaLong returns the index past the long string or comment opening
// at src[i].
func skipLuaLong(src []byte, i int) (int, bool) {
	level := luaLongBracket(src[i:])
	closer := "]" + strings.Repeat("=", level) + "]"
	body := i + level + 2
	end := bytes.Index(src[body:], []byte(closer))
	if end < 0 {
		return len(src), false
	}
	return body + end + len(closer), true
}
