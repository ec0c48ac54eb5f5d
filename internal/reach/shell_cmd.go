package reach

import (
	"path"
	"slices"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/dietimg/diet/internal/why"
)

// shellBuiltins are the builtins and reserved words of POSIX sh, dash,
// bash and ksh: the shell runs them itself, so a program of the same name
// (/usr/bin/test, /usr/bin/kill) is not what the script needs.
var shellBuiltins = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`
		: . [ [[ ]] { } ! alias bg bind break builtin caller cd chdir command compgen
		complete compopt continue declare dirs disown echo enable eval exec exit
		export false fc fg getopts hash help history jobs kill let local logout
		mapfile nameref popd print printf pushd pwd read readarray readonly return
		set shift shopt source suspend test times trap true type typeset ulimit
		umask unalias unset wait whence
		if then else elif fi case esac for select while until do done in function coproc`) {
		shellBuiltins[w] = true
	}
}

// wrapper is a command that runs the command in its arguments (env,
// nohup, gosu...): what it needs to skip to find that command.
type wrapper struct {
	short    string   // option letters whose value is the next word (or the rest of the word)
	long     []string // long options whose value is the next word when not given with "="
	inline   byte     // the option letter whose value is shell code (su -c)
	assigns  bool     // NAME=value words come before the command
	operands int      // words between the options and the command: a user, a duration
	// permute: options may follow the operands (su USER -c CODE), so
	// inline code is looked for in every word.
	permute bool
}

// wrappers by name. Programs that run a string through a shell (su -c,
// runuser -c, flock -c, env -S) give that string as inline.
var wrappers = map[string]wrapper{
	"env":          {short: "uCS", long: []string{"unset", "chdir", "split-string"}, inline: 'S', assigns: true},
	"nohup":        {},
	"nice":         {short: "n", long: []string{"adjustment"}},
	"ionice":       {short: "cnpPu", long: []string{"class", "classdata"}},
	"timeout":      {short: "sk", long: []string{"signal", "kill-after"}, operands: 1},
	"xargs":        {short: "adEILnPs", long: []string{"arg-file", "delimiter", "max-args", "max-procs", "max-chars", "max-lines", "process-slot-var"}},
	"sudo":         {short: "ugCDhprtUTR", long: []string{"user", "group", "close-from", "chdir", "host", "prompt", "role", "type", "other-user", "command-timeout", "chroot"}, assigns: true},
	"doas":         {short: "uC"},
	"gosu":         {operands: 1},
	"su-exec":      {operands: 1},
	"s6-setuidgid": {operands: 1},
	"chpst":        {short: "uUe/nlLmdopfc"},
	"setpriv":      {long: []string{"reuid", "regid", "ruid", "rgid", "euid", "egid", "groups", "inh-caps", "ambient-caps", "bounding-set", "securebits", "pdeathsig", "selinux-label", "apparmor-profile", "landlock-access", "landlock-rule"}},
	"stdbuf":       {short: "ioe", long: []string{"input", "output", "error"}},
	"time":         {short: "fo", long: []string{"format", "output"}},
	"taskset":      {operands: 1},
	"tini":         {short: "ep"},
	"dumb-init":    {short: "r", long: []string{"rewrite"}},
	"flock":        {short: "wEc", long: []string{"timeout", "conflict-exit-code", "command"}, inline: 'c', operands: 1, permute: true},
	"su":           {short: "cgGsw", long: []string{"command", "group", "supp-group", "shell", "whitelist-environment"}, inline: 'c', permute: true},
	"runuser":      {short: "cgGsuw", long: []string{"command", "group", "supp-group", "shell", "user", "whitelist-environment"}, inline: 'c', permute: true},
}

// call records the command of one simple command, following builtins
// and wrappers that run another command to that one.
func (sc *shellScan) call(ctx shellFile, args []*syntax.Word, depth int) {
	// each turn drops at least the command word: the loop ends
	for len(args) > 0 {
		name, ok := literalWord(args[0], ctx.by)
		if !ok || name == "" {
			return // a command reach cannot name: "$@", $cmd
		}
		rest := args[1:]
		switch name {
		case "exec", "builtin":
			args, _ = wrapper{short: "a"}.skip(rest, ctx.by)
			continue
		case "command":
			for _, w := range rest {
				// -v and -V only describe a command
				if a, _ := literalWord(w, ctx.by); strings.HasPrefix(a, "-") && strings.ContainsAny(a, "vV") {
					return
				}
			}
			args, _ = wrapper{}.skip(rest, ctx.by)
			continue
		case ".", "source":
			if len(rest) > 0 {
				sc.source(ctx, rest[0], depth)
			}
			return
		case "eval":
			var code []string
			for _, w := range rest {
				if a, ok := literalWord(w, ctx.by); ok {
					code = append(code, a)
				}
			}
			sc.inline(ctx, strings.Join(code, " "), depth)
			return
		case "trap":
			if len(rest) > 1 {
				if code, ok := literalWord(rest[0], ctx.by); ok && code != "-" {
					sc.inline(ctx, code, depth)
				}
			}
			return
		}
		if shellBuiltins[name] || sc.funcs[name] {
			return
		}
		sc.program(ctx, name)
		base := path.Base(name)
		switch {
		case shellNames[base]:
			sc.shellArgs(ctx, rest, depth)
			return
		case base == "busybox" && len(rest) > 0 && (rest[0].Lit() == "sh" || rest[0].Lit() == "ash"):
			sc.shellArgs(ctx, rest[1:], depth)
			return
		case base == "find":
			sc.findExec(ctx, rest, depth)
			return
		}
		w, ok := wrappers[base]
		if !ok {
			return
		}
		next, code := w.skip(rest, ctx.by)
		if w.permute {
			code = optionValue(rest, ctx.by, w.inline, "command")
		}
		if code != "" {
			sc.inline(ctx, code, depth)
			return
		}
		if (base == "su" || base == "runuser") && !hasOption(rest, ctx.by, 'u', "user") {
			return // the rest are a user and its shell's arguments
		}
		args = next
	}
}

