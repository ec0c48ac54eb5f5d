package reach

import (
	"fmt"
	"path"
	"strconv"
	"strings"
)

// lighttpdRoots returns the server.document-root values and alias.url
// targets of the lighttpd configuration file p, in every conditional
// block (which host or URL a block matches is the request's, not ours).
// Values are evaluated as lighttpd does, string concatenation with +
// of strings, numbers and the variables assigned earlier in the file
// (var.*, server.*, any key), env.NAME from the image's Env and var.CWD
// from its WORKDIR; include and include_shell are not followed.
func lighttpdRoots(p string, src []byte, img *Image) ([]webRoot, error) {
	toks, err := lighttpdTokens(p, src)
	if err != nil {
		return nil, err
	}
	cwd := "/"
	if img != nil && path.IsAbs(img.WorkingDir) {
		cwd = path.Clean(img.WorkingDir)
	}
	lp := &lightParser{p: p, toks: toks, cwd: cwd, vars: map[string]lightValue{"var.CWD": {kind: 's', s: cwd}}}
	if img != nil {
		lp.env = img.Env
	}
	err = lp.parse()
	return lp.roots, err
}

// lightValue is a lighttpd value: kind 's' a string, 'i' an integer, 'a'
// an array, 0 one this reader cannot know.
type lightValue struct {
	kind byte
	s    string
	arr  []lightEntry
}

// lightEntry is an array element, "key" => value or a bare value.
type lightEntry struct {
	key    string
	hasKey bool
	val    lightValue
}

// lightConcat is lighttpd's +.
func lightConcat(a, b lightValue) lightValue {
	switch {
	case a.kind == 'i' && b.kind == 'i':
		x, err1 := strconv.ParseInt(a.s, 10, 32)
		y, err2 := strconv.ParseInt(b.s, 10, 32)
		if err1 == nil && err2 == nil {
			return lightValue{kind: 'i', s: strconv.FormatInt(x+y, 10)}
		}
	case (a.kind == 's' || a.kind == 'i') && (b.kind == 's' || b.kind == 'i'):
		return lightValue{kind: 's', s: a.s + b.s}
	case a.kind == 'a' && b.kind == 'a':
		return lightValue{kind: 'a', arr: append(append([]lightEntry(nil), a.arr...), b.arr...)}
	}
	return lightValue{}
}

// maxLightNesting bounds nested arrays, so hostile input cannot recurse
// without end.
const maxLightNesting = 64

type lightParser struct {
	p     string
	toks  []lightTok
	i     int
	vars  map[string]lightValue
	env   []string
	cwd   string
	roots []webRoot
}

func (lp *lightParser) peek() lightTok {
	if lp.i < len(lp.toks) {
		return lp.toks[lp.i]
	}
	line := 1
	if len(lp.toks) > 0 {
		line = lp.toks[len(lp.toks)-1].line
	}
	return lightTok{kind: ltEOF, line: line}
}

func (lp *lightParser) next() lightTok {
	t := lp.peek()
	lp.i++
	return t
}

func (lp *lightParser) errorf(t lightTok, format string, args ...any) error {
	return webConfError(lp.p, t.line, format, args...)
}

func (lp *lightParser) expect(k lightKind, what string) error {
	if t := lp.next(); t.kind != k {
		return lp.errorf(t, "expected %s, found %s", what, lightDescribe(t))
	}
	return nil
}

// parse reads the statements: assignments, includes, and the blocks of
// conditions, else and global.
func (lp *lightParser) parse() error {
	depth := 0
	for {
		t := lp.next()
		switch t.kind {
		case ltEOF:
			if depth > 0 {
				return lp.errorf(t, "unexpected end of file, expecting \"}\"")
			}
			return nil
		case ltEOL:
		case ltRCurly:
			if depth == 0 {
				return lp.errorf(t, "unexpected \"}\"")
			}
			depth--
		case ltKey:
			op := lp.next()
			if op.kind != ltAssign {
				return lp.errorf(op, "expected = after %s, found %s", t.text, lightDescribe(op))
			}
			v, err := lp.expr(0)
			if err != nil {
				return err
			}
			lp.assign(t.text, op.text, v)
		case ltInclude:
			if _, err := lp.expr(0); err != nil {
				return err
			}
		case ltGlobal, ltElse, ltDollar:
			if t.kind == ltDollar || (t.kind == ltElse && lp.peek().kind == ltDollar) {
				if err := lp.condition(t.kind == ltElse); err != nil {
					return err
				}
			}
			for lp.peek().kind == ltEOL {
				lp.i++
			}
			if err := lp.expect(ltLCurly, "{"); err != nil {
				return err
			}
			depth++
		default:
			return lp.errorf(t, "unexpected %s", lightDescribe(t))
		}
	}
}

