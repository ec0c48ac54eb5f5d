package closure

import (
	"errors"
	"strings"
)

// ErrMissing is what every MissingError is, for errors.Is.
var ErrMissing = errors.New("unresolved libraries")

// String says what is missing and who needs it, as an error or a report
// shows it: "libjq.so.1 (needed by /usr/bin/jq)".
func (m Missing) String() string {
	s := m.Soname + " (needed by " + strings.Join(m.NeededBy, ", ")
	if m.Reason != "" {
		s += ": " + m.Reason
	}
	return s + ")"
}

// MissingError is a program whose loader would not find libraries it
// needs: callers read which ones, and who needs each, from Missing.
type MissingError struct {
	// Root names the tree the libraries were looked for in, as the user
	// would name it.
	Root    string
	Missing []Missing
	// Hint says what the user can do about it, if anything.
	Hint string
}

func (e *MissingError) Error() string {
	parts := make([]string, len(e.Missing))
	for i, m := range e.Missing {
		parts[i] = m.String()
	}
	s := ErrMissing.Error() + " in " + e.Root + ": " + strings.Join(parts, "; ")
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}

// Is makes errors.Is(err, ErrMissing) true.
func (e *MissingError) Is(target error) bool { return target == ErrMissing }
