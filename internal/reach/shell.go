package reach

import (
	"bytes"
	"fmt"
	"path"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/dietimg/diet/internal/rootfs"
	"github.com/dietimg/diet/internal/why"
)

// shell reads the shell scripts of one image: the commands they run, on
// every branch, and the files they source.
type shell struct {
	img *Image
	// path is the image's PATH, "" when its config sets none (LookPath
	// then uses a shell's default).
	path string
}

// newShell reads the shell scripts of img.
func newShell(img *Image) Language {
	p, _ := Getenv(img.Env, "PATH")
	return &shell{img: img, path: p}
}

// shellNames are the #! interpreters whose scripts mvdan.cc/sh parses;
// zsh and fish are not among them, their grammars differ too much.
var shellNames = map[string]bool{"sh": true, "bash": true, "dash": true, "ash": true, "ksh": true, "mksh": true, "posh": true}

// Claims takes the scripts of the shells mvdan.cc/sh parses, by their #!
// line, and files named .sh or .bash that have none (sourced libraries).
func (s *shell) Claims(p string, head []byte) bool {
	if name := shebang(head); name != "" {
		return shellNames[name] || (name == "busybox" && busyboxShell(head))
	}
	return strings.HasSuffix(p, ".sh") || strings.HasSuffix(p, ".bash")
}

// busyboxShell reports "#!/bin/busybox sh": busybox is any applet, and
// only its shells are scripts.
func busyboxShell(head []byte) bool {
	line, _, _ := bytes.Cut(head, []byte("\n"))
	f := strings.Fields(string(line))
	return len(f) > 1 && (f[1] == "sh" || f[1] == "ash")
}

// Reach returns the programs the script p runs and the files it
// sources, and what the sourced files no language claims reach in turn;
// an error when the script parses in none of its dialects.
func (s *shell) Reach(p string, src []byte) ([]Found, error) {
	sc := &shellScan{
		sh: s, funcs: map[string]bool{}, seen: map[string]bool{}, visited: map[string]bool{p: true},
		looked: map[string]string{}, inlined: map[string]bool{}, parsers: map[syntax.LangVariant]*syntax.Parser{},
	}
	f, err := sc.parse(p, src, dialects(p, src))
	if err != nil {
		return nil, err
	}
	sc.file(p, f, 0)
	return sc.out, nil
}

// dialects are the grammars to try on a script, its own first: a #!/bin/sh
// script with a bashism still runs under bash-as-sh on some images, and
// its commands still count.
func dialects(p string, src []byte) []syntax.LangVariant {
	switch shebang(src) {
	case "bash":
		return []syntax.LangVariant{syntax.LangBash, syntax.LangMirBSDKorn}
	case "ksh", "mksh":
		return []syntax.LangVariant{syntax.LangMirBSDKorn, syntax.LangBash}
	case "":
		if strings.HasSuffix(p, ".bash") {
			return []syntax.LangVariant{syntax.LangBash}
		}
	}
	return []syntax.LangVariant{syntax.LangPOSIX, syntax.LangBash}
}

// parse parses src in the first of langs that accepts it; the error is
// the first grammar's, which names the line. One parser per grammar
// serves the whole scan: a script of many sh -c strings is many parses.
func (sc *shellScan) parse(name string, src []byte, langs []syntax.LangVariant) (f *syntax.File, err error) {
	var l syntax.LangVariant
	defer func() {
		// A parser bug on a hostile script must cost one file, not the run.
		if r := recover(); r != nil {
			delete(sc.parsers, l)
			f, err = nil, fmt.Errorf("parse shell script %s: parser panic: %v", name, r)
		}
	}()
	var first error
	for _, l = range langs {
		ps := sc.parsers[l]
		if ps == nil {
			ps = syntax.NewParser(syntax.Variant(l))
			sc.parsers[l] = ps
		}
		f, err := ps.Parse(bytes.NewReader(src), name)
		if err == nil {
			return f, nil
		}
		if first == nil {
			first = err
		}
	}
	return nil, fmt.Errorf("parse shell script: %w", first)
}

