package slice

import "strings"

// Help is the --help text: the reference's, word for word, in clap's
// layout.
const Help = `slice is a command-line tool that allows you to slice the contents of a file using syntax similar to Python's slice notation.

Usage: slice [OPTIONS] <RANGE> [FILES]...

Arguments:
  <RANGE>     The slice syntax is similar to Python's slice syntax, with the format ` + "`" + `start:end:step` + "`" + `.
              Each value is optional and, if omitted, defaults to the start of the file, the end of the file, and a step of 1, respectively.
              Negative start/end values count back from the end of the input, like Python.
              A negative step selects in reverse, like Python ('::-1' reverses the input); it buffers the whole input in memory.
              e.g., '50:100', '50:100:1', '-5:', '::-1'
              and the extended syntax 'start:+line' is supported. (experimental)
              e.g., '50:+50'
  [FILES]...  Target files. if not provided use stdin

Options:
  -l
          Slice the lines (default)
  -b, --bytes
          Slice the bytes
      --chars
          Slice the UTF-8 characters (code points)
      --graphemes
          Slice the user-perceived characters (grapheme clusters)
      --delimiter <DELIMITER>
          Slice by delimiter
  -z, --null
          Use NUL (\0) as the delimiter
  -e, --escape
          Interpret backslash escapes in --delimiter (\t \n \r \0 \\ \xHH)
      --explain
          Explain what the range selects and exit without reading input. Any FILES are ignored
      --translate[=<DIALECT>]
          Print the equivalent shell command for the range and mode, then exit without reading input. With no value the build target's native dialect is used. Any FILES are ignored [possible values: posix, bsd, gnu, awk, all]
      --generate <KIND>
          Generate the shell completion script or man page and exit without reading input [possible values: complete-bash, complete-zsh, complete-fish, complete-powershell, man]
  -q
          Suppresses printing of headers when multiple files are being examined
      --io-buffer-size <IO_BUFFER_SIZE>
          Set the size of the I/O buffer. This buffer is used for both input and output operations (experimental)
      --max-record-size <SIZE|unlimited>
          Maximum bytes retained for one line, custom-delimited record, or grapheme cluster in tail-relative and reverse ranges. Defaults to unlimited
  -h, --help
          Print help
  -V, --version
          Print version
`

// Generate returns a completion script or the man page (roff).
func Generate(what string) string {
	switch what {
	case "complete-bash":
		return bashCompletion
	case "complete-zsh":
		return zshCompletion
	case "complete-fish":
		var b strings.Builder
		for _, f := range flags {
			b.WriteString("complete -c slice")
			if f.short != 0 {
				b.WriteString(" -s " + string(f.short))
			}
			if f.long != "" {
				b.WriteString(" -l " + f.long)
			}
			switch f.long {
			case "translate":
				b.WriteString(" -x -a 'posix bsd gnu awk all'")
			case "generate":
				b.WriteString(" -x -a '" + strings.Join(possibleGenerate, " ") + "'")
			case "delimiter", "io-buffer-size", "max-record-size":
				b.WriteString(" -x")
			}
			b.WriteString("\n")
		}
		return b.String()
	case "complete-powershell":
		var b strings.Builder
		b.WriteString("Register-ArgumentCompleter -Native -CommandName 'slice' -ScriptBlock {\n" +
			"    param($wordToComplete, $commandAst, $cursorPosition)\n    @(")
		var items []string
		for _, f := range flags {
			if f.short != 0 {
				items = append(items, "'-"+string(f.short)+"'")
			}
			if f.long != "" {
				items = append(items, "'--"+f.long+"'")
			}
		}
		b.WriteString(strings.Join(items, ", "))
		b.WriteString(") | Where-Object { $_ -like \"$wordToComplete*\" } |\n" +
			"        ForEach-Object { [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterName', $_) }\n}\n")
		return b.String()
	}
	return manPage
}

const bashCompletion = `_slice() {
    local cur prev
    cur="${COMP_WORDS[COMP_CWORD]}"
    prev="${COMP_WORDS[COMP_CWORD-1]}"
    case "$prev" in
        --translate) COMPREPLY=($(compgen -W "posix bsd gnu awk all" -- "$cur")); return 0 ;;
        --generate) COMPREPLY=($(compgen -W "complete-bash complete-zsh complete-fish complete-powershell man" -- "$cur")); return 0 ;;
        --delimiter|--io-buffer-size|--max-record-size) COMPREPLY=(); return 0 ;;
    esac
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "-l -b -c -z -e -q -h -V --bytes --chars --graphemes --delimiter --null --escape --io-buffer-size --max-record-size --explain --translate --generate --help --version" -- "$cur"))
        return 0
    fi
    COMPREPLY=($(compgen -f -- "$cur"))
}
complete -F _slice -o bashdefault -o default slice
`

