package slice

import "runtime"

// Dialects are the --translate values that name one toolset, in the order
// --translate=all lists them.
var Dialects = []string{"posix", "bsd", "gnu", "awk"}

// NativeDialect is what a bare --translate means: the toolset of the
// platform, as the reference decides it at build time.
func NativeDialect() string {
	switch runtime.GOOS {
	case "linux":
		return "gnu"
	case "darwin", "freebsd", "openbsd", "netbsd", "dragonfly":
		return "bsd"
	}
	return "posix"
}

// Why a dialect has no single command, and caveats of those it has, in
// the reference's words.
const (
	customReason       = "no standard tool selects records by a custom delimiter"
	charsReason        = "cut -c is per-line (and selects bytes on GNU), not a stream character slice"
	graphemesReason    = "no standard tool selects by grapheme cluster"
	stepByteReason     = "strided byte selection has no standard-tool equivalent"
	awkByteReason      = "awk operates on lines, not byte offsets"
	awkNewlineNote     = "awk re-terminates an unterminated final line and may drop bytes after an embedded NUL"
	awkTailReason      = "selecting relative to the end needs buffering, not a clean awk one-liner"
	lagStartReason     = "a head-relative start with a tail-relative end needs the input length"
	lagStepReason      = "a tail-relative end combined with a step has no standard-tool equivalent"
	dropLinesReason    = "no POSIX single command drops the last N lines; GNU has `head -n -N`"
	dropBytesReason    = "no POSIX single command drops the last N bytes; GNU has `head -c -N`"
	emptyLinesReason   = "no POSIX single command selects an empty range; GNU has `head -n 0`"
	emptyBytesReason   = "no POSIX single command selects an empty range; GNU has `head -c 0`"
	tailStepReason     = "a tail-relative start combined with a step has no standard-tool equivalent"
	tailBoundedReason  = "a tail-relative start with a fixed end needs the input length"
	headCNote          = "head -c is not in POSIX; present on BSD and GNU"
	reversePosixReason = "no POSIX single command reverses line order; GNU has tac, BSD has tail -r"
	reversePartReason  = "reversing a sub-range needs a pipeline, not a single command"
	reverseStepReason  = "a reverse with a step needs a pipeline, not a single command"
	reverseBytesReason = "no standard tool reverses a byte stream"
)

// translation is one dialect's command and its caveat, or why there is
// none.
type translation struct {
	cmd, note, reason string
}

func none(reason string) translation { return translation{reason: reason} }

// Translate prints the shell command equivalent to r in dialect (one of
// Dialects, or "all"): a '# DIALECT' comment line (with a caveat, if any)
// and the command, or '# no equivalent: REASON'. It reads no input; files
// play no part.
func Translate(r Range, o Options, dialect string) string {
	block := func(d string) (string, bool) {
		t := r.translate(o, d)
		switch {
		case t.reason != "":
			return "# no equivalent: " + t.reason + "\n", false
		case t.note != "":
			return "# " + d + "  (" + t.note + ")\n" + t.cmd + "\n", true
		}
		return "# " + d + "\n" + t.cmd + "\n", true
	}
	if dialect != "all" {
		s, _ := block(dialect)
		return s
	}
	out := ""
	for _, d := range Dialects {
		s, ok := block(d)
		if !ok {
			s = "# " + d + "  (no equivalent)\n"
		}
		out += s
	}
	return out
}

func (r Range) translate(o Options, d string) translation {
	mode := unitName(o)
	switch {
	case r.copies():
		return translation{cmd: "cat"}
	case mode == "part":
		return none(customReason)
	case mode == "character":
		return none(charsReason)
	case mode == "grapheme":
		return none(graphemesReason)
	case r.Empty():
		switch {
		case d == "gnu" && mode == "line":
			return translation{cmd: "head -n 0"}
		case d == "gnu":
			return translation{cmd: "head -c 0"}
		case mode == "line":
			return none(emptyLinesReason)
		}
		return none(emptyBytesReason)
	}
	f, lines := r.form(), mode == "line"
	switch {
	case f.back:
		return translateReverse(f, lines, d)
	case f.start.fromEnd:
		return translateTail(f, lines, d)
	case f.hasEnd && f.end.fromEnd:
		return translateLag(f, lines, d)
	case f.hasEnd:
		return translateBounded(f, lines, d)
	}
	return translateUnbounded(f, lines, d)
}

