package cli

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dietimg/diet/internal/closure"
	"github.com/dietimg/diet/internal/elfinfo"
	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/inspect"
	"github.com/dietimg/diet/internal/rootfs"
)

// inspectImage inspects images named with a transport prefix instead of
// files (inspect_image.go); a variable so that tests can stand in for it.
var inspectImage = inspectImages

var inspectTransports = []string{"docker://", "oci:", "oci-archive:", "docker-archive:", "docker-daemon:"}

func inspectIsImageRef(s string) bool {
	for _, t := range inspectTransports {
		if strings.HasPrefix(s, t) {
			return true
		}
	}
	return false
}

type inspectFlags struct {
	root      string
	asJSON    bool
	env       []string
	hwcaps    []string
	recursive bool
}

func newInspect() *cobra.Command {
	var f inspectFlags
	cmd := &cobra.Command{
		Use:   "inspect [flags] FILE...",
		Short: "Show what a program needs to run: linkage, loader, libraries, glibc version, scripts' interpreters",
		Long: `inspect reads each FILE (never running it or its loader) and reports its ELF
facts and its closure: every shared object the dynamic loader (glibc's or
musl's) would load, found the way that loader finds it, with the symlinks on
the way, and what it would not find. For a #! script the interpreter is
inspected in turn.

With --root, paths are resolved inside DIR as if it were / (an unpacked image
or a debootstrap tree); symlinks never lead out of it.`,
		Example: `  diet inspect /usr/bin/curl
  diet inspect --json /usr/bin/python3 | jq '.[0].closure[].path'
  diet inspect --root /srv/rootfs /usr/sbin/nginx
  diet inspect --env LD_LIBRARY_PATH=/opt/app/lib ./app
  diet inspect -r /usr/bin`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if inspectAllImageRefs(args) {
				return inspectImage(cmd, args, f.asJSON)
			}
			return runInspect(cmd, f, args)
		},
	}
	cmd.Flags().StringVar(&f.root, "root", "", "resolve everything inside `DIR` as if it were /")
	cmd.Flags().BoolVar(&f.asJSON, "json", false, "print a JSON array with one object per file")
	cmd.Flags().StringArrayVar(&f.env, "env", nil, "environment the program would run with, as `NAME=VALUE` (LD_LIBRARY_PATH)")
	cmd.Flags().StringSliceVar(&f.hwcaps, "hwcaps", nil, "glibc-hwcaps levels the target CPU supports, best first, as `LIST` (x86-64-v3,x86-64-v2); default: the baseline libraries, which run on every CPU")
	cmd.Flags().BoolVarP(&f.recursive, "recursive", "r", false, "inspect every file under directories given as FILE")
	return cmd
}

func inspectAllImageRefs(args []string) bool {
	for _, a := range args {
		if !inspectIsImageRef(a) {
			return false
		}
	}
	return true
}

func runInspect(cmd *cobra.Command, f inspectFlags, args []string) error {
	opts := closure.Options{HWCaps: f.hwcaps}
	for _, e := range f.env {
		name, val, ok := strings.Cut(e, "=")
		if !ok || name != "LD_LIBRARY_PATH" {
			return fmt.Errorf("--env %q: only LD_LIBRARY_PATH=DIR[:DIR...] changes what the loader finds", e)
		}
		opts.LDLibraryPath = strings.FieldsFunc(val, func(c rune) bool { return c == ':' || c == ';' })
	}
	hostRoot := "/"
	if f.root != "" {
		abs, err := filepath.Abs(f.root)
		if err != nil {
			return fmt.Errorf("--root %s: %w", f.root, err)
		}
		hostRoot = abs
	}
	fsys, err := rootfs.Dir(hostRoot)
	if err != nil {
		return fmt.Errorf("opening root %s: %w", hostRoot, err)
	}
	r := closure.New(fsys, opts)
	stderr := cmd.ErrOrStderr()
	names, errs := inspect.Names(fsys, hostRoot, args, f.recursive)
	for _, err := range errs {
		fmt.Fprintf(stderr, "diet: %v\n", err)
	}
	failed := len(errs) > 0
	reps, errs := inspect.Many(r, names)
	for _, err := range errs {
		if err != nil {
			fmt.Fprintf(stderr, "diet: %v\n", err)
			failed = true
		}
	}
	if f.asJSON {
		if reps == nil {
			reps = []*inspect.Report{}
		}
		if err := printJSON(cmd, reps); err != nil {
			return err
		}
	} else {
		for _, rep := range reps {
			if rep.Error == "" {
				printInspectReport(cmd.OutOrStdout(), rep, "")
			}
		}
	}
	if failed {
		return ExitError{Code: 1}
	}
	return nil
}

