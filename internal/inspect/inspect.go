// Package inspect answers "what does this program need?" for one path in a
// root file system: its ELF facts, its library closure, and for scripts the
// interpreter named on the #! line, inspected in turn.
package inspect

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	"github.com/dietimg/diet/internal/closure"
	"github.com/dietimg/diet/internal/elfinfo"
	"github.com/dietimg/diet/internal/rootfs"
)

// Kind says what a file is.
type Kind string

const (
	KindELF    Kind = "elf"
	KindScript Kind = "script"
	KindOther  Kind = "other" // neither ELF nor #! script
)

// Script is what a #! line says.
type Script struct {
	Interpreter string `json:"interpreter"`
	Arg         string `json:"arg,omitempty"`
}

// Report is everything known about one program. Its JSON form is the
// object `diet inspect --json` prints for each file.
type Report struct {
	Path     string          `json:"path"`
	Realpath string          `json:"realpath,omitempty"`
	Links    []string        `json:"links,omitempty"` // symlinks from Path to Realpath
	Kind     Kind            `json:"kind"`
	ELF      *elfinfo.File   `json:"-"` // flattened into the JSON by MarshalJSON
	Closure  *closure.Result `json:"-"` // flattened into the JSON by MarshalJSON
	Script   *Script         `json:"script,omitempty"`
	// Interpreter is the report of the #! interpreter of a script.
	Interpreter *Report `json:"script_interpreter,omitempty"`
	// EnvProgram is the report of the program a "#!/usr/bin/env NAME"
	// script runs: NAME looked up in env's default PATH inside the root.
	EnvProgram *Report `json:"env_program,omitempty"`
	Error      string  `json:"error,omitempty"`

	// linkTargets holds the raw target of every symlink met, for Files.
	linkTargets map[string]string
}

// maxInterpreters bounds chains of scripts whose interpreter is a script,
// as Linux does (BINPRM_MAX_RECURSION).
const maxInterpreters = 4

// envPath is the PATH env(1) searches when the environment has none: the
// one an image without ENV PATH gets.
var envPath = []string{"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"}

// ErrTooManyInterpreters is returned for a chain of #! scripts deeper than
// Linux follows.
var ErrTooManyInterpreters = errors.New("inspect: too many levels of #! interpreters")

// Inspect reports on the program at name (absolute, inside the resolver's
// root). Problems with the file are reported in Report.Error and as the
// error; the report is never nil.
func Inspect(r *closure.Resolver, name string) (*Report, error) {
	return InspectPath(r, name, nil)
}

// InspectPath is Inspect where "#!/usr/bin/env NAME" scripts find NAME in
// the directories of pathDirs (the PATH of an image's environment); nil
// means env's default PATH.
func InspectPath(r *closure.Resolver, name string, pathDirs []string) (*Report, error) {
	if pathDirs == nil {
		pathDirs = envPath
	}
	return inspect(r, rootfs.Clean(name), pathDirs, 0)
}

