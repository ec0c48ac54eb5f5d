package reach

import (
	"path"
	"strings"

	"github.com/dietimg/diet/internal/rootfs"
)

// apacheRoots returns the DocumentRoot and the alias targets (Alias,
// ScriptAlias and their Match forms) of the Apache httpd configuration
// file p. Sections are not evaluated (<IfModule>, <IfDefine>, a
// <VirtualHost> no request reaches): what a section could enable is kept,
// as the cost of a spare directory is small and a missing one breaks a
// site. <Directory> only grants access to a path, so it is not a root.
//
// Relative paths start at serverRoot until a ServerRoot directive moves
// it. ${NAME} is replaced by the file's own Defines, then by env; a value
// left with a variable, or a regular expression's $1, is skipped.
func apacheRoots(p string, src []byte, serverRoot string, env func(string) (string, bool)) ([]webRoot, error) {
	defines := map[string]string{}
	lookup := func(name string) (string, bool) {
		if v, ok := defines[name]; ok {
			return v, true
		}
		if env != nil {
			return env(name)
		}
		return "", false
	}
	var roots []webRoot
	add := func(words []string) {
		v := words[len(words)-1]
		if v == "" || strings.Contains(v, "$") {
			return
		}
		if !path.IsAbs(v) {
			v = path.Join(serverRoot, v)
		}
		roots = append(roots, webRoot{path: v, detail: strings.Join(words, " ")})
	}
	err := apacheLines(p, src, func(words []string) {
		for i := 1; i < len(words); i++ {
			words[i] = apacheExpand(words[i], lookup)
		}
		switch n := len(words); strings.ToLower(words[0]) {
		case "define":
			if n >= 3 && !strings.Contains(words[2], "${") {
				defines[words[1]] = words[2]
			}
		case "undefine":
			if n >= 2 {
				delete(defines, words[1])
			}
		case "serverroot":
			if n == 2 && path.IsAbs(words[1]) && !strings.Contains(words[1], "$") {
				serverRoot = path.Clean(words[1])
			}
		case "documentroot":
			if n == 2 {
				add(words)
			}
		case "alias", "aliasmatch", "scriptalias", "scriptaliasmatch":
			// Inside <Location>, Alias takes the path alone.
			if n == 2 || n == 3 {
				add(words)
			}
		}
	})
	return roots, err
}

// apacheLines calls visit with the words of each directive of src, read
// as httpd's ap_cfg_getline and ap_getword_conf do: a line ending in a
// backslash goes on in the next one (a comment too), a line whose first
// word starts with # is a comment, and a word is quoted, with " or ',
// only when the quote starts it (\" inside is a quote). A quote that does
// not end on its line is an error: httpd would take the rest of the line,
// but a path cut there is a mistake more often than a meaning.
func apacheLines(p string, src []byte, visit func(words []string)) error {
	lines := strings.Split(string(src), "\n")
	for n := 0; n < len(lines); n++ {
		start := n + 1
		l := strings.TrimRight(lines[n], " \t\r\f\v")
		for strings.HasSuffix(l, "\\") && n+1 < len(lines) {
			n++
			l = l[:len(l)-1] + strings.TrimRight(lines[n], " \t\r\f\v")
		}
		l = strings.TrimLeft(l, " \t\r\f\v")
		if l == "" || l[0] == '#' {
			continue
		}
		words, ok := apacheWords(l)
		if !ok {
			return webConfError(p, start, "unterminated quoted string")
		}
		visit(words)
	}
	return nil
}

