// Package why is diet's one vocabulary for why a file is in an image: the
// typed Reason that inspect finds for a program's files, that build and
// slim record for every file they ship, and that compare reads. Words are
// made of it only at the edge (String: reports, the SBOM, --list).
package why

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

// Reason is why one file is in an image.
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
// own description, "trace: open", "rule: --keep /app", "import csv by
// /app/app.py", "command tar in /entrypoint.sh".
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
	case SystemFile:
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
