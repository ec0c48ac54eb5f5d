package reach

import "strings"

// nodeRef is one thing a JavaScript file names: a module (require,
// require.resolve, import, export ... from, import()), a native addon
// by its bindings name, or a data path built from __dirname.
type nodeRef struct {
	kind byte   // refModule, refBindings or refData
	spec string // the module specifier or addon name, as written
	// A data path is base (__dirname, __filename, import.meta.dirname,
	// "url" for new URL(x, import.meta.url), "" for an absolute path)
	// followed by tail; prefix says only a directory prefix is literal.
	base, tail string
	prefix     bool
}

const (
	refModule   byte = 'm'
	refBindings byte = 'b'
	refData     byte = 'd'
)

// nodeRefs walks the tokens for what the file names. Any literal require
// anywhere counts, lazy or conditional: the trace saw one path through
// the code, and reach is there for the others.
func nodeRefs(toks []jsToken) []nodeRef {
	var refs []nodeRef
	aliases := map[string]bool{} // names bound to require('bindings')
	dataEnd := 0
	for i := range toks {
		if i >= dataEnd {
			if r, end, ok := jsDataRef(toks, i); ok {
				refs = append(refs, r)
				dataEnd = end
			}
		}
		t := toks[i]
		if t.kind != jsIdent || jsAfterDot(toks, i) && !(t.val == "require" && jsIdentAt(toks, i-2, "module")) {
			continue
		}
		switch t.val {
		case "require":
			if spec, ok := jsLitArg(toks, i+1); ok {
				refs = append(refs, nodeRef{kind: refModule, spec: spec})
				if spec == "bindings" {
					if jsPunctAt(toks, i-1, "=") && i >= 2 && toks[i-2].kind == jsIdent {
						aliases[toks[i-2].val] = true
					}
					if name, ok := jsBindingsArg(toks, i+4); ok {
						refs = append(refs, nodeRef{kind: refBindings, spec: name})
					}
				}
			} else if jsPunctAt(toks, i+1, ".") && jsIdentAt(toks, i+2, "resolve") {
				if spec, ok := jsLitArg(toks, i+3); ok {
					refs = append(refs, nodeRef{kind: refModule, spec: spec})
				}
			}
		case "import":
			if spec, ok := jsLitArg(toks, i+1); ok {
				refs = append(refs, nodeRef{kind: refModule, spec: spec}) // import('y')
			} else if s, ok := jsStrAt(toks, i+1); ok {
				refs = append(refs, nodeRef{kind: refModule, spec: s}) // import 'y'
			} else if j := jsFromClause(toks, i+1); j > 0 {
				refs = append(refs, nodeRef{kind: refModule, spec: toks[j].val})
				if toks[j].val == "bindings" && i+1 < len(toks) && toks[i+1].kind == jsIdent {
					aliases[toks[i+1].val] = true
				}
			}
		case "export":
			if jsPunctAt(toks, i+1, "*") || jsPunctAt(toks, i+1, "{") {
				if j := jsFromClause(toks, i+1); j > 0 {
					refs = append(refs, nodeRef{kind: refModule, spec: toks[j].val})
				}
			}
		}
	}
	if len(aliases) > 0 {
		for i := range toks {
			if toks[i].kind == jsIdent && aliases[toks[i].val] && !jsAfterDot(toks, i) {
				if name, ok := jsBindingsArg(toks, i+1); ok {
					refs = append(refs, nodeRef{kind: refBindings, spec: name})
				}
			}
		}
	}
	return refs
}

func jsPunctAt(toks []jsToken, i int, v string) bool {
	return i >= 0 && i < len(toks) && toks[i].kind == jsPunct && toks[i].val == v
}

func jsIdentAt(toks []jsToken, i int, v string) bool {
	return i >= 0 && i < len(toks) && toks[i].kind == jsIdent && toks[i].val == v
}

// jsStrAt is the value of a string literal at i (a template without ${}
// counts).
func jsStrAt(toks []jsToken, i int) (string, bool) {
	if i >= 0 && i < len(toks) && toks[i].kind == jsStr {
		return toks[i].val, true
	}
	return "", false
}

func jsAfterDot(toks []jsToken, i int) bool {
	return jsPunctAt(toks, i-1, ".") || jsPunctAt(toks, i-1, "?.")
}

// jsLitArg matches ( 'x' ) or ( 'x', ... at i: a call whose first argument
// is a literal.
func jsLitArg(toks []jsToken, i int) (string, bool) {
	s, ok := jsStrAt(toks, i+1)
	if !ok || !jsPunctAt(toks, i, "(") || !jsPunctAt(toks, i+2, ")") && !jsPunctAt(toks, i+2, ",") {
		return "", false
	}
	return s, true
}

// jsBindingsArg matches the call of the bindings function at i: ('name')
// or ({bindings: 'name', ...}).
func jsBindingsArg(toks []jsToken, i int) (string, bool) {
	if s, ok := jsLitArg(toks, i); ok {
		return s, true
	}
	if !jsPunctAt(toks, i, "(") || !jsPunctAt(toks, i+1, "{") {
		return "", false
	}
	for j := i + 2; j+2 < len(toks) && j < i+64 && !jsPunctAt(toks, j, "}"); j++ {
		if (jsIdentAt(toks, j, "bindings") || toks[j].kind == jsStr && toks[j].val == "bindings") && jsPunctAt(toks, j+1, ":") {
			return jsStrAt(toks, j+2)
		}
	}
	return "", false
}

