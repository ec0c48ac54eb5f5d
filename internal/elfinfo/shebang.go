package elfinfo

import (
	"bytes"
	"io"
)

// shebangBuf is the size of the buffer Linux reads a #! line into
// (BINPRM_BUF_SIZE).
const shebangBuf = 256

// ParseShebang reads the #! line at the start of r and splits it the way
// Linux does (fs/binfmt_script.c): the interpreter is the first word
// after "#!" (words end at a space, tab or NUL), and everything after it
// up to the end of the line, trailing blanks removed, is one optional
// argument, spaces included. Only the first 256 bytes count; a line
// longer than that keeps its argument truncated, but ok is false when
// the interpreter itself might be cut. A carriage return is part of the
// line, as it is for the kernel.
func ParseShebang(r io.ReaderAt) (interp, arg string, ok bool) {
	buf := make([]byte, shebangBuf) // zero-padded past the end of the file, as in the kernel
	n, _ := r.ReadAt(buf, 0)
	if n < 2 || buf[0] != '#' || buf[1] != '!' {
		return "", "", false
	}
	spacetab := func(c byte) bool { return c == ' ' || c == '\t' }
	// nextNonSpacetab and nextTerminator scan buf[first:last] inclusive,
	// like their kernel namesakes; -1 means not found.
	nextNonSpacetab := func(first, last int) int {
		for ; first <= last; first++ {
			if !spacetab(buf[first]) {
				return first
			}
		}
		return -1
	}
	nextTerminator := func(first, last int) int {
		for ; first <= last; first++ {
			if spacetab(buf[first]) || buf[first] == 0 {
				return first
			}
		}
		return -1
	}
	bufEnd := shebangBuf - 1
	iEnd := bytes.IndexByte(buf, '\n')
	if iEnd < 0 {
		iEnd = nextNonSpacetab(2, bufEnd)
		if iEnd < 0 {
			return "", "", false // only blanks
		}
		if nextTerminator(iEnd, bufEnd) < 0 {
			return "", "", false // the interpreter may be truncated
		}
		iEnd = bufEnd
	}
	for spacetab(buf[iEnd-1]) {
		iEnd--
	}
	iName := nextNonSpacetab(2, iEnd)
	if iName < 0 || iName == iEnd {
		return "", "", false
	}
	iArg := -1
	iSep := nextTerminator(iName, iEnd)
	if iSep >= 0 && buf[iSep] != 0 {
		iArg = nextNonSpacetab(iSep, iEnd)
	}
	buf[iEnd] = 0
	if iSep >= 0 {
		buf[iSep] = 0
	}
	interp = cString(buf[iName:])
	if interp == "" {
		return "", "", false // "#!" then NUL: the kernel fails to open ""
	}
	if iArg >= 0 {
		arg = cString(buf[iArg:])
	}
	return interp, arg, true
}

func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}