// maxShellDepth bounds the nesting of sourced files and of code in
// strings (sh -c, eval, trap): a file that sources itself through a
// chain must end.
const maxShellDepth = 8

// shellScan gathers what one script reaches.
type shellScan struct {
	sh *shell
	// funcs are the script's functions: calling one runs no program.
	funcs   map[string]bool
	seen    map[string]bool   // Found paths already out
	visited map[string]bool   // files scanned, against source loops
	looked  map[string]string // command lookups done, by search list and name
	inlined map[string]bool   // code strings scanned, by file and code
	parsers map[syntax.LangVariant]*syntax.Parser
	out     []Found
}

// shellFile is one parsed piece of code and where it comes from.
type shellFile struct {
	by   string // the file named as By
	path string // the search list for its commands
}

// file scans the parsed code of the file p.
func (sc *shellScan) file(p string, f *syntax.File, depth int) {
	ctx := shellFile{by: p, path: sc.searchPath(f)}
	sc.node(ctx, f, depth)
}

// node finds the functions, then the commands of n: a function may be
// called before the line that defines it.
func (sc *shellScan) node(ctx shellFile, n syntax.Node, depth int) {
	syntax.Walk(n, func(n syntax.Node) bool {
		if fd, ok := n.(*syntax.FuncDecl); ok {
			if fd.Name != nil {
				sc.funcs[fd.Name.Value] = true
			}
			for _, l := range fd.Names {
				sc.funcs[l.Value] = true
			}
		}
		return true
	})
	syntax.Walk(n, func(n syntax.Node) bool {
		if c, ok := n.(*syntax.CallExpr); ok {
			sc.call(ctx, c.Args, depth)
		}
		return true
	})
}

// searchPath is the PATH the commands of f are found through: the
// values the script gives PATH, newest first, then the image's. A script
// that sets PATH late has run some commands with the image's: both are
// searched, so a command resolves if either finds it.
func (sc *shellScan) searchPath(f *syntax.File) string {
	base := sc.sh.path
	if base == "" {
		base = defaultPath
	}
	cur, vals := base, []string{}
	set := func(w *syntax.Word) {
		v := wordValue(w, func(name string) (string, bool) { return cur, name == "PATH" })
		cur = v
		vals = append(vals, v)
	}
	syntax.Walk(f, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.Assign:
			if n.Name != nil && n.Name.Value == "PATH" && n.Value != nil && n.Array == nil && !n.Append {
				set(n.Value)
			}
		case *syntax.CallExpr:
			// POSIX grammar: export and readonly are plain commands.
			if len(n.Args) > 1 && (n.Args[0].Lit() == "export" || n.Args[0].Lit() == "readonly") {
				for _, a := range n.Args[1:] {
					if v := assignValue(a, "PATH"); v != nil {
						set(v)
					}
				}
			}
		}
		return true
	})
	var dirs []string
	have := map[string]bool{}
	order := make([]string, 0, len(vals)+1)
	for i := len(vals) - 1; i >= 0; i-- {
		order = append(order, vals[i])
	}
	order = append(order, base)
	for _, v := range order {
		for _, d := range strings.Split(v, ":") {
			// a directory the script builds from unknown variables
			// cannot be searched; the rest of its value can
			if strings.HasPrefix(d, "/") && !strings.ContainsRune(d, unknown) && !have[d] {
				have[d] = true
				dirs = append(dirs, d)
			}
		}
	}
	return strings.Join(dirs, ":")
}

// add records one thing reached, once.
func (sc *shellScan) add(f Found) {
	if sc.seen[f.Path] {
		return
	}
	sc.seen[f.Path] = true
	sc.out = append(sc.out, f)
}

