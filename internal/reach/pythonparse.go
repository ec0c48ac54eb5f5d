package reach

import "strings"

// pyImport is one import a Python file makes.
type pyImport struct {
	level int    // the leading dots of a relative import
	name  string // the dotted name after the dots; "" in from . import x
	// froms are the names of a from-import, which may be submodules;
	// nil for an import statement or a call.
	froms []string
	// pkg is import_module's package argument: a literal, or
	// "__package__" or "__name__"; "" without one.
	pkg  string
	call bool // import_module or __import__, not a statement
	// delayed is an import inside a function's body, made when the
	// function is called rather than when the module is imported
	// (PyInstaller's "delayed" edges).
	delayed bool
	// try numbers the try statement whose body holds the import, and
	// fallback the one whose "except ImportError" clause does: a
	// fallback is made only when an import of its try failed.
	try, fallback int
}

// pyBlock is a statement whose body changes when its imports run.
type pyBlock struct {
	indent int
	kind   int // pyDef, pyTry or pyFallback
	group  int // the try statement of a pyTry or pyFallback
}

const (
	pyDef      = iota + 1 // a def, or an if __name__ == "__main__" guard
	pyTry                 // the body of a try
	pyFallback            // an except clause that catches ImportError
)

// written is the name as the source has it: ".helpers", "a.b".
func (m pyImport) written() string { return strings.Repeat(".", m.level) + m.name }

// sub is the written name of the submodule x of a from-import.
func (m pyImport) sub(x string) string {
	if m.name == "" {
		return m.written() + x
	}
	return m.written() + "." + x
}

// pyImports reads the imports of a Python source: every import and
// from-import statement wherever it stands (in functions, conditionals,
// try blocks), and every importlib.import_module or __import__ call with
// a literal name.
func pyImports(src []byte) ([]pyImport, error) {
	toks, err := pyTokenize(src)
	if err != nil {
		return nil, err
	}
	r := pyReader{src: src, toks: toks}
	var out []pyImport
	start := true     // a statement may start at the next token
	lineStart := true // the next token begins a logical line
	var blocks []pyBlock
	lastTry := map[int]int{} // the group of the last try statement at an indent
	groups := 0
	var line pyBlock // the block the current line opens, if any
	for r.i < len(toks) {
		if lineStart {
			ind := pyIndent(src, toks[r.i].start)
			for len(blocks) > 0 && ind <= blocks[len(blocks)-1].indent {
				blocks = blocks[:len(blocks)-1]
			}
			line = pyBlock{indent: ind}
			switch {
			case r.isName("def") || (r.isName("async") && r.nextIs("def")) || r.mainGuard():
				line.kind = pyDef
			case r.isName("try") && r.nextIs(":"):
				groups++
				line.kind, line.group = pyTry, groups
				lastTry[ind] = groups
			case r.isName("except") && r.catchesImportError() && lastTry[ind] != 0:
				line.kind, line.group = pyFallback, lastTry[ind]
			}
			if line.kind != 0 {
				blocks = append(blocks, line)
			}
		}
		// On a block's own line, what follows its colon is its body.
		in := blocks
		if lineStart && len(in) > 0 && line.kind != 0 {
			in = in[:len(in)-1]
		}
		var imp pyImport
		for _, b := range in {
			switch b.kind {
			case pyDef:
				imp.delayed = true
			case pyTry:
				imp.try, imp.fallback = b.group, 0
			case pyFallback:
				imp.fallback, imp.try = b.group, 0
			}
		}
		n := len(out)
		switch {
		case start && r.isName("import"):
			r.i++
			out = r.importStmt(out)
		case start && r.isName("from"):
			r.i++
			out = r.fromStmt(out)
		case r.isName("import_module") || r.isName("__import__"):
			dunder := r.isName("__import__")
			r.i++
			out = r.call(out, dunder)
		}
		for j := n; j < len(out); j++ {
			out[j].delayed, out[j].try, out[j].fallback = imp.delayed, imp.try, imp.fallback
		}
		if r.i >= len(toks) {
			break
		}
		// Statements follow a line's end, a semicolon, or the colon of
		// a compound statement on one line (try: import x); a colon
		// elsewhere at the top level (an annotation, a lambda) is never
		// followed by the keyword import or from.
		lineStart = toks[r.i].kind == pyNewline
		start = lineStart || r.isOp(';') || r.isOp(':')
		r.i++
	}
	return out, nil
}

type pyReader struct {
	src  []byte
	toks []pyToken
	i    int
}

func (r *pyReader) text() string {
	t := r.toks[r.i]
	return string(r.src[t.start:t.end])
}

func (r *pyReader) isName(s string) bool {
	if r.i >= len(r.toks) {
		return false
	}
	t := r.toks[r.i]
	return t.kind == pyName && string(r.src[t.start:t.end]) == s
}

func (r *pyReader) isOp(c byte) bool {
	if r.i >= len(r.toks) {
		return false
	}
	t := r.toks[r.i]
	return t.kind == pyOp && r.src[t.start] == c
}

func (r *pyReader) is(k pyKind) bool { return r.i < len(r.toks) && r.toks[r.i].kind == k }

// dotted reads NAME(.NAME)*; "" when no name stands at i.
func (r *pyReader) dotted() string {
	if !r.is(pyName) {
		return ""
	}
	var b strings.Builder
	b.WriteString(r.text())
	r.i++
	for r.isOp('.') && r.i+1 < len(r.toks) && r.toks[r.i+1].kind == pyName {
		r.i++
		b.WriteByte('.')
		b.WriteString(r.text())
		r.i++
	}
	return b.String()
}

