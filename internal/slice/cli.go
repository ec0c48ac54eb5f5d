package slice

import (
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// usage is the line clap prints in usage errors.
const usage = "Usage: slice [OPTIONS] <RANGE> [FILE]..."

// UsageError is a bad command line; Main prints it and exits 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

func invalidValue(val, arg, msg string) error {
	return &UsageError{"error: invalid value '" + val + "' for '" + arg + "': " + msg + "\n\nFor more information, try '--help'.\n"}
}

func withUsage(msg string) error {
	return &UsageError{"error: " + msg + "\n\n" + usage + "\n\nFor more information, try '--help'.\n"}
}

// Command is a parsed command line.
type Command struct {
	Range     Range
	Files     []string
	Opts      Options
	Quiet     bool
	Explain   bool
	Translate string // "" when not asked
	Generate  string
	Help      bool
	Version   bool
}

// flag describes one option: how clap names it in messages, and whether
// it takes a value.
type flag struct {
	long   string
	short  byte
	alias  byte
	name   string // as clap prints it in errors
	value  bool
	optval bool // --translate[=FORMAT]
}

var flags = []flag{
	{short: 'l', name: "-l"},
	{long: "bytes", short: 'b', alias: 'c', name: "--bytes"},
	{long: "chars", name: "--chars"},
	{long: "graphemes", name: "--graphemes"},
	{long: "delimiter", name: "--delimiter <DELIMITER>", value: true},
	{long: "null", short: 'z', name: "--null"},
	{long: "escape", short: 'e', name: "--escape"},
	{long: "quiet", short: 'q', name: "--quiet"},
	{long: "io-buffer-size", name: "--io-buffer-size <SIZE>", value: true},
	{long: "max-record-size", name: "--max-record-size <SIZE>", value: true},
	{long: "explain", name: "--explain"},
	{long: "translate", name: "--translate [<FORMAT>]", optval: true},
	{long: "generate", name: "--generate <GENERATE>", value: true},
	{long: "help", short: 'h', name: "--help"},
	{long: "version", short: 'V', name: "--version"},
}

func lookupLong(name string) *flag {
	for i := range flags {
		if flags[i].long != "" && flags[i].long == name {
			return &flags[i]
		}
	}
	return nil
}

func lookupShort(c byte) *flag {
	for i := range flags {
		if flags[i].short == c || flags[i].alias == c {
			return &flags[i]
		}
	}
	return nil
}

// isFlags reports whether arg is a cluster of known short flags (the last
// one may take a value).
func isFlags(arg string) bool {
	for i := 1; i < len(arg); i++ {
		f := lookupShort(arg[i])
		if f == nil {
			return false
		}
	}
	return true
}

var possibleTranslate = []string{"posix", "bsd", "gnu", "awk", "all"}
var possibleGenerate = []string{"complete-bash", "complete-zsh", "complete-fish", "complete-powershell", "man"}

func possible(val, arg string, vals []string) error {
	for _, v := range vals {
		if v == val {
			return nil
		}
	}
	return &UsageError{"error: invalid value '" + val + "' for '" + arg + "'\n  [possible values: " +
		strings.Join(vals, ", ") + "]\n\nFor more information, try '--help'.\n"}
}

// Parse reads a command line (without the program name) the way the
// reference's clap definition does.
func Parse(args []string) (*Command, error) {
	c := &Command{}
	var seen []*flag // in order, for conflict messages
	values := map[string]string{}
	var rangeArg *string
	var files []string
	positional := func(a string) {
		if rangeArg == nil {
			rangeArg = &a
			return
		}
		files = append(files, a)
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			for _, p := range args[i+1:] {
				positional(p)
			}
			i = len(args)
		case strings.HasPrefix(a, "--"):
			name, val, hasVal := strings.Cut(a[2:], "=")
			f := lookupLong(name)
			if f == nil {
				if rangeArg == nil {
					positional(a) // RANGE accepts values starting with '-'
					continue
				}
				return nil, &UsageError{"error: unexpected argument '" + a + "' found\n\n  tip: to pass '" + a +
					"' as a value, use '-- " + a + "'\n\n" + usage + "\n\nFor more information, try '--help'.\n"}
			}
			if f.value && !hasVal {
				if i+1 == len(args) {
					return nil, &UsageError{"error: a value is required for '" + f.name + "' but none was supplied\n\nFor more information, try '--help'.\n"}
				}
				i++
				val, hasVal = args[i], true
			}
			if hasVal && !f.value && !f.optval {
				return nil, &UsageError{"error: unexpected value '" + val + "' for '--" + f.long + "' found; no more were expected\n\n" + usage + "\n\nFor more information, try '--help'.\n"}
			}
			if f.optval && !hasVal {
				val = "all"
			}
			seen = append(seen, f)
			values[f.name] = val
		case len(a) > 1 && a[0] == '-' && isFlags(a):
			for j := 1; j < len(a); j++ {
				seen = append(seen, lookupShort(a[j]))
			}
		case len(a) > 1 && a[0] == '-' && rangeArg != nil:
			return nil, &UsageError{"error: unexpected argument '" + a + "' found\n\n  tip: to pass '" + a +
				"' as a value, use '-- " + a + "'\n\n" + usage + "\n\nFor more information, try '--help'.\n"}
		default:
			positional(a)
		}
	}
	has := func(name string) bool {
		for _, f := range seen {
			if f.name == name {
				return true
			}
		}
		return false
	}
	if has("--help") {
		c.Help = true
		return c, nil
	}
	if has("--version") {
		c.Version = true
		return c, nil
	}
	if err := conflicts(seen, rangeArg != nil || len(files) > 0); err != nil {
		return nil, err
	}
	if has("--generate <GENERATE>") {
		c.Generate = values["--generate <GENERATE>"]
		return c, possible(c.Generate, "--generate <GENERATE>", possibleGenerate)
	}
	if rangeArg == nil {
		return nil, withUsage("the following required arguments were not provided:\n  <RANGE>")
	}
	if has("--escape") && !has("--delimiter <DELIMITER>") {
		return nil, withUsage("the following required arguments were not provided:\n  --delimiter <DELIMITER>")
	}
	if v, ok := values["--translate [<FORMAT>]"]; ok {
		if err := possible(v, "--translate [<FORMAT>]", possibleTranslate); err != nil {
			return nil, err
		}
		c.Translate = v
	}
	for _, name := range []string{"--io-buffer-size <SIZE>", "--max-record-size <SIZE>"} {
		v, ok := values[name]
		if !ok || name[2] == 'm' && v == "unlimited" {
			continue
		}
		n, err := ParseSize(v)
		if err != nil {
			return nil, invalidValue(v, name, err.Error())
		}
		if name[2] == 'i' {
			c.Opts.BufSize = int(min(n, 1<<30))
		} else {
			c.Opts.MaxRecord = n
		}
	}
	switch {
	case has("--bytes"):
		c.Opts.Mode = Bytes
	case has("--chars"):
		c.Opts.Mode = Chars
	case has("--graphemes"):
		c.Opts.Mode = Graphemes
	case has("--null"):
		c.Opts.Delim = []byte{0}
	case has("--delimiter <DELIMITER>"):
		d := values["--delimiter <DELIMITER>"]
		c.Opts.Delim = []byte(d)
		if has("--escape") {
			b, err := Unescape(d)
			if err != nil {
				return nil, invalidValue(d, "--delimiter <DELIMITER>", err.Error())
			}
			c.Opts.Delim = b
		}
		if len(c.Opts.Delim) == 0 {
			c.Opts.Mode = Bytes
		}
	}
	r, err := ParseRange(*rangeArg)
	if err != nil {
		return nil, invalidValue(*rangeArg, "<RANGE>", err.Error())
	}
	c.Range = r
	c.Files = files
	c.Quiet = has("--quiet")
	c.Explain = has("--explain")
	return c, nil
}

