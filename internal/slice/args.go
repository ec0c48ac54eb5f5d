package slice

import "strings"

// usage is the line clap prints in usage errors.
const usage = "Usage: slice [OPTIONS] <RANGE> [FILE]..."

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
				val = "all"
			}
			seen = append(seen, f)
			values[f.name] = val
		case len(a) > 1 && a[0] == '-' && isFlags(a):
			for j := 1; j < len(a); j++ {
				seen = append(seen, lookupShort(a[j]))
			}
		case len(a) > 1 && a[0] == '-' && rangeArg != nil:
			return nil, unexpected(a)
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