// condition reads $NAME["field"] op value, its $ read unless after else.
func (lp *lightParser) condition(dollar bool) error {
	if dollar {
		lp.i++
	}
	for _, want := range []struct {
		k    lightKind
		what string
	}{{ltSrvVar, "a server variable"}, {ltLBracket, "["}, {ltString, "a string"}, {ltRBracket, "]"}, {ltCondOp, "an operator"}} {
		if err := lp.expect(want.k, want.what); err != nil {
			return err
		}
	}
	_, err := lp.expr(0)
	return err
}

// expr reads a value: terms joined by +.
func (lp *lightParser) expr(nest int) (lightValue, error) {
	v, err := lp.term(nest)
	for err == nil && lp.peek().kind == ltPlus {
		lp.i++
		var w lightValue
		w, err = lp.term(nest)
		v = lightConcat(v, w)
	}
	return v, err
}

func (lp *lightParser) term(nest int) (lightValue, error) {
	t := lp.next()
	switch t.kind {
	case ltString:
		return lightValue{kind: 's', s: t.text}, nil
	case ltInt:
		return lightValue{kind: 'i', s: t.text}, nil
	case ltKey:
		if name, ok := strings.CutPrefix(t.text, "env."); ok {
			if v, ok := Getenv(lp.env, name); ok {
				return lightValue{kind: 's', s: v}, nil
			}
			return lightValue{}, nil
		}
		return lp.vars[t.text], nil
	case ltLParen:
		if nest >= maxLightNesting {
			return lightValue{}, lp.errorf(t, "arrays nested too deep")
		}
		arr := lightValue{kind: 'a'}
		for {
			if lp.peek().kind == ltRParen {
				lp.i++
				return arr, nil
			}
			v, err := lp.expr(nest + 1)
			if err != nil {
				return lightValue{}, err
			}
			e := lightEntry{val: v}
			if lp.peek().kind == ltArrow {
				lp.i++
				w, err := lp.expr(nest + 1)
				if err != nil {
					return lightValue{}, err
				}
				e = lightEntry{key: v.s, hasKey: true, val: w}
			}
			arr.arr = append(arr.arr, e)
			switch sep := lp.next(); sep.kind {
			case ltComma:
			case ltRParen:
				return arr, nil
			default:
				return lightValue{}, lp.errorf(sep, "expected , or ) in an array, found %s", lightDescribe(sep))
			}
		}
	}
	return lightValue{}, lp.errorf(t, "expected a value, found %s", lightDescribe(t))
}

// assign records key's new value, and the roots it names.
func (lp *lightParser) assign(key, op string, v lightValue) {
	if old, ok := lp.vars[key]; ok && op == "+=" {
		lp.vars[key] = lightConcat(old, v)
	} else {
		lp.vars[key] = v
	}
	switch key {
	case "server.document-root":
		if v := lp.vars[key]; v.kind == 's' && v.s != "" {
			lp.root(v.s, key+" "+v.s)
		}
	case "alias.url":
		for _, e := range v.arr {
			if e.val.kind == 's' && e.val.s != "" {
				lp.root(e.val.s, key+" "+e.key+" => "+e.val.s)
			}
		}
	}
}

func (lp *lightParser) root(p, detail string) {
	if !path.IsAbs(p) {
		p = path.Join(lp.cwd, p)
	}
	lp.roots = append(lp.roots, webRoot{path: p, detail: detail})
}

func lightDescribe(t lightTok) string {
	switch t.kind {
	case ltEOF:
		return "end of file"
	case ltEOL:
		return "end of line"
	case ltString:
		return fmt.Sprintf("string %q", t.text)
	}
	return fmt.Sprintf("%q", t.text)
}