// conflicts finds two element modes, --explain with --translate, or
// --generate with anything else.
func conflicts(seen []*flag, positionals bool) error {
	modes := map[string]bool{"-l": true, "--bytes": true, "--chars": true, "--graphemes": true,
		"--delimiter <DELIMITER>": true, "--null": true}
	var mode, explain, translate, generate *flag
	for _, f := range seen {
		switch {
		case modes[f.name]:
			if mode != nil && mode.name != f.name {
				return withUsage("the argument '" + mode.name + "' cannot be used with '" + f.name + "'")
			}
			mode = f
		case f.name == "--explain":
			explain = f
		case f.long == "translate":
			translate = f
		case f.long == "generate":
			generate = f
		}
		if explain != nil && translate != nil {
			first, second := explain, translate
			if f == explain {
				first, second = translate, explain
			}
			return withUsage("the argument '" + first.name + "' cannot be used with '" + second.name + "'")
		}
	}
	if generate == nil {
		return nil
	}
	for _, f := range seen {
		if f != generate {
			return withUsage("the argument '" + generate.name + "' cannot be used with '" + f.name + "'")
		}
	}
	if positionals {
		return withUsage("the argument '" + generate.name + "' cannot be used with '<RANGE>'")
	}
	return nil
}

// Main runs slice with args (without the program name) and returns the
// exit status.
func Main(args []string, stdin *os.File, stdout io.Writer, stderr io.Writer) int {
	if len(args) == 0 {
		io.WriteString(stderr, Help)
		return 2
	}
	c, err := Parse(args)
	if err != nil {
		io.WriteString(stderr, err.Error())
		return 2
	}
	switch {
	case c.Help:
		io.WriteString(stdout, Help)
		return 0
	case c.Version:
		io.WriteString(stdout, "slice "+Version+"\n")
		return 0
	case c.Generate != "":
		io.WriteString(stdout, Generate(c.Generate))
		return 0
	case c.Explain:
		io.WriteString(stdout, Explain(c.Range, c.Opts))
		return 0
	case c.Translate != "":
		return translateMain(c, stdout, stderr)
	}
	if f, ok := stdout.(*os.File); ok {
		stdout = fdWriter(f.Fd())
	}
	w := NewWriter(stdout, c.Opts.BufSize)
	status := 0
	fail := func(name string, err error) {
		msg := "slice: "
		if name != "" {
			msg += name + ": "
		}
		io.WriteString(stderr, msg+reason(err)+"\n")
		status = 1
	}
	// stop reports whether to skip the remaining inputs.
	stop := func(name string, err error) bool {
		var we *WriteError
		if errors.As(err, &we) {
			if !errors.Is(err, syscall.EPIPE) {
				fail("", err)
			}
			return true
		}
		fail(name, err)
		return false
	}
	if len(c.Files) == 0 {
		if err := Run(w, stdinInput(stdin), c.Range, c.Opts); err != nil {
			stop("", err)
		}
	}
	headers := len(c.Files) > 1 && !c.Quiet
	for _, name := range c.Files {
		f, err := os.Open(name)
		if err != nil {
			fail(name, err)
			continue
		}
		if headers {
			w.WriteString("==> " + name + " <==\n")
		}
		err = Run(w, fileInput(f), c.Range, c.Opts)
		f.Close()
		if err != nil && stop(name, err) {
			break
		}
	}
	if err := w.Flush(); err != nil && !errors.Is(err, syscall.EPIPE) && status == 0 {
		fail("", &WriteError{err})
	}
	return status
}