// alias skips "as NAME".
func (r *pyReader) alias() {
	if r.isName("as") {
		r.i += 2
	}
}

// importStmt reads "import a.b [as c], d" after the keyword.
func (r *pyReader) importStmt(out []pyImport) []pyImport {
	for {
		name := r.dotted()
		if name == "" {
			return out
		}
		out = append(out, pyImport{name: name})
		r.alias()
		if !r.isOp(',') {
			return out
		}
		r.i++
	}
}

// fromStmt reads "from ..a.b import (c as d, e)" after the keyword. A
// star import keeps the module only: the names __all__ computes are not
// followed.
func (r *pyReader) fromStmt(out []pyImport) []pyImport {
	m := pyImport{}
	for r.isOp('.') {
		m.level++
		r.i++
	}
	if !r.isName("import") {
		m.name = r.dotted()
	}
	if (m.level == 0 && m.name == "") || !r.isName("import") {
		return out // yield from, raise from, or not Python
	}
	r.i++
	paren := r.isOp('(')
	if paren {
		r.i++
	}
	m.froms = []string{}
	for r.is(pyName) {
		m.froms = append(m.froms, r.text())
		r.i++
		r.alias()
		if !r.isOp(',') {
			break
		}
		r.i++
	}
	if paren && r.isOp(')') {
		r.i++
	}
	return append(out, m)
}

// call reads import_module("name"[, package]) or __import__("name", ...)
// after the function's name: literal names only, adjacent literals
// joined, as Python joins them.
func (r *pyReader) call(out []pyImport, dunder bool) []pyImport {
	if !r.isOp('(') {
		return out
	}
	r.i++
	lit, ok := r.literal()
	if !ok {
		return out
	}
	m := pyImport{name: strings.TrimLeft(lit, "."), call: true}
	m.level = len(lit) - len(m.name)
	if !isPyModuleName(m.name) && !(m.name == "" && m.level > 0) {
		return out
	}
	if r.isOp(',') && !dunder {
		r.i++
		if r.isName("package") && r.i+1 < len(r.toks) && r.toks[r.i+1].kind == pyOp && r.src[r.toks[r.i+1].start] == '=' {
			r.i += 2
		}
		if pkg, ok := r.literal(); ok {
			m.pkg = pkg
		} else if r.isName("__package__") || r.isName("__name__") {
			m.pkg = r.text()
			r.i++
		}
	} else if !r.isOp(')') && !r.isOp(',') {
		return out // "a" + b: not a literal name
	}
	if m.level > 0 && m.pkg == "" {
		return out // Python refuses a relative name without a package
	}
	return append(out, m)
}

// literal reads adjacent plain string literals.
func (r *pyReader) literal() (string, bool) {
	var b strings.Builder
	n := 0
	for r.is(pyString) {
		t := r.toks[r.i]
		if !t.plain {
			return "", false
		}
		b.WriteString(t.value)
		n++
		r.i++
	}
	return b.String(), n > 0
}

// isPyModuleName reports a dotted name of identifiers.
func isPyModuleName(s string) bool {
	if s == "" {
		return false
	}
	for _, part := range strings.Split(s, ".") {
		if part == "" || pyDigit(part[0]) {
			return false
		}
		for i := 0; i < len(part); i++ {
			if !isPyIdent(part[i]) {
				return false
			}
		}
	}
	return true
}

// nextIs reports whether the token after i is s.
func (r *pyReader) nextIs(s string) bool {
	if r.i+1 >= len(r.toks) {
		return false
	}
	t := r.toks[r.i+1]
	return string(r.src[t.start:t.end]) == s
}

// catchesImportError reports an except clause at i that names
// ImportError or ModuleNotFoundError (alone or in a tuple), or none.
func (r *pyReader) catchesImportError() bool {
	for j := r.i + 1; j < len(r.toks) && j <= r.i+16; j++ {
		t := r.toks[j]
		switch text := string(r.src[t.start:t.end]); {
		case t.kind == pyNewline:
			return false
		case t.kind == pyOp && text == ":":
			return j == r.i+1
		case text == "ImportError" || text == "ModuleNotFoundError":
			return true
		}
	}
	return false
}

// mainGuard reports an `if __name__ == "__main__":` line at i: its block
// runs only when the file is run as a script (heapq's doctest), so its
// imports are delayed as a function's are.
func (r *pyReader) mainGuard() bool {
	if !r.isName("if") {
		return false
	}
	var b strings.Builder
	for j := r.i + 1; j < len(r.toks) && j <= r.i+8; j++ {
		t := r.toks[j]
		if t.kind == pyNewline {
			return false
		}
		if t.kind == pyOp && r.src[t.start] == ':' {
			switch strings.ReplaceAll(b.String(), "'", `"`) {
			case `__name__=="__main__"`, `"__main__"==__name__`:
				return true
			}
			return false
		}
		b.Write(r.src[t.start:t.end])
	}
	return false
}

// pyIndent is the width of the whitespace before the token at off on its
// line: the block it stands in, compared with the indents of enclosing
// def statements (a file mixing tabs and spaces inconsistently is one
// CPython refuses too).
func pyIndent(src []byte, off int) int {
	i := off
	for i > 0 && src[i-1] != '\n' {
		i--
	}
	return off - i
}