// optionValue is the value of the option -short or --long anywhere in
// args, "" when there is none.
func optionValue(args []*syntax.Word, by string, short byte, long string) string {
	for i, w := range args {
		a, _ := literalWord(w, by)
		next := ""
		if i+1 < len(args) {
			next, _ = literalWord(args[i+1], by)
		}
		switch {
		case a == "--":
			return ""
		case a == "--"+long:
			return next
		case strings.HasPrefix(a, "--"+long+"="):
			return a[len(long)+3:]
		case len(a) > 1 && a[0] == '-' && a[1] != '-':
			if j := strings.IndexByte(a, short); j > 0 {
				if j+1 < len(a) {
					return a[j+1:]
				}
				return next
			}
		}
	}
	return ""
}

// hasOption reports a short or long option among args.
func hasOption(args []*syntax.Word, by string, short byte, long string) bool {
	for _, w := range args {
		a, _ := literalWord(w, by)
		if a == "--"+long || strings.HasPrefix(a, "--"+long+"=") ||
			len(a) > 1 && a[0] == '-' && a[1] != '-' && strings.IndexByte(a, short) > 0 {
			return true
		}
	}
	return false
}

// skip returns the words from the wrapped command on, and the shell code
// an inline option gives.
func (w wrapper) skip(args []*syntax.Word, by string) ([]*syntax.Word, string) {
	code, i := "", 0
	value := func() string {
		if i >= len(args) {
			return ""
		}
		v, _ := literalWord(args[i], by)
		i++
		return v
	}
	for i < len(args) {
		a, ok := literalWord(args[i], by)
		if !ok {
			break // an operand: gosu "$USER" cmd
		}
		if a == "--" {
			i++
			break
		}
		if w.assigns && (a == "-" || isAssignWord(a)) {
			i++
			continue
		}
		if len(a) < 2 || a[0] != '-' {
			break
		}
		i++
		if opt, ok := strings.CutPrefix(a, "--"); ok {
			opt, val, eq := strings.Cut(opt, "=")
			if !eq && slices.Contains(w.long, opt) {
				val = value()
			}
			if w.inline != 0 && (opt == "command" || opt == "split-string") {
				code = val
			}
			continue
		}
		for j := 1; j < len(a); j++ {
			if strings.IndexByte(w.short, a[j]) < 0 {
				continue
			}
			val := a[j+1:]
			if val == "" {
				val = value()
			}
			if a[j] == w.inline {
				code = val
			}
			break
		}
	}
	i += w.operands
	if i > len(args) {
		return nil, code
	}
	return args[i:], code
}

// isAssignWord reports NAME=value.
func isAssignWord(a string) bool {
	name, _, ok := strings.Cut(a, "=")
	return ok && syntax.ValidName(name)
}

// shellArgs follows a shell run by the script: the code of -c, or the
// script file it is given.
func (sc *shellScan) shellArgs(ctx shellFile, args []*syntax.Word, depth int) {
	cflag, sflag := false, false
	for i := 0; i < len(args); i++ {
		a, ok := literalWord(args[i], ctx.by)
		if !ok {
			return
		}
		switch {
		case a == "--" || a == "-":
			i++
		case a == "-o" || a == "+o" || a == "-O" || a == "+O" || a == "--rcfile" || a == "--init-file":
			i++
			continue
		case len(a) > 1 && (a[0] == '-' || a[0] == '+'):
			short := a[0] == '-' && a[1] != '-'
			cflag = cflag || short && strings.IndexByte(a, 'c') > 0
			sflag = sflag || short && strings.IndexByte(a, 's') > 0
			continue
		}
		if i >= len(args) || sflag && !cflag {
			return // sh -s reads its code from stdin: the operands are arguments
		}
		v, ok := literalWord(args[i], ctx.by)
		if !ok {
			return
		}
		if cflag {
			sc.inline(ctx, v, depth)
		} else {
			sc.script(ctx, v, depth)
		}
		return
	}
}

// script records a script file a shell is given to run.
func (sc *shellScan) script(ctx shellFile, name string, depth int) {
	cands := []string{name}
	if !strings.HasPrefix(name, "/") {
		cands = nil
		for _, d := range sc.relDirs(ctx) {
			cands = append(cands, path.Join(d, name))
		}
	}
	for _, c := range cands {
		if c = path.Clean(c); isFile(sc.sh.img.FS, c) {
			sc.add(Found{Path: c, As: File, Reason: why.Reason{Kind: why.Command, By: ctx.by, Detail: name}})
			sc.sourced(c, depth)
			return
		}
	}
}

// findExec follows the commands of find's -exec, -execdir, -ok and -okdir.
func (sc *shellScan) findExec(ctx shellFile, args []*syntax.Word, depth int) {
	for i, w := range args {
		switch a, _ := literalWord(w, ctx.by); a {
		case "-exec", "-execdir", "-ok", "-okdir":
			sc.call(ctx, args[i+1:], depth)
		}
	}
}
