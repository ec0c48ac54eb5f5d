package reach

import (
	"regexp"
	"strings"
)

// perlRef is one module or file a Perl file loads.
type perlRef struct {
	name string // Foo::Bar, or a file for require "file" and do "file"
	file bool
	// runtime is a require or do inside a sub, which loads when the sub
	// is called, not when the file loads.
	runtime bool
}

// perlRefs is what the statements of a Perl file name.
type perlRefs struct {
	mods []perlRef
	libs []string        // use lib directories; scriptDirMark for FindBin's
	pkgs []string        // package declarations
	seen map[perlRef]int // index in mods + 1, by name and file
}

// scriptDirMark stands for the script's directory in a use lib
// directory ("$FindBin::Bin/../lib").
const scriptDirMark = '\x01'

// maxPerlEval bounds string evals inside string evals.
const maxPerlEval = 4

// perlModule matches a module name.
var perlModule = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(::[A-Za-z0-9_]+)*$`)

func (r *perlRefs) add(name string, file bool) { r.addRef(name, file, false) }

// addRuntime adds what a require or do inside a sub loads.
func (r *perlRefs) addRuntime(name string, file bool) { r.addRef(name, file, true) }

func (r *perlRefs) addRef(name string, file, runtime bool) {
	key := perlRef{name: name, file: file}
	if r.seen == nil {
		r.seen = map[perlRef]int{}
	}
	if name == "" || !file && !perlModule.MatchString(name) {
		return
	}
	if i := r.seen[key]; i > 0 {
		r.mods[i-1].runtime = r.mods[i-1].runtime && runtime
		return
	}
	key.runtime = runtime
	r.mods = append(r.mods, key)
	r.seen[perlRef{name: name, file: file}] = len(r.mods)
}

// scan finds the use, no, require and do statements of src, in any
// block (a sub, an if, an eval) since any may run, and those of string
// evals whose code is literal.
func (r *perlRefs) scan(src []byte, depth int) {
	toks := lexPerl(src)
	at := func(i int) plTok {
		if i >= 0 && i < len(toks) {
			return toks[i]
		}
		return plTok{kind: plOp}
	}
	// The bodies of named and anonymous subs: a require there runs when
	// the sub is called; one at the top of the file or in a BEGIN block
	// runs when the file loads.
	braces, pendingSub := 0, false
	var subs []int // the brace depth of each enclosing sub's body
	for i, t := range toks {
		switch {
		case t.is("{"):
			braces++
			if pendingSub {
				subs = append(subs, braces)
				pendingSub = false
			}
		case t.is("}"):
			if len(subs) > 0 && subs[len(subs)-1] == braces {
				subs = subs[:len(subs)-1]
			}
			braces--
		case t.is(";"):
			pendingSub = false // a declaration, sub name;
		}
		if t.kind != plIdent {
			continue
		}
		prev, next := at(i-1), at(i+1)
		if t.val == "sub" && !prev.is("->") && !next.is("=>") {
			pendingSub = true
		}
		addLoad := r.add
		if len(subs) > 0 {
			addLoad = r.addRuntime
		}
		// a method ->require, a hash key {use} or use => 1
		if prev.is("->") || next.is("=>") || prev.is("{") && next.is("}") {
			continue
		}
		switch t.val {
		case "use", "no":
			if i == 0 || prev.is(";") || prev.is("{") || prev.is("}") {
				r.use(toks[i+1:])
			}
		case "require", "CORE::require":
			switch {
			case next.kind == plIdent:
				addLoad(next.val, false)
			case next.kind == plStr && !next.interp:
				addLoad(next.val, true)
			}
		case "do":
			if next.kind == plStr && !next.interp {
				addLoad(next.val, true)
			}
		case "eval":
			s := next
			if s.is("(") {
				s = at(i + 2)
			}
			if s.kind == plStr && depth < maxPerlEval {
				r.scan([]byte(s.val), depth+1)
			}
		case "package":
			if next.kind == plIdent {
				r.pkgs = append(r.pkgs, next.val)
			}
		case "extends", "with":
			// Moose, Moo and Mouse load the classes and roles named
			if i == 0 || prev.is(";") || prev.is("{") || prev.is("}") {
				r.names(statement(toks[i+1:]))
			}
		default:
			arg := next
			if arg.is("(") {
				arg = at(i + 2)
			}
			if name := t.val[strings.LastIndex(t.val, ":")+1:]; perlLoaders[name] && arg.kind == plStr && !arg.interp {
				r.add(arg.val, false)
			}
		}
	}
}

// use reads the rest of a use statement: its module, and the modules or
// directories that parent, base, if, autouse and lib take as arguments.
func (r *perlRefs) use(toks []plTok) {
	if len(toks) == 0 || toks[0].kind != plIdent {
		return // use 5.010, use v5.36: a version
	}
	name := toks[0].val
	r.add(name, false)
	list := statement(toks[1:])
	switch name {
	case "parent", "base":
		// -norequire classes are loaded elsewhere, most often; when
		// their file exists it is kept all the same
		r.names(list)
	case "if":
		// use if COND, MODULE => ARGS: the module follows the first comma
		depth := 0
		for i, t := range list {
			switch {
			case t.is("(") || t.is("[") || t.is("{"):
				depth++
			case t.is(")") || t.is("]") || t.is("}"):
				depth--
			case depth == 0 && (t.is(",") || t.is("=>")) && i+1 < len(list):
				if m := list[i+1]; m.kind == plStr && !m.interp || m.kind == plIdent {
					r.add(m.val, false)
				}
				return
			}
		}
	case "autouse":
		if len(list) > 0 && (list[0].kind == plStr && !list[0].interp || list[0].kind == plIdent) {
			r.add(list[0].val, false)
		}
	case "lib":
		r.useLib(list)
	}
}

// statement is toks up to the end of the statement, bounded.
func statement(toks []plTok) []plTok {
	for i, t := range toks {
		if t.is(";") || t.is("}") || i > 1000 {
			return toks[:i]
		}
	}
	return toks
}

// names adds the modules a list names: strings, qw words, barewords.
func (r *perlRefs) names(list []plTok) {
	for _, t := range list {
		switch t.kind {
		case plStr:
			if !t.interp {
				r.add(t.val, false)
			}
		case plQw:
			for _, w := range t.words {
				r.add(w, false)
			}
		case plIdent:
			if t.val != "norequire" {
				r.add(t.val, false)
			}
		}
	}
}

// perlLoaders are the functions of Module::Runtime, Class::Load and
// Module::Load that load the module a string names.
var perlLoaders = map[string]bool{
	"require_module": true, "use_module": true, "use_package_optimistically": true,
	"load_class": true, "try_load_class": true, "load_optional_class": true, "load": true,
}

// findBin are the spellings of FindBin's directory of the script.
var findBin = strings.NewReplacer(
	"${FindBin::RealBin}", string(scriptDirMark), "${FindBin::Bin}", string(scriptDirMark),
	"$FindBin::RealBin", string(scriptDirMark), "$FindBin::Bin", string(scriptDirMark),
)

// useLib reads the directories of use lib: literal strings, qw lists,
// and FindBin's directory in a string or joined to one with ".".
func (r *perlRefs) useLib(list []plTok) {
	for i := 0; i < len(list); i++ {
		t := list[i]
		switch t.kind {
		case plStr:
			if v := findBin.Replace(t.val); !t.interp || !interpolates(v) {
				r.libs = append(r.libs, v)
			}
		case plQw:
			r.libs = append(r.libs, t.words...)
		case plVar:
			bin := findBin.Replace(t.val) == string(scriptDirMark)
			if bin && i+2 < len(list) && list[i+1].is(".") && list[i+2].kind == plStr && !interpolates(list[i+2].val) {
				r.libs = append(r.libs, string(scriptDirMark)+list[i+2].val)
				i += 2
			}
		}
	}
}