// program records the command name as a program, when it resolves in the
// image; a command the image lacks is one the script never reaches here.
func (sc *shellScan) program(ctx shellFile, name string) string {
	key := ctx.by + "\x00" + ctx.path + "\x00" + name
	if p, ok := sc.looked[key]; ok {
		return p
	}
	p := sc.lookPath(ctx, name)
	sc.looked[key] = p
	if p != "" {
		sc.add(Found{Path: p, As: Program, Reason: why.Reason{Kind: why.Command, By: ctx.by, Detail: name}})
	}
	return p
}

// lookPath finds the command name as the shell would.
func (sc *shellScan) lookPath(ctx shellFile, name string) string {
	p := ""
	switch {
	case strings.HasPrefix(name, "/"):
		p = LookPath(sc.sh.img.FS, name, "")
	case strings.Contains(name, "/"):
		// relative to a working directory reach cannot know: the
		// image's, else the script's own
		for _, dir := range sc.relDirs(ctx) {
			if p = LookPath(sc.sh.img.FS, path.Join(dir, name), ""); p != "" {
				break
			}
		}
	default:
		p = LookPath(sc.sh.img.FS, name, ctx.path)
	}
	return p
}

// relDirs are the directories a relative name in the script may start
// from.
func (sc *shellScan) relDirs(ctx shellFile) []string {
	var dirs []string
	if wd := sc.sh.img.WorkingDir; wd != "" {
		dirs = append(dirs, path.Clean("/"+wd))
	}
	return append(dirs, path.Dir(ctx.by))
}

// source records a file the script sources, as the shell finds it: a
// name with a slash as a path, one without through PATH (POSIX) and then
// the current directory (bash). A sourced file that no language claims
// (no #!, no .sh) would not be read by the caller, so it is read here.
func (sc *shellScan) source(ctx shellFile, w *syntax.Word, depth int) {
	name, ok := literalWord(w, ctx.by)
	if !ok || name == "" {
		return
	}
	var cands []string
	switch {
	case strings.HasPrefix(name, "/"):
		cands = []string{name}
	default:
		if !strings.Contains(name, "/") {
			for _, d := range strings.Split(ctx.path, ":") {
				cands = append(cands, path.Join(d, name))
			}
		}
		for _, d := range sc.relDirs(ctx) {
			cands = append(cands, path.Join(d, name))
		}
	}
	for _, c := range cands {
		c = path.Clean(c)
		if !isFile(sc.sh.img.FS, c) {
			continue
		}
		sc.add(Found{Path: c, As: File, Reason: why.Reason{Kind: why.Source, By: ctx.by, Detail: name}})
		sc.sourced(c, depth)
		return
	}
}

// sourced scans the sourced file p when the caller will not.
func (sc *shellScan) sourced(p string, depth int) {
	if depth >= maxShellDepth || sc.visited[p] {
		return
	}
	sc.visited[p] = true
	fi, err := rootfs.Stat(sc.sh.img.FS, p)
	if err != nil || fi.Size() > maxSource {
		return
	}
	src, err := rootfs.ReadFile(sc.sh.img.FS, p)
	if err != nil {
		return
	}
	head := src[:min(len(src), headSize)]
	if sc.sh.Claims(p, head) || bytes.IndexByte(head, 0) >= 0 {
		return
	}
	f, err := sc.parse(p, src, dialects(p, src))
	if err != nil {
		return
	}
	sc.file(p, f, depth+1)
}

// inline scans code held in a string (sh -c, eval, trap, su -c): it runs
// too, as commands of the same script.
func (sc *shellScan) inline(ctx shellFile, code string, depth int) {
	key := ctx.by + "\x00" + code
	if depth >= maxShellDepth || strings.TrimSpace(code) == "" || sc.inlined[key] {
		return
	}
	sc.inlined[key] = true
	f, err := sc.parse(ctx.by, []byte(code), []syntax.LangVariant{syntax.LangPOSIX, syntax.LangBash})
	if err != nil {
		return
	}
	sc.node(ctx, f, depth+1)
}