// jsFromClause matches an import or export clause at i (x, * as x, {a, b
// as c}, and their mixes) followed by from 'y': the index of 'y', or 0.
func jsFromClause(toks []jsToken, i int) int {
	for j := i; j < len(toks) && j < i+64; j++ {
		t := toks[j]
		switch {
		case t.kind == jsIdent && t.val == "from" && j+1 < len(toks) && toks[j+1].kind == jsStr:
			return j + 1
		case t.kind == jsIdent, jsPunctAt(toks, j, "*"), jsPunctAt(toks, j, ","):
		case jsPunctAt(toks, j, "{"):
			for j++; j < len(toks) && j < i+1024 && !jsPunctAt(toks, j, "}"); j++ {
				if toks[j].kind != jsIdent && toks[j].kind != jsStr && !jsPunctAt(toks, j, ",") {
					return 0
				}
			}
		default:
			return 0
		}
	}
	return 0
}

// jsDataRef matches a path built from the module's own location at i:
// X.join(__dirname, 'a', 'b'), join or resolve alone (destructured),
// __dirname + '/x', `${__dirname}/x`, new URL('x', import.meta.url).
// end is the index after the match, so that its base is not matched
// again.
func jsDataRef(toks []jsToken, i int) (nodeRef, int, bool) {
	t := toks[i]
	switch {
	case t.kind == jsHead && t.val == "":
		base, tail, dyn, j, ok := jsPathBase(toks, i+1)
		if !ok || tail != "" || j >= len(toks) || toks[j].kind != jsTail && toks[j].kind != jsMid {
			return nodeRef{}, 0, false
		}
		return jsDataPrefix(base, toks[j].val, toks[j].kind == jsMid || dyn), j + 1, true
	case t.kind != jsIdent:
		return nodeRef{}, 0, false
	case (t.val == "join" || t.val == "resolve") && jsPunctAt(toks, i+1, "("):
		base, tail, dyn, j, ok := jsPathBase(toks, i+2)
		if !ok {
			return nodeRef{}, 0, false
		}
		if dyn {
			return jsDataPrefix(base, tail, true), j, true
		}
		r := nodeRef{kind: refData, base: base, tail: tail}
		for {
			if jsPunctAt(toks, j, ")") {
				return r, j + 1, true
			}
			s, ok := jsStrAt(toks, j+1)
			if !jsPunctAt(toks, j, ",") || !ok || !jsPunctAt(toks, j+2, ",") && !jsPunctAt(toks, j+2, ")") {
				r.prefix = true // a computed argument: the arguments before it name a directory
				return r, j, true
			}
			if t.val == "resolve" && strings.HasPrefix(s, "/") {
				r.base, r.tail = "", s
			} else {
				r.tail += "/" + s
			}
			j += 2
		}
	case t.val == "new" && jsIdentAt(toks, i+1, "URL") && jsPunctAt(toks, i+2, "(") && jsPunctAt(toks, i+4, ",") &&
		jsIdentAt(toks, i+5, "import") && jsPunctAt(toks, i+6, ".") && jsIdentAt(toks, i+7, "meta") &&
		jsPunctAt(toks, i+8, ".") && jsIdentAt(toks, i+9, "url") && jsPunctAt(toks, i+10, ")"):
		s, ok := jsStrAt(toks, i+3)
		if !ok || strings.Contains(s, ":") {
			return nodeRef{}, 0, false
		}
		if strings.HasPrefix(s, "/") {
			return nodeRef{kind: refData, tail: s}, i + 11, true
		}
		return nodeRef{kind: refData, base: "url", tail: "/" + s}, i + 11, true
	}
	base, tail, dyn, j, ok := jsPathBase(toks, i)
	if !ok || tail == "" {
		return nodeRef{}, 0, false
	}
	return jsDataPrefix(base, tail, dyn), j, true
}

// jsDataPrefix is the data path base+tail; when a computed part follows
// tail, only its directory is known.
func jsDataPrefix(base, tail string, dyn bool) nodeRef {
	if dyn {
		tail = tail[:strings.LastIndexByte(tail, '/')+1]
	}
	return nodeRef{kind: refData, base: base, tail: tail, prefix: dyn}
}

// jsPathBase matches the module's own location at i, with literal strings
// added to it: __dirname, __filename, import.meta.dirname or .filename,
// X.dirname(__filename), then + 'lit' ... . dyn says a computed part is
// added after the literals.
func jsPathBase(toks []jsToken, i int) (base, tail string, dyn bool, j int, ok bool) {
	switch {
	case jsIdentAt(toks, i, "__dirname") || jsIdentAt(toks, i, "__filename"):
		if jsAfterDot(toks, i) {
			return
		}
		base, j = toks[i].val, i+1
	case jsIdentAt(toks, i, "import") && jsPunctAt(toks, i+1, ".") && jsIdentAt(toks, i+2, "meta") && jsPunctAt(toks, i+3, ".") &&
		(jsIdentAt(toks, i+4, "dirname") || jsIdentAt(toks, i+4, "filename")):
		base, j = "__"+toks[i+4].val, i+5
	default:
		k := i
		if i+1 < len(toks) && toks[i].kind == jsIdent && jsPunctAt(toks, i+1, ".") {
			k = i + 2
		}
		if !jsIdentAt(toks, k, "dirname") || !jsPunctAt(toks, k+1, "(") || !jsIdentAt(toks, k+2, "__filename") || !jsPunctAt(toks, k+3, ")") {
			return
		}
		base, j = "__dirname", k+4
	}
	for jsPunctAt(toks, j, "+") {
		s, isStr := jsStrAt(toks, j+1)
		if !isStr {
			return base, tail, true, j, true
		}
		tail += s
		j += 2
	}
	return base, tail, false, j, true
}