func inspect(r *closure.Resolver, name string, pathDirs []string, depth int) (*Report, error) {
	rep := &Report{Path: name, linkTargets: map[string]string{}}
	fail := func(err error) (*Report, error) {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		rep.Error = err.Error()
		return rep, fmt.Errorf("inspecting %s: %w", name, err)
	}
	fsys := r.FS()
	res, err := r.Lookup(name)
	if err != nil {
		return fail(err)
	}
	rep.Realpath, rep.Links = res.Path, res.Links
	rep.addLinks(r, res.Links)
	f, err := r.File(res.Path)
	switch {
	case err == nil:
		rep.Kind = KindELF
		return rep.elf(r, f, fail)
	case errors.Is(err, closure.ErrNotRegular):
		if fi, serr := fs.Stat(fsys, rootfs.Rel(res.Path)); serr == nil && fi.IsDir() {
			return fail(errors.New("is a directory"))
		}
		return fail(err)
	case !errors.Is(err, elfinfo.ErrNotELF):
		return fail(err) // truncated or corrupt ELF
	}
	fh, err := fsys.Open(rootfs.Rel(res.Path))
	if err != nil {
		return fail(err)
	}
	defer fh.Close()
	head := make([]byte, 256)
	n, err := io.ReadFull(fh, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return fail(err)
	}
	head = head[:n]
	switch {
	case strings.HasPrefix(string(head), "#!"):
		rep.Kind = KindScript
		interp, arg, ok := elfinfo.ParseShebang(strings.NewReader(string(head)))
		if !ok || interp == "" {
			return fail(errors.New("malformed #! line"))
		}
		rep.Script = &Script{Interpreter: interp, Arg: arg}
		if depth >= maxInterpreters {
			return fail(ErrTooManyInterpreters)
		}
		sub, err := inspect(r, rootfs.Clean(interp), pathDirs, depth+1)
		rep.Interpreter = sub
		switch {
		case errors.Is(err, fs.ErrNotExist):
			// The script cannot run here: a finding, like a missing
			// library, not a problem with the input.
			rep.Closure = &closure.Result{Objects: []closure.Object{}, Missing: []closure.Missing{{
				Soname: interp, NeededBy: []string{name}, Reason: "#! interpreter not found",
			}}}
			return rep, nil
		case err != nil:
			return fail(fmt.Errorf("interpreter: %w", err))
		}
		if path.Base(interp) == "env" {
			if err := rep.inspectEnv(r, arg, pathDirs, depth); err != nil {
				return fail(err)
			}
		}
	default:
		rep.Kind = KindOther
	}
	return rep, nil
}

// elf fills the report of an ELF file: its facts and closure.
func (rep *Report) elf(r *closure.Resolver, f *elfinfo.File, fail func(error) (*Report, error)) (*Report, error) {
	rep.ELF = f
	rep.Closure = &closure.Result{Objects: []closure.Object{}, Missing: []closure.Missing{}}
	if f.Linkage == elfinfo.Dynamic {
		cl, err := r.Resolve(rep.Path)
		if err != nil {
			return fail(err)
		}
		rep.Closure = cl
		if cl.Interpreter != nil {
			rep.addLinks(r, cl.Interpreter.Links)
		}
		for _, o := range cl.Objects {
			rep.addLinks(r, o.Links)
		}
	}
	return rep, nil
}

// inspectEnv follows "#!/usr/bin/env NAME": env runs NAME from its PATH.
// A NAME found nowhere is reported as missing, like a library.
func (rep *Report) inspectEnv(r *closure.Resolver, arg string, pathDirs []string, depth int) error {
	words := strings.Fields(arg)
	if len(words) > 0 && words[0] == "-S" {
		words = words[1:]
	}
	for len(words) > 0 && (strings.HasPrefix(words[0], "-") || strings.Contains(words[0], "=")) {
		words = words[1:]
	}
	if len(words) == 0 {
		return nil
	}
	prog := words[0]
	var candidates []string
	if strings.Contains(prog, "/") {
		candidates = []string{rootfs.Clean(prog)}
	} else {
		for _, d := range pathDirs {
			candidates = append(candidates, path.Join(d, prog))
		}
	}
	for _, c := range candidates {
		if fi, err := rootfs.Stat(r.FS(), c); err != nil || !fi.Mode().IsRegular() || fi.Mode()&0o111 == 0 {
			continue
		}
		sub, err := inspect(r, c, pathDirs, depth+1)
		rep.EnvProgram = sub
		if err != nil {
			return fmt.Errorf("env program: %w", err)
		}
		return nil
	}
	rep.Closure = &closure.Result{Objects: []closure.Object{}, Missing: []closure.Missing{{
		Soname: prog, NeededBy: []string{rep.Path}, Reason: "not found in env's PATH " + strings.Join(pathDirs, ":"),
	}}}
	return nil
}

// addLinks records the raw targets of links.
func (rep *Report) addLinks(r *closure.Resolver, links []string) {
	for _, l := range links {
		if _, ok := rep.linkTargets[l]; ok {
			continue
		}
		if t, err := r.ReadLink(l); err == nil {
			rep.linkTargets[l] = t
		}
	}
}
