// Package why is diet's one vocabulary for why a file is in an image: the
// typed Reason that inspect finds for a program's files, that build and
// slim record for every file they ship, and that compare reads. Words are
// made of it only at the edge (String: reports, the SBOM, --list), and read
// back from an SBOM diet wrote by Parse.
package why

import "strings"

// Kind is what a reason is.
type Kind string

// What a program needs, read from its bytes (inspect, and build and slim
// through it). By names the file that needs it.
const (
	Program     Kind = "program"     // the program itself
	Interpreter Kind = "interpreter" // a #! interpreter of By
	Loader      Kind = "loader"      // the ELF interpreter (PT_INTERP) of By
	Needed      Kind = "needed"      // a DT_NEEDED library of By
	Dlopen      Kind = "dlopen"      // a library By's .note.dlopen names
	Link        Kind = "link"        // a symlink on the way to By
)

// What build adds besides the program's closure; Detail says which.
const (
	SystemFile Kind = "system" // certificates, tzdata, passwd... on evidence or asked for
	Added      Kind = "add"    // --add SRC:DST; Detail is SRC
)

// Why slim keeps a path; Detail says more ("needed by /usr/bin/perl",
// "--keep /app", "volume").
const (
	Static Kind = "static" // the static closure of what the image runs, evidence of system files
	Trace  Kind = "trace"  // the program used it while probed
	Rule   Kind = "rule"   // a keep rule, the user and group databases, a parent directory
	State  Kind = "state"  // under a directory the program keeps state in, or a VOLUME
)

// Why slim's reach stage keeps a path that the kept code can reach,
// read statically from that code (package reach). By is the file whose
// code reaches it, Detail the name it used: "import csv by /app/app.py",
// "command tar in /entrypoint.sh".
const (
	AppDir    Kind = "appdir"    // the application's own directory, whole; Detail says how it was chosen
	Import    Kind = "import"    // a Python import
	Require   Kind = "require"   // a Node.js require or import
	Use       Kind = "use"       // a Perl use or require
	Command   Kind = "command"   // a command a shell script runs
	Source    Kind = "source"    // a file a shell script sources
	ClassPath Kind = "classpath" // a jar or directory of a Java class path
	DocRoot   Kind = "docroot"   // a web server's document root or alias, whole
	Data      Kind = "data"      // a data file the code reads: a literal path, a module's system data, a distribution's metadata
)

// ReachKinds are the kinds of the reach stage, in the order reports list them.
var ReachKinds = []Kind{AppDir, Import, Require, Use, Command, Source, ClassPath, DocRoot, Data}

// reachPrepositions join a reach reason's name to the file that reaches it.
var reachPrepositions = map[Kind]string{
	Import: " by ", Require: " by ", Use: " by ", Data: " by ",
	Command: " in ", Source: " in ", ClassPath: " in ", DocRoot: " in ",
}

// Reason is why one file is in an image. A Reason with no Kind is words
// Parse did not read as one of String's forms, kept whole in Detail.
type Reason struct {
	Kind   Kind   `json:"kind"`
	By     string `json:"by,omitempty"`     // the file that needs it
	Detail string `json:"detail,omitempty"` // what else there is to say
}

// prepositions join the kinds that name a file to it.
var prepositions = map[Kind]string{
	Interpreter: "interpreter of ", Loader: "loader of ", Needed: "needed by ", Dlopen: "dlopen by ", Link: "link to ",
}

// String says the reason in words: "program", "needed by /usr/bin/jq",
// "dlopen by /usr/bin/x (.note.dlopen)", "--add ./conf", a system file's
// own description (and a reason with no Kind its words), "trace: open",
// "rule: --keep /app", "import csv by /app/app.py", "command tar in
// /entrypoint.sh".
func (r Reason) String() string {
	if p, ok := prepositions[r.Kind]; ok && r.By != "" {
		s := p + r.By
		if r.Kind == Dlopen {
			s += " (.note.dlopen)"
		}
		return s
	}
	if p, ok := reachPrepositions[r.Kind]; ok && r.By != "" {
		return string(r.Kind) + " " + r.Detail + p + r.By
	}
	switch r.Kind {
	case SystemFile, "":
		return r.Detail
	case Added:
		return "--add " + r.Detail
	}
	s := string(r.Kind)
	if r.By != "" {
		s += " " + r.By
	}
	if r.Detail != "" {
		s += ": " + r.Detail
	}
	return s
}

// named are the kinds String says by their name: all but SystemFile and
// Added (a preposition kind or a reach kind without By among them).
var named = map[Kind]bool{
	Program: true, Interpreter: true, Loader: true, Needed: true, Dlopen: true, Link: true,
	Static: true, Trace: true, Rule: true, State: true,
	AppDir: true, Import: true, Require: true, Use: true, Command: true, Source: true, ClassPath: true, DocRoot: true, Data: true,
}

// Parse reads back a reason String said, as diet reads the comments of an
// SBOM it wrote. Words String would not say that way (a system file's own
// description, which String says as Detail alone, or anyone else's words)
// are a Reason with no Kind and the words as Detail: Parse(s).String() is
// s whatever s is.
func Parse(words string) Reason {
	if r, ok := parse(words); ok && r.String() == words {
		return r
	}
	return Reason{Detail: words}
}

// parse reads s as one of String's forms, without checking that String
// says the Reason it finds as s.
func parse(s string) (Reason, bool) {
	if src, ok := strings.CutPrefix(s, "--add "); ok {
		return Reason{Kind: Added, Detail: src}, true
	}
	for k, p := range prepositions {
		if by, ok := strings.CutPrefix(s, p); ok {
			if k == Dlopen {
				by, ok = strings.CutSuffix(by, " (.note.dlopen)")
			}
			return Reason{Kind: k, By: by}, ok
		}
	}
	// kind, then " DETAIL PREPOSITION BY" for a reach kind, else
	// [" BY"] [": DETAIL"].
	name, _, _ := strings.Cut(s, " ")
	name = strings.TrimSuffix(name, ":")
	k := Kind(name)
	if !named[k] {
		return Reason{}, false
	}
	rest := s[len(name):]
	if p, ok := reachPrepositions[k]; ok {
		if after, ok := strings.CutPrefix(rest, " "); ok {
			if i := strings.LastIndex(after, p); i >= 0 {
				return Reason{Kind: k, Detail: after[:i], By: after[i+len(p):]}, true
			}
		}
	}
	r := Reason{Kind: k}
	if detail, ok := strings.CutPrefix(rest, ": "); ok {
		r.Detail = detail
	} else if after, ok := strings.CutPrefix(rest, " "); ok {
		r.By, r.Detail, _ = strings.Cut(after, ": ")
	} else if rest != "" {
		return Reason{}, false
	}
	return r, true
}