// apacheWords splits one logical line into words; false when a quote
// does not end.
func apacheWords(l string) ([]string, bool) {
	var words []string
	for {
		l = strings.TrimLeft(l, " \t\r\f\v")
		if l == "" {
			return words, true
		}
		if q := l[0]; q == '"' || q == '\'' {
			var b strings.Builder
			i := 1
			for ; i < len(l) && l[i] != q; i++ {
				if l[i] == '\\' && i+1 < len(l) && l[i+1] == q {
					i++
				}
				b.WriteByte(l[i])
			}
			if i >= len(l) {
				return nil, false
			}
			words = append(words, b.String())
			l = l[i+1:]
			continue
		}
		i := strings.IndexAny(l, " \t\r\f\v")
		if i < 0 {
			i = len(l)
		}
		words = append(words, l[:i])
		l = l[i:]
	}
}

// apacheExpand replaces each ${NAME} that lookup knows, once, as httpd's
// ap_resolve_env does; unknown ones stay.
func apacheExpand(s string, lookup func(string) (string, bool)) string {
	if !strings.Contains(s, "${") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			break
		}
		b.WriteString(s[:i])
		if v, ok := lookup(s[i+2 : i+j]); ok {
			b.WriteString(v)
		} else {
			b.WriteString(s[i : i+j+1])
		}
		s = s[i+j+1:]
	}
	b.WriteString(s)
	return b.String()
}

// apacheEnv resolves the variables httpd sees in its environment: on
// Debian, apache2ctl sources /etc/apache2/envvars before it starts the
// server (APACHE_LOG_DIR and the like), over the image's Env.
func (w *webConf) apacheEnv(t webTree) func(string) (string, bool) {
	var vars map[string]string
	if t.dir == "/etc/apache2/" {
		if b, err := rootfs.ReadFile(w.img.FS, "/etc/apache2/envvars"); err == nil && len(b) <= maxSource {
			vars = apacheEnvvars(b)
		}
	}
	return func(name string) (string, bool) {
		if v, ok := vars[name]; ok {
			return v, true
		}
		return Getenv(w.img.Env, name)
	}
}

// apacheEnvvars reads the NAME=value and export NAME=value lines of a
// shell script, in order; a value the script computes beyond plain
// quoting and $NAME of earlier lines is dropped, not guessed.
func apacheEnvvars(src []byte) map[string]string {
	vars := map[string]string{}
	for _, l := range strings.Split(string(src), "\n") {
		l = strings.TrimSpace(l)
		if rest, ok := strings.CutPrefix(l, "export"); ok && rest != "" && (rest[0] == ' ' || rest[0] == '\t') {
			l = strings.TrimSpace(rest)
		}
		name, val, ok := strings.Cut(l, "=")
		if !ok || !apacheShellName(name) {
			continue
		}
		if v, ok := apacheShellWord(val, vars); ok {
			vars[name] = v
		} else {
			delete(vars, name)
		}
	}
	return vars
}

func apacheShellName(s string) bool {
	for i, c := range s {
		if c != '_' && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return s != ""
}

// apacheShellWord is the value of the shell word at the start of s, with
// $NAME and ${NAME} from vars; false when it holds anything else.
func apacheShellWord(s string, vars map[string]string) (string, bool) {
	var b strings.Builder
	dquote := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			dquote = !dquote
		case c == '\'' && !dquote:
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return "", false
			}
			b.WriteString(s[i+1 : i+1+j])
			i += j + 1
		case c == '\\':
			if i++; i < len(s) {
				b.WriteByte(s[i])
			}
		case c == '$':
			name, n := s[i+1:], 0
			if strings.HasPrefix(name, "{") {
				j := strings.IndexByte(name, '}')
				if j < 0 {
					return "", false
				}
				name, n = name[1:j], j+1
			} else {
				for n < len(name) && apacheShellName(name[:n+1]) {
					n++
				}
				name = name[:n]
			}
			v, ok := vars[name]
			if !ok {
				return "", false
			}
			b.WriteString(v)
			i += n
		case !dquote && (c == ' ' || c == '\t' || c == ';' || c == '#'):
			return b.String(), true
		case c == '`' || (!dquote && strings.IndexByte("|&<>()", c) >= 0):
			return "", false
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), !dquote
}
