// Package inspect answers "what does this program need?" for one path in a
// root file system: its ELF facts, its library closure, and for scripts the
// interpreter named on the #! line, inspected in turn.
package inspect

import (
	"github.com/dietimg/diet/internal/closure"
	"github.com/dietimg/diet/internal/elfinfo"
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
	Error       string  `json:"error,omitempty"`
}

// Reason says why a file must go into an image.
type Reason struct {
	Kind string `json:"kind"`         // program, interpreter, loader, needed, link
	By   string `json:"by,omitempty"` // the file that needs it
}

// File is one path an image must carry for the program to work: the
// program, its loader, its libraries, and every symlink on the way to them.
type File struct {
	Path   string `json:"path"`           // absolute path inside the root
	Link   string `json:"link,omitempty"` // symlink target, when Path is a symlink
	Reason Reason `json:"reason"`
}

// Inspect reports on the program at name (absolute, inside the resolver's
// root). Problems with the file are reported in Report.Error and as the
// error; the report is never nil.
func Inspect(r *closure.Resolver, name string) (*Report, error) {
	return &Report{Path: name, Error: "not implemented yet"}, errNotYet
}

// Files lists every path an image must carry for the program of rep to
// run, symlinks included, each once, sorted by path.
func (rep *Report) Files() []File { return nil }
