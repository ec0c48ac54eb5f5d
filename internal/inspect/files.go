package inspect

import (
	"encoding/json"
	"sort"

	"github.com/dietimg/diet/internal/artifact"
	"github.com/dietimg/diet/internal/closure"
	"github.com/dietimg/diet/internal/elfinfo"
	"github.com/dietimg/diet/internal/why"
)

// rank orders reasons: a path needed for several reasons is listed with
// the most important one.
var rank = map[why.Kind]int{why.Program: 0, why.Interpreter: 1, why.Loader: 2, why.Needed: 3, why.Dlopen: 4, why.Link: 5}

type fileSet map[string]artifact.File

func (s fileSet) add(p string, r why.Reason, link string) {
	if p == "" {
		return
	}
	if old, ok := s[p]; ok && rank[old.Reason.Kind] <= rank[r.Kind] {
		return
	}
	s[p] = artifact.File{Path: p, Link: link, Reason: r}
}

// Files lists every path an image must carry for the program of rep to
// run (its Path, Reason, and Link for a symlink): the program, its
// loader, its libraries, and every symlink on the way to them, each once, sorted by path. A path whose
// directories are symlinks ("/lib/x86_64-linux-gnu/libc.so.6" when /lib
// is a link) is carried by its links and its real path, which is what
// makes it work in the image; it is not listed itself.
func (rep *Report) Files() []artifact.File {
	set := fileSet{}
	rep.addFiles(set, why.Reason{Kind: why.Program})
	out := make([]artifact.File, 0, len(set))
	for _, f := range set {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

func (rep *Report) addFiles(set fileSet, r why.Reason) {
	if rep.Realpath == "" {
		return
	}
	set.add(rep.Realpath, r, "")
	rep.addLinkFiles(set, rep.Links, rep.Realpath)
	if cl := rep.Closure; cl != nil {
		if in := cl.Interpreter; in != nil {
			set.add(in.Realpath, why.Reason{Kind: why.Loader, By: rep.Realpath}, "")
			rep.addLinkFiles(set, in.Links, in.Realpath)
		}
		for _, o := range cl.Objects {
			by := rep.Realpath
			if len(o.NeededBy) > 0 {
				by = o.NeededBy[0]
			}
			kind := why.Needed
			if o.Dlopen {
				kind = why.Dlopen
			}
			set.add(o.Realpath, why.Reason{Kind: kind, By: by}, "")
			rep.addLinkFiles(set, o.Links, o.Realpath)
		}
	}
	if rep.Interpreter != nil {
		rep.Interpreter.addFiles(set, why.Reason{Kind: why.Interpreter, By: rep.Path})
	}
	if rep.EnvProgram != nil {
		rep.EnvProgram.addFiles(set, why.Reason{Kind: why.Interpreter, By: rep.Path})
	}
}

func (rep *Report) addLinkFiles(set fileSet, links []string, to string) {
	for _, l := range links {
		set.add(l, why.Reason{Kind: why.Link, By: to}, rep.linkTargets[l])
	}
}

// plainReport has Report's fields without its MarshalJSON method.
type plainReport Report

// MarshalJSON flattens the ELF facts and the closure into the report's
// object, so that scripts read "linkage", "needed" or "closure" at the top
// level. For ELF files the keys of the issue are always present (empty
// when there is nothing to say); for other files they are left out.
func (rep *Report) MarshalJSON() ([]byte, error) {
	out := struct {
		*plainReport
		*elfinfo.File
		Needed      *[]string          `json:"needed,omitempty"`
		Interpreter *string            `json:"interpreter,omitempty"`
		GlibcMin    *string            `json:"glibc_min,omitempty"`
		Dlopen      *[]elfinfo.Dlopen  `json:"dlopen,omitempty"`
		Go          any                `json:"go,omitempty"`
		Needs       *[]elfinfo.Need    `json:"needs,omitempty"`
		Loader      *closure.Object    `json:"loader,omitempty"`
		Closure     *[]closure.Object  `json:"closure,omitempty"`
		Missing     *[]closure.Missing `json:"missing,omitempty"`
	}{plainReport: (*plainReport)(rep), File: rep.ELF}
	if f := rep.ELF; f != nil {
		out.Interpreter, out.GlibcMin, out.Go = &f.Interpreter, &f.GlibcMin, f.Go
		out.Dlopen, out.Needs, out.Needed = nonNil(f.Dlopen), nonNil(f.Needs), nonNil(f.Needed)
	}
	if cl := rep.Closure; cl != nil {
		out.Loader = cl.Interpreter
		out.Closure, out.Missing = nonNil(cl.Objects), nonNil(cl.Missing)
	}
	return json.Marshal(out)
}

func nonNil[T any](s []T) *[]T {
	if s == nil {
		s = []T{}
	}
	return &s
}
