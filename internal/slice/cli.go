package slice

import (
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// Main runs slice with args (without the program name) and returns the
// exit status.
func Main(args []string, stdin *os.File, stdout io.Writer, stderr io.Writer) int {
	if f, ok := stdout.(*os.File); ok {
		stdout = fdWriter(f.Fd())
	}
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
		return writeOut(stdout, stderr, Generate(c.Generate))
	case c.Explain:
		return writeOut(stdout, stderr, Explain(c.Range, c.Opts))
	case c.Translate != "":
		return writeOut(stdout, stderr, Translate(c.Range, c.Opts, c.Translate))
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
	writeFailed := false
	// stop reports whether to skip the remaining inputs.
	stop := func(name string, err error) bool {
		var we *WriteError
		if errors.As(err, &we) {
			writeFailed = true
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
	if err := w.Flush(); err != nil && !errors.Is(err, syscall.EPIPE) && !writeFailed {
		fail("", &WriteError{err})
	}
	return status
}

// writeOut writes a whole answer (--generate, --explain, --translate) and
// reports a failure to write it as the reference does: on stderr with
// status 1, except a broken pipe, which is the reader going away (status 0).
func writeOut(stdout, stderr io.Writer, s string) int {
	_, err := io.WriteString(stdout, s)
	if err == nil || errors.Is(err, syscall.EPIPE) {
		return 0
	}
	io.WriteString(stderr, "slice: "+reason(err)+"\n")
	return 1
}

// reason is an error as the reference prints it: the system's message and
// number, without Go's "open PATH:" prefix.
func reason(err error) string {
	prefix := ""
	var we *WriteError
	if errors.As(err, &we) {
		prefix = "write error: "
	}
	var en syscall.Errno
	if errors.As(err, &en) {
		s := en.Error()
		if s != "" {
			s = strings.ToUpper(s[:1]) + s[1:]
		}
		return prefix + s + " (os error " + strconv.Itoa(int(en)) + ")"
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return prefix + pe.Err.Error()
	}
	return err.Error()
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