// printReport writes the readable form of rep, each line indented.
func printInspectReport(w io.Writer, rep *inspect.Report, indent string) {
	p := func(format string, a ...any) { fmt.Fprintf(w, indent+format+"\n", a...) }
	head := rep.Path
	if rep.Realpath != "" && rep.Realpath != rep.Path {
		head += " -> " + rep.Realpath
	}
	switch rep.Kind {
	case inspect.KindOther:
		p("%s: not ELF, no #! line", head)
		return
	case inspect.KindScript:
		printInspectScript(w, p, head, rep, indent)
		return
	}
	printInspectELF(p, head, rep)
}

func printInspectScript(w io.Writer, p func(string, ...any), head string, rep *inspect.Report, indent string) {
	line := rep.Script.Interpreter
	if rep.Script.Arg != "" {
		line += " " + rep.Script.Arg
	}
	p("%s: script, #!%s", head, line)
	printInspectMissing(p, rep)
	if rep.Interpreter != nil && rep.Interpreter.Error == "" {
		p("  interpreter:")
		printInspectReport(w, rep.Interpreter, indent+"    ")
	}
	if rep.EnvProgram != nil && rep.EnvProgram.Error == "" {
		p("  env runs:")
		printInspectReport(w, rep.EnvProgram, indent+"    ")
	}
}

func printInspectELF(p func(string, ...any), head string, rep *inspect.Report) {
	e := rep.ELF
	desc := []string{e.Class + " " + e.Machine + " " + e.Type, string(e.Linkage), "libc " + e.Libc}
	if e.GlibcMin != "" {
		desc = append(desc, "glibc >= "+strings.TrimPrefix(e.GlibcMin, "GLIBC_"))
	}
	if e.Stripped {
		desc = append(desc, "stripped")
	} else {
		desc = append(desc, "not stripped")
	}
	if e.DebugSize > 0 {
		desc = append(desc, fmt.Sprintf("%s of debug info", image.HumanSize(e.DebugSize)))
	}
	p("%s: %s", head, strings.Join(desc, ", "))
	field := func(name string, vals []string) {
		if len(vals) > 0 {
			p("  %-12s %s", name, strings.Join(vals, " "))
		}
	}
	cl := rep.Closure
	if e.Interpreter != "" {
		loader := e.Interpreter
		if cl != nil && cl.Interpreter != nil && cl.Interpreter.Realpath != loader {
			loader += " -> " + cl.Interpreter.Realpath
		}
		field("interpreter", []string{loader})
	}
	if e.Soname != "" {
		field("soname", []string{e.Soname})
	}
	field("needed", e.Needed)
	field("rpath", e.RPath)
	field("runpath", e.RunPath)
	if cl != nil && len(cl.Objects) > 0 {
		p("  closure (%d):", len(cl.Objects))
		done := map[string]bool{}
		printInspectTree(p, cl.Objects, rep.Path, "    ", done)
		for _, o := range cl.Objects {
			if !done[o.Path] { // preloaded by /etc/ld.so.preload
				printInspectTree(p, cl.Objects, o.NeededBy[0], "    ", done)
			}
		}
	}
	printInspectMissing(p, rep)
	printInspectExtras(field, e)
}

// printInspectExtras prints the dlopen notes, Go build info and the
// evidence of system-file needs of e.
func printInspectExtras(field func(string, []string), e *elfinfo.File) {
	for _, d := range e.Dlopen {
		what := strings.Join(d.Sonames, " ")
		if d.Feature != "" {
			what = d.Feature + ": " + what
		}
		if d.Priority != "" {
			what += " (" + d.Priority + ")"
		}
		field("dlopen", []string{what})
	}
	if g := e.Go; g != nil {
		s := []string{g.Version}
		if g.Path != "" {
			s = append(s, g.Path)
		}
		s = append(s, fmt.Sprintf("cgo=%v", g.CgoEnabled))
		field("go", s)
	}
	var kinds []string
	evidence := map[string][]string{}
	for _, n := range e.Needs {
		if evidence[n.Kind] == nil {
			kinds = append(kinds, n.Kind)
		}
		evidence[n.Kind] = append(evidence[n.Kind], n.Evidence)
	}
	for _, k := range kinds {
		field("needs", []string{k + ": " + strings.Join(evidence[k], ", ")})
	}
}

// printTree prints the objects loaded because of by, then theirs.
func printInspectTree(p func(string, ...any), objs []closure.Object, by, indent string, done map[string]bool) {
	for _, o := range objs {
		if len(o.NeededBy) == 0 || o.NeededBy[0] != by || done[o.Path] {
			continue
		}
		done[o.Path] = true
		target := o.Path
		if o.Realpath != o.Path {
			target += " -> " + o.Realpath
		}
		if o.Dlopen {
			target += " (dlopen)"
		}
		p("%s%-*s %s", indent, max(1, 28-len(indent)), o.Soname, target)
		printInspectTree(p, objs, o.Path, indent+"  ", done)
	}
}

func printInspectMissing(p func(string, ...any), rep *inspect.Report) {
	if rep.Closure == nil {
		return
	}
	for _, m := range rep.Closure.Missing {
		label := "missing     "
		if m.Optional {
			label = "optional    "
		}
		p("  %s %s", label, m.String())
	}
}