// awkStepped selects every step-th line from the 1-based line first, up
// to the 1-based line end when end > 0.
func awkStepped(first, step, end uint64) translation {
	cond := "NR%" + u64(step) + "==1"
	if first != 1 {
		cond = "NR>=" + u64(first) + " && (NR-" + u64(first) + ")%" + u64(step) + "==0"
	}
	if end > 0 {
		cond += " && NR<=" + u64(end)
	}
	return translation{cmd: "awk '" + cond + "'", note: awkNewlineNote}
}

func translateUnbounded(f form, lines bool, d string) translation {
	first := satAdd(f.start.n, 1)
	switch {
	case !lines && f.step > 1:
		return none(stepByteReason)
	case f.step > 1 && d == "gnu":
		return translation{cmd: "sed -n '" + u64(first) + "~" + u64(f.step) + "p'"}
	case f.step > 1:
		return awkStepped(first, f.step, 0)
	case lines && d == "awk":
		return translation{cmd: "awk 'NR>=" + u64(first) + "'", note: awkNewlineNote}
	case lines:
		return translation{cmd: "tail -n +" + u64(first)}
	case d == "awk":
		return none(awkByteReason)
	}
	return translation{cmd: "tail -c +" + u64(first)}
}

func translateBounded(f form, lines bool, d string) translation {
	start, end, step := f.start.n, f.end.n, f.step
	if !lines && step > 1 {
		// A step that never reaches a second byte selects the one byte
		// at start.
		if end-start > step {
			return none(stepByteReason)
		}
		end, step = satAdd(start, 1), 1
	}
	first := satAdd(start, 1)
	switch {
	case step > 1:
		return awkStepped(first, step, end)
	case lines && d == "awk" && first == 1:
		return translation{cmd: "awk 'NR<=" + u64(end) + "'", note: awkNewlineNote}
	case lines && d == "awk":
		return translation{cmd: "awk 'NR>=" + u64(first) + " && NR<=" + u64(end) + "'", note: awkNewlineNote}
	case lines && start == 0:
		return translation{cmd: "head -n " + u64(end)}
	case lines && end == first:
		return translation{cmd: "sed -n '" + u64(first) + "p'"}
	case lines:
		return translation{cmd: "sed -n '" + u64(first) + "," + u64(end) + "p'"}
	case d == "awk":
		return none(awkByteReason)
	case start == 0 && (d == "bsd" || d == "gnu"):
		return translation{cmd: "head -c " + u64(end), note: headCNote}
	case start == 0:
		return translation{cmd: "dd bs=1 count=" + u64(end-start) + " 2>/dev/null"}
	}
	return translation{cmd: "dd bs=1 skip=" + u64(start) + " count=" + u64(end-start) + " 2>/dev/null"}
}

func translateLag(f form, lines bool, d string) translation {
	back := u64(f.end.n)
	switch {
	case f.start.n > 0:
		return none(lagStartReason)
	case f.step > 1:
		return none(lagStepReason)
	case lines && d == "awk":
		return none(awkTailReason)
	case lines && d == "gnu":
		return translation{cmd: "head -n -" + back}
	case lines && f.end.n == 1:
		return translation{cmd: "sed '$d'"}
	case lines:
		return none(dropLinesReason)
	case d == "awk":
		return none(awkByteReason)
	case d == "gnu":
		return translation{cmd: "head -c -" + back}
	}
	return none(dropBytesReason)
}

func translateReverse(f form, lines bool, d string) translation {
	switch {
	case !lines:
		return none(reverseBytesReason)
	case f.start != index{true, 1} || f.hasEnd:
		return none(reversePartReason)
	case f.step > 1:
		return none(reverseStepReason)
	case d == "gnu":
		return translation{cmd: "tac"}
	case d == "bsd":
		return translation{cmd: "tail -r"}
	case d == "posix":
		return none(reversePosixReason)
	}
	return none(awkTailReason)
}

func translateTail(f form, lines bool, d string) translation {
	back := u64(f.start.n)
	switch {
	case f.step > 1:
		return none(tailStepReason)
	case f.hasEnd:
		return none(tailBoundedReason)
	case lines && d == "awk":
		return none(awkTailReason)
	case lines:
		return translation{cmd: "tail -n " + back}
	case d == "awk":
		return none(awkByteReason)
	}
	return translation{cmd: "tail -c " + back}
}
