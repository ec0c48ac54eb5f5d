// Package trace is diet's sensor: it runs a program under ptrace, follows
// every process and thread it starts, and records every path the program
// touches (opened, executed, stat'ed, read as a link, listed, created in),
// whether the call succeeded or not. A failed open matters as much as a
// successful one: the program may look for a file that the image holds
// elsewhere, and the slimmed image must fail the same way.
//
// The sensor runs inside the container, as diet's own static binary started
// with the hidden `diet sensor` command, so the paths it records are the
// paths the program sees.
package trace

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"sync"
	"syscall"
)

// Op says what the program did with a path.
type Op string

// The operations the sensor records.
const (
	OpOpen     Op = "open"     // opened for reading
	OpWrite    Op = "write"    // opened for writing, truncated or had its times or modes changed
	OpCreate   Op = "create"   // created (a file, directory, link, node or rename target): its directory is written into
	OpExec     Op = "exec"     // executed
	OpStat     Op = "stat"     // stat'ed or checked with access
	OpReadlink Op = "readlink" // read as a symlink
	OpList     Op = "list"     // listed with getdents
	OpChdir    Op = "chdir"    // made the working directory
	OpRemove   Op = "remove"   // unlinked, removed or renamed away
)

// Event is one thing the program did to one path. Path is absolute and
// lexically clean, as the program saw it (symlinks not resolved).
type Event struct {
	Path string `json:"path"`
	Op   Op     `json:"op"`
	OK   bool   `json:"ok"`
	// By is the program (its executable, as /proc/PID/exe names it) that
	// changed the file system, for successful create, write and remove
	// events: who keeps state where.
	By string `json:"by,omitempty"`
}

// recorder keeps each distinct event once and, when given a writer, writes
// every new one at once as a JSON line, so that the record survives a
// sensor killed without warning.
type recorder struct {
	mu    sync.Mutex
	seen  map[Event]bool
	calls map[Call]bool
	w     io.Writer
	err   error
}

func newRecorder(w io.Writer) *recorder {
	return &recorder{seen: make(map[Event]bool), calls: make(map[Call]bool), w: w}
}

func (r *recorder) add(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen[e] {
		return
	}
	r.seen[e] = true
	r.write(e)
}

// addCall records a system call: a line of its own in the record, which
// ReadRecord skips (it names no path) and ReadCalls reads.
func (r *recorder) addCall(c Call) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.calls[c] {
		return
	}
	r.calls[c] = true
	r.write(c)
}

func (r *recorder) write(v any) {
	if r.w == nil || r.err != nil {
		return
	}
	b, _ := json.Marshal(v)
	b = append(b, '\n')
	if _, err := r.w.Write(b); err != nil {
		r.err = err
	}
}

func (r *recorder) callList() []Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Call
	for c := range r.calls {
		out = append(out, c)
	}
	SortCalls(out)
	return out
}

func (r *recorder) events() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Event, 0, len(r.seen))
	for e := range r.seen {
		out = append(out, e)
	}
	SortEvents(out)
	return out
}

// SortEvents sorts events by path, then op, then failures first.
func SortEvents(evs []Event) {
	sort.Slice(evs, func(i, j int) bool {
		a, b := evs[i], evs[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.Op != b.Op {
			return a.Op < b.Op
		}
		return !a.OK && b.OK
	})
}

// maxRecordLine bounds one line of a record file; a record comes from a
// container and is not trusted.
const maxRecordLine = 64 << 10

// ReadRecord reads a record written by the sensor (JSON lines), merging
// duplicates; it returns the events sorted.
func ReadRecord(r io.Reader) ([]Event, error) {
	out, err := readLines(r, func(e Event) bool { return e.Path != "" && e.Path[0] == '/' })
	if err != nil {
		return nil, err
	}
	SortEvents(out)
	return out, nil
}

// readLines reads the JSON lines of a record that decode as a T and
// that keep takes, each once. A line that does not decode is skipped:
// the last may be cut short when the sensor was killed, and the record
// holds lines of other kinds (path events, calls).
func readLines[T comparable](r io.Reader, keep func(T) bool) ([]T, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxRecordLine)
	seen := map[T]bool{}
	var out []T
	line := 0
	for sc.Scan() {
		line++
		var v T
		if len(sc.Bytes()) == 0 || json.Unmarshal(sc.Bytes(), &v) != nil || seen[v] || !keep(v) {
			continue
		}
		seen[v] = true
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading trace record line %d: %w", line+1, err)
	}
	return out, nil
}

// maxRecord bounds a record file.
const maxRecord = 256 << 20

// ReadRecordFile reads the record file at name. The file was written from
// inside a container, by whatever the image runs: it must be a regular
// file, not a symlink planted to make diet read a host file, and is read
// up to a bound.
func ReadRecordFile(name string) ([]Event, error) {
	return readRecordFile(name, ReadRecord)
}

// readRecordFile opens a record file with that care and reads it with
// read.
func readRecordFile[T any](name string, read func(io.Reader) (T, error)) (T, error) {
	var zero T
	f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return zero, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return zero, err
	}
	if !fi.Mode().IsRegular() {
		return zero, fmt.Errorf("trace record %s is not a regular file", name)
	}
	return read(io.LimitReader(f, maxRecord))
}