const zshCompletion = `#compdef slice

_slice() {
    _arguments -s \
        '(-b --bytes -c --chars --graphemes --delimiter -z --null)-l[select lines (the default)]' \
        '(-l --chars --graphemes --delimiter -z --null)'{-b,--bytes}'[select bytes]' \
        '(-l -b --bytes -c --graphemes --delimiter -z --null)--chars[select UTF-8 characters]' \
        '(-l -b --bytes -c --chars --delimiter -z --null)--graphemes[select grapheme clusters]' \
        '(-l -b --bytes -c --chars --graphemes -z --null)--delimiter=[select records ending in DELIMITER]:delimiter:' \
        '(-l -b --bytes -c --chars --graphemes --delimiter)'{-z,--null}'[select NUL-terminated records]' \
        '(-e --escape)'{-e,--escape}'[interpret escapes in DELIMITER]' \
        '-q[never print file headers]' \
        '--io-buffer-size=[read and write buffer size]:size:' \
        '--max-record-size=[largest record held in memory]:size:(unlimited)' \
        '(--translate)--explain[print what RANGE means]' \
        '(--explain)--translate=-[print the equivalent classic command]::format:(posix bsd gnu awk all)' \
        '--generate=[print a completion script or the man page]:what:(complete-bash complete-zsh complete-fish complete-powershell man)' \
        '(- *)'{-h,--help}'[print help]' \
        '(- *)'{-V,--version}'[print version]' \
        '1:range:' \
        '*:file:_files'
}

_slice "$@"
`

const manPage = `.ie \n(.g .ds Aq \(aq
.el .ds Aq '
.TH slice 1  "slice ` + Version + `" 
.SH NAME
slice \- print part of the input, selected with Python's slice notation
.SH SYNOPSIS
.B slice
[\fIOPTIONS\fR] \fIRANGE\fR [\fIFILE\fR]...
.SH DESCRIPTION
.B slice
prints the elements of its input that \fIRANGE\fR selects, exactly as
Python's \fIelems[start:end:step]\fR would. Elements are lines by default,
or bytes, UTF-8 characters, grapheme clusters or delimited records.
Elements keep their delimiter; output is the selected bytes, unchanged.
.PP
\fIRANGE\fR is \fISTART\fR:\fIEND\fR:\fISTEP\fR, each part optional.
A negative number counts from the end. \fIEND\fR may be \fB+N\fR
(\fISTART\fR+N) or \fB+-N\fR (N on each side of \fISTART\fR). A negative
\fISTEP\fR walks backwards.
.PP
With no \fIFILE\fR, slice reads standard input. With two or more files,
each file's output is preceded by a header \fB==> FILE <==\fR.
On a regular file, ranges counted from the end and negative steps read the
file backwards in blocks, so \fBslice -10: big.log\fR takes milliseconds.
.SH OPTIONS
.TP
\fB\-l\fR
Select lines (the default).
.TP
\fB\-b\fR, \fB\-\-bytes\fR
Select bytes.
.TP
\fB\-\-chars\fR
Select UTF-8 characters; each invalid byte is one element.
.TP
\fB\-\-graphemes\fR
Select extended grapheme clusters.
.TP
\fB\-\-delimiter\fR \fIDELIMITER\fR
Select records ending in \fIDELIMITER\fR; "" means bytes.
.TP
\fB\-z\fR, \fB\-\-null\fR
Select NUL-terminated records.
.TP
\fB\-e\fR, \fB\-\-escape\fR
Interpret \fB\et \en \er \e0 \e\e \exHH\fR in \fIDELIMITER\fR.
.TP
\fB\-q\fR
Never print file headers.
.TP
\fB\-\-io\-buffer\-size\fR \fIIO_BUFFER_SIZE\fR
Read and write buffer size, such as 64KiB or 1MiB (default 1MiB).
.TP
\fB\-\-max\-record\-size\fR \fISIZE\fR|\fBunlimited\fR
Largest record held in memory by ranges that must hold records
(\-k:, :\-m, negative steps); a larger record is an error.
.TP
\fB\-\-explain\fR
Print what \fIRANGE\fR means and read no input.
.TP
\fB\-\-translate\fR[=\fIDIALECT\fR]
Print the equivalent head, tail, sed, awk or dd command and read no input.
.TP
\fB\-\-generate\fR \fIKIND\fR
Print a completion script (complete\-bash, complete\-zsh, complete\-fish,
complete\-powershell) or this page (man).
.TP
\fB\-h\fR, \fB\-\-help\fR
Print help.
.TP
\fB\-V\fR, \fB\-\-version\fR
Print version.
.SH EXIT STATUS
0 on success, 1 when a file could not be opened, read or written or a
record exceeded \fB\-\-max\-record\-size\fR, 2 for usage and range errors.
A broken pipe on output stops slice quietly.
.SH EXAMPLES
.TP
\fBslice :10 f\fR
The first 10 lines.
.TP
\fBslice \-10: f\fR
The last 10 lines.
.TP
\fBslice ::\-1 f\fR
All lines, last first.
.TP
\fBslice \-b 100:+20 f\fR
20 bytes from offset 100.
`
