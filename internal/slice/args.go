package slice

import (
	"math"
	"slices"
	"strings"
)

// usage is the line clap prints in usage errors.
const usage = "Usage: slice [OPTIONS] <RANGE> [FILES]..."

// UsageError is a bad command line; Main prints it and exits 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

func invalidValue(val, arg, msg string) error {
	return &UsageError{"error: invalid value '" + val + "' for '" + arg + "': " + msg + "\n\nFor more information, try '--help'.\n"}
}

// unexpected is an unknown option after RANGE.
func unexpected(a string) error {
	return &UsageError{"error: unexpected argument '" + a + "' found\n\n  tip: to pass '" + a +
		"' as a value, use '-- " + a + "'\n\n" + usage + "\n\nFor more information, try '--help'.\n"}
}

func withUsage(msg string) error {
	return &UsageError{"error: " + msg + "\n\n" + usage + "\n\nFor more information, try '--help'.\n"}
}

// conflict is clap's message for two arguments that exclude each other:
// its usage line names the first.
func conflict(first, second *flag) error {
	return &UsageError{"error: the argument '" + first.name + "' cannot be used with '" + second.name + "'\n\n" +
		"Usage: slice " + first.name + " <RANGE> [FILES]...\n\nFor more information, try '--help'.\n"}
}

// missing is clap's message for a required argument not given: its usage
// line names the arguments given, then the missing one.
func missing(seen []*flag, arg string) error {
	use := "slice"
	for i, f := range seen {
		if !slices.Contains(seen[:i], f) {
			use += " " + f.name
		}
	}
	if arg != "<RANGE>" {
		use += " " + arg
	}
	return &UsageError{"error: the following required arguments were not provided:\n  " + arg + "\n\n" +
		"Usage: " + use + " <RANGE> [FILES]...\n\nFor more information, try '--help'.\n"}
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
	{short: 'q', name: "-q"},
	{long: "io-buffer-size", name: "--io-buffer-size <IO_BUFFER_SIZE>", value: true},
	{long: "max-record-size", name: "--max-record-size <SIZE|unlimited>", value: true},
	{long: "explain", name: "--explain"},
	{long: "translate", name: "--translate[=<DIALECT>]", optval: true},
	{long: "generate", name: "--generate <KIND>", value: true},
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

// maxBufSize caps --io-buffer-size: a larger buffer buys no speed, and the
// reference would fail to allocate it.
const maxBufSize = 1 << 30

// Parse reads a command line (without the program name) the way the
// reference's clap definition does.
func Parse(args []string) (*Command, error) {
	c := &Command{}
	var seen []*flag // in order, for conflict messages
	values := map[string]string{}
	var rangeArg *string
	var files []string
	// Like clap, each value is checked where it stands: the first bad one
	// is the error, and --help or --version stops at once.
	positional := func(a string) error {
		if rangeArg != nil {
			files = append(files, a)
			return nil
		}
		rangeArg = &a
		r, err := ParseRange(a)
		if err != nil {
			return invalidValue(a, "<RANGE>", err.Error())
		}
		c.Range = r
		return nil
	}
	// stop records --help and --version, after which clap reads no further.
	stop := func(f *flag) bool {
		c.Help, c.Version = f.long == "help", f.long == "version"
		return c.Help || c.Version
	}
	value := func(f *flag, v string) error {
		var err error
		switch f.long {
		case "translate":
			err = possible(v, f.name, possibleTranslate)
			c.Translate = v
		case "generate":
			err = possible(v, f.name, possibleGenerate)
			c.Generate = v
		case "io-buffer-size":
			var n uint64
			if n, err = ParseSize(v); err == nil {
				c.Opts.BufSize = int(min(n, maxBufSize))
			}
		case "max-record-size":
			if asciiLower(v) == "unlimited" {
				c.Opts.MaxRecord = 0
				break
			}
			var n uint64
			if n, err = ParseSize(v); err == nil {
				c.Opts.MaxRecord = int64(min(n, math.MaxInt64))
			}
		}
		if err != nil && f.long != "translate" && f.long != "generate" {
			err = invalidValue(v, f.name, err.Error())
		}
		return err
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			for _, p := range args[i+1:] {
				if err := positional(p); err != nil {
					return nil, err
				}
			}
			i = len(args)
		case strings.HasPrefix(a, "--"):
			name, val, hasVal := strings.Cut(a[2:], "=")
			f := lookupLong(name)
			if f == nil {
				if rangeArg == nil {
					// RANGE accepts values starting with '-'
					if err := positional(a); err != nil {
						return nil, err
					}
					continue
				}
				return nil, unexpected(a)
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
				val = NativeDialect()
			}
			seen = append(seen, f)
			values[f.name] = val
			if err := value(f, val); err != nil {
				return nil, err
			}
			if stop(f) {
				return c, nil
			}
		case len(a) > 1 && a[0] == '-' && isFlags(a):
			for j := 1; j < len(a); j++ {
				f := lookupShort(a[j])
				seen = append(seen, f)
				if stop(f) {
					return c, nil
				}
			}
		case len(a) > 1 && a[0] == '-' && rangeArg != nil:
			return nil, unexpected(a)
		default:
			if err := positional(a); err != nil {
				return nil, err
			}
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
	if err := conflicts(seen, rangeArg != nil || len(files) > 0); err != nil {
		return nil, err
	}
	if has("--generate <KIND>") {
		return c, nil
	}
	if rangeArg == nil {
		return nil, missing(seen, "<RANGE>")
	}
	if has("--escape") && !has("--delimiter <DELIMITER>") {
		return nil, missing(seen, "--delimiter <DELIMITER>")
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
				return nil, withUsage(err.Error())
			}
			c.Opts.Delim = b
		}
		if len(c.Opts.Delim) == 0 {
			c.Opts.Mode = Bytes
		}
	}
	c.Files = files
	c.Quiet = has("-q")
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
				return conflict(mode, f)
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
			return conflict(first, second)
		}
	}
	if generate == nil {
		return nil
	}
	if len(seen) > 1 || positionals {
		return withUsage("the argument '" + generate.name + "' cannot be used with one or more of the other specified arguments")
	}
	return nil
}
