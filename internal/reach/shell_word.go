package reach

import (
	"path"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// unknown stands, in a word's value, for what only running the script
// would know (a variable, a command's output).
const unknown = '\x00'

// literalWord is the value of a word the script spells out, quotes
// removed; a script's own directory ($(dirname "$0"), ${0%/*}) is known
// too, as that of the file by.
func literalWord(w *syntax.Word, by string) (string, bool) {
	v := expander{dir: path.Dir(by)}.word(w)
	return v, !strings.ContainsRune(v, unknown)
}

// wordValue is the value of w with the variables lookup knows, unknown
// in place of the rest.
func wordValue(w *syntax.Word, lookup func(string) (string, bool)) string {
	return expander{lookup: lookup}.word(w)
}

// assignValue is the value word of a NAME=value word (export's argument
// in the POSIX grammar), nil when w assigns another name.
func assignValue(w *syntax.Word, name string) *syntax.Word {
	if len(w.Parts) == 0 {
		return nil
	}
	lit, ok := w.Parts[0].(*syntax.Lit)
	if !ok {
		return nil
	}
	rest, ok := strings.CutPrefix(lit.Value, name+"=")
	if !ok {
		return nil
	}
	return &syntax.Word{Parts: append([]syntax.WordPart{&syntax.Lit{Value: rest}}, w.Parts[1:]...)}
}

// expander computes the static value of words.
type expander struct {
	lookup func(string) (string, bool)
	dir    string // the script's directory, "" when not known
}

func (e expander) word(w *syntax.Word) string {
	var b strings.Builder
	e.parts(&b, w.Parts, false)
	return b.String()
}

func (e expander) parts(b *strings.Builder, parts []syntax.WordPart, quoted bool) {
	for i, p := range parts {
		switch p := p.(type) {
		case *syntax.Lit:
			if !quoted && i == 0 && strings.HasPrefix(p.Value, "~") {
				b.WriteRune(unknown) // a home directory
			}
			b.WriteString(unescape(p.Value, quoted))
		case *syntax.SglQuoted:
			if p.Dollar && strings.Contains(p.Value, `\`) {
				b.WriteRune(unknown)
			} else {
				b.WriteString(p.Value)
			}
		case *syntax.DblQuoted:
			e.parts(b, p.Parts, true)
		case *syntax.ParamExp:
			if v, ok := e.param(p); ok {
				b.WriteString(v)
			} else {
				b.WriteRune(unknown)
			}
		case *syntax.CmdSubst:
			if e.dir != "" && isDirnameSelf(p) {
				b.WriteString(e.dir)
			} else {
				b.WriteRune(unknown)
			}
		default:
			b.WriteRune(unknown)
		}
	}
}

// param is the value of $NAME that lookup knows, or of ${0%/*}.
func (e expander) param(p *syntax.ParamExp) (string, bool) {
	if p.Param == nil || p.Excl || p.Length || p.Width || p.Index != nil || p.Slice != nil || p.Repl != nil || p.Names != 0 || p.NestedParam != nil {
		return "", false
	}
	if p.Exp != nil {
		self := p.Param.Value == "0" || p.Param.Value == "BASH_SOURCE"
		if e.dir != "" && self && p.Exp.Op == syntax.RemSmallSuffix && p.Exp.Word != nil && p.Exp.Word.Lit() == "/*" {
			return e.dir, true
		}
		return "", false
	}
	if e.lookup == nil {
		return "", false
	}
	return e.lookup(p.Param.Value)
}

// isDirnameSelf reports $(dirname "$0") and $(dirname "${BASH_SOURCE[0]}").
func isDirnameSelf(cs *syntax.CmdSubst) bool {
	if len(cs.Stmts) != 1 {
		return false
	}
	c, ok := cs.Stmts[0].Cmd.(*syntax.CallExpr)
	if !ok || len(c.Args) != 2 || c.Args[0].Lit() != "dirname" {
		return false
	}
	parts := c.Args[1].Parts
	if len(parts) == 1 {
		if dq, ok := parts[0].(*syntax.DblQuoted); ok {
			parts = dq.Parts
		}
	}
	if len(parts) != 1 {
		return false
	}
	pe, ok := parts[0].(*syntax.ParamExp)
	return ok && pe.Param != nil && pe.Exp == nil && pe.Repl == nil && pe.Slice == nil &&
		(pe.Param.Value == "0" && pe.Index == nil || pe.Param.Value == "BASH_SOURCE")
}

// unescape removes the backslashes the shell would: all of them outside
// quotes, those before $ ` " \ and a newline inside double quotes.
func unescape(s string, quoted bool) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		next := s[i+1]
		if quoted && !strings.ContainsRune("$`\"\\\n", rune(next)) {
			b.WriteByte(c)
			continue
		}
		i++
		if next != '\n' {
			b.WriteByte(next)
		}
	}
	return b.String()
}