// reason is an error as the reference prints it: the system's message and
// number, without Go's "open PATH:" prefix.
func reason(err error) string {
	var re *ReadError
	if errors.As(err, &re) {
		err = re.Err
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	var we *WriteError
	prefix := ""
	if errors.As(err, &we) {
		prefix, err = "write error: ", we.Err
		if errors.As(err, &pe) {
			err = pe.Err
		}
	}
	var en syscall.Errno
	if errors.As(err, &en) {
		s := en.Error()
		if s != "" {
			s = strings.ToUpper(s[:1]) + s[1:]
		}
		return prefix + s + " (os error " + strconv.Itoa(int(en)) + ")"
	}
	return prefix + err.Error()
}

// fileInput describes an opened file: regular files can be read at any
// offset, anything else (pipes, FIFOs, terminals, directories) only
// forwards.
func fileInput(f *os.File) Input {
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return Input{R: f}
	}
	// Start where the descriptor stands: '(read a line; slice ...) < file'.
	off, err := f.Seek(0, io.SeekCurrent)
	if err != nil || off > st.Size() {
		return Input{R: f}
	}
	return Input{R: f, At: io.NewSectionReader(f, off, st.Size()-off), Size: st.Size() - off}
}

func stdinInput(f *os.File) Input {
	if f == nil {
		return Input{R: strings.NewReader("")}
	}
	return fileInput(f)
}

func translateMain(c *Command, stdout, stderr io.Writer) int {
	if c.Translate != "all" {
		t, ok := Translate(c.Range, c.Opts, c.Translate, c.Files)
		if !ok {
			io.WriteString(stderr, "slice: no "+c.Translate+" equivalent for '"+c.Range.Text+"'\n")
			return 1
		}
		io.WriteString(stdout, t+"\n")
		return 0
	}
	for _, fl := range Flavors {
		t, ok := Translate(c.Range, c.Opts, fl, c.Files)
		if !ok {
			t = "(no equivalent)"
		}
		io.WriteString(stdout, fl+":"+strings.Repeat(" ", 7-len(fl))+t+"\n")
	}
	return 0
}

// fdWriter writes to a descriptor directly. Unlike *os.File on standard
// output, a broken pipe comes back as EPIPE instead of killing the process
// with SIGPIPE, so slice can stop quietly with its own status.
type fdWriter uintptr

func (fd fdWriter) Write(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		m, err := syscall.Write(int(fd), p[n:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return n, err
		}
		n += m
	}
	return n, nil
}
