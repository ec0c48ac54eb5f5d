// Package probe drives a program in a container so that it does the work
// it exists for, records what it answered, and compares the answers of two
// images (the original and its slimmed copy) byte for byte.
//
// A probe runs the image with arguments (exec), requests a page from the
// server it starts (http), talks to a port of it (tcp), runs a command
// inside its running container (cmd), runs a script on the host against
// it (script), or lets it run for a while (wait). The network probes run
// inside the container's own network namespace (see Inside). Probes know
// nothing of runtimes: the caller gives them a Target that runs the image.
//
// Smoke is the one smoke check of build and compare: run an image once in
// an engine.Engine and check its exit code and output.
package probe

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Kind names a kind of probe.
type Kind string

// The kinds of probes.
const (
	KindExec    Kind = "exec"    // run the image with arguments, to completion
	KindHTTP    Kind = "http"    // start the image, request a page on its 127.0.0.1
	KindTCP     Kind = "tcp"     // start the image, connect to a port, optionally send and expect
	KindCmd     Kind = "cmd"     // start the image, run a command inside its container
	KindScript  Kind = "script"  // start the image, run a script on the host
	KindWait    Kind = "wait"    // start the image, let it run a while
	KindDefault Kind = "default" // no probe given: the default command, for a bounded time
	KindOpenAPI Kind = "openapi" // start the image, GET an OpenAPI document, then each operation it allows
)

// Probe is one way to drive the program.
type Probe struct {
	Kind Kind `json:"kind"`
	// Args are the arguments of an exec probe, replacing the image's Cmd,
	// or the command a cmd probe runs inside the container.
	Args []string `json:"args,omitempty"`
	// Port and Path are where an http probe sends its GET request, or
	// the port a tcp probe connects to.
	Port int    `json:"port,omitempty"`
	Path string `json:"path,omitempty"`
	// Send is what a tcp probe sends once connected; Expect what it reads
	// until (the answer compared is everything up to its end). With no
	// Expect, the probe checks only that the port accepts.
	Send   []byte `json:"send,omitempty"`
	Expect []byte `json:"expect,omitempty"`
	// Script is the host file a script probe runs.
	Script string `json:"script,omitempty"`
	// Wait is how long a wait probe lets the program run, and how long
	// the default probe waits for it to end.
	Wait time.Duration `json:"wait,omitempty"`
	// Method, Header and Body make an http probe's request (a GET with
	// none by default). Status is the status the original must answer
	// (0: any below 500). Capture names values of the probe's JSON
	// answer, by JSON path, that later probes of the same run use as
	// ${NAME} in their path, headers and body (an id the server chose).
	Method  string            `json:"method,omitempty"`
	Header  map[string]string `json:"header,omitempty"`
	Body    []byte            `json:"request_body,omitempty"`
	Status  int               `json:"expect_status,omitempty"`
	Capture map[string]string `json:"capture,omitempty"`
	// From says where an http probe no one wrote came from: the page
	// whose link the crawler followed ("link in /"), or the OpenAPI
	// document that lists it.
	From string `json:"from,omitempty"`
}

// String names the probe as reports show it: "exec 'jq --version'",
// "http 80/", "tcp 6379", "cmd 'redis-cli ping'", "script check.sh",
// "wait 2s".
func (p Probe) String() string {
	switch p.Kind {
	case KindExec:
		return "exec '" + strings.Join(p.Args, " ") + "'"
	case KindHTTP:
		s := "http "
		if p.Method != "" && p.Method != "GET" {
			s += p.Method + " "
		}
		s += strconv.Itoa(p.Port) + p.Path
		if p.From != "" {
			s += " (" + p.From + ")"
		}
		return s
	case KindOpenAPI:
		if p.Script != "" {
			return "openapi " + p.Script
		}
		return "openapi " + strconv.Itoa(p.Port) + p.Path
	case KindTCP:
		return "tcp " + strconv.Itoa(p.Port)
	case KindCmd:
		return "cmd '" + strings.Join(p.Args, " ") + "'"
	case KindScript:
		return "script " + p.Script
	case KindWait:
		return "wait " + p.Wait.String()
	case KindDefault:
		return "default command"
	}
	return string(p.Kind)
}

// Service reports whether the probe needs the image's default command
// running in the background (all but exec).
func (p Probe) Service() bool { return p.Kind != KindExec }

// ParseCmd parses the ARGS of --probe-cmd, a command to run inside the
// running container, with the quoting rules of ParseExec.
func ParseCmd(s string) (Probe, error) {
	args, err := SplitWords(s)
	if err == nil && len(args) == 0 {
		err = errors.New("no command given")
	}
	if err != nil {
		return Probe{}, fmt.Errorf("probe cmd %q: %w", s, err)
	}
	return Probe{Kind: KindCmd, Args: args}, nil
}

// ParseTCP parses the PORT of --probe-tcp, with what to send and expect
// (Go escapes such as \r\n and \x00 are understood in both).
func ParseTCP(port, send, expect string) (Probe, error) {
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return Probe{}, fmt.Errorf("probe tcp %q: want a port from 1 to 65535", port)
	}
	p := Probe{Kind: KindTCP, Port: n}
	if p.Send, err = unescape(send); err != nil {
		return Probe{}, fmt.Errorf("probe tcp %d: --probe-send %q: %w", n, send, err)
	}
	if p.Expect, err = unescape(expect); err != nil {
		return Probe{}, fmt.Errorf("probe tcp %d: --probe-expect %q: %w", n, expect, err)
	}
	return p, nil
}

// unescape reads the Go escapes of s (\r, \n, \t, \\, \xHH, \uHHHH);
// other characters stand for themselves.
func unescape(s string) ([]byte, error) {
	var out []byte
	for len(s) > 0 {
		if s[0] == '"' {
			out, s = append(out, '"'), s[1:]
			continue
		}
		r, multi, tail, err := strconv.UnquoteChar(s, '"')
		if err != nil {
			return nil, errors.New("bad escape (want \\r, \\n, \\t, \\\\, \\xHH)")
		}
		if multi {
			out = append(out, string(r)...)
		} else {
			out = append(out, byte(r))
		}
		s = tail
	}
	return out, nil
}

// ParseExec parses the ARGS of --probe-exec with shell quoting rules
// ('single', "double", backslash), without expansion.
func ParseExec(s string) (Probe, error) {
	args, err := SplitWords(s)
	if err != nil {
		return Probe{}, fmt.Errorf("probe exec %q: %w", s, err)
	}
	return Probe{Kind: KindExec, Args: args}, nil
}

// ParseHTTP parses the PORT/PATH of --probe-http ("80/", "8080/healthz",
// or "80" for "80/").
func ParseHTTP(s string) (Probe, error) {
	port, p, _ := strings.Cut(s, "/")
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return Probe{}, fmt.Errorf("probe http %q: want PORT/PATH with a port from 1 to 65535", s)
	}
	return Probe{Kind: KindHTTP, Port: n, Path: "/" + p}, nil
}

// ParseScript makes a script probe of the host file name, which must be
// there: better said before any container runs.
func ParseScript(name string) (Probe, error) {
	if name == "" {
		return Probe{}, errors.New("probe script: no file given")
	}
	if fi, err := os.Stat(name); err != nil {
		return Probe{}, fmt.Errorf("probe script: %w", err)
	} else if !fi.Mode().IsRegular() {
		return Probe{}, fmt.Errorf("probe script %s: not a regular file", name)
	}
	return Probe{Kind: KindScript, Script: name}, nil
}

// ParseWait parses the DURATION of --probe-wait ("5s", "500ms").
func ParseWait(s string) (Probe, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return Probe{}, fmt.Errorf("probe wait %q: want a positive duration such as 5s", s)
	}
	return Probe{Kind: KindWait, Wait: d}, nil
}

// SplitWords splits s into words as a POSIX shell would, honouring single
// quotes, double quotes and backslashes, without any expansion.
func SplitWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, errors.New("unterminated single quote")
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`\n", s[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, errors.New("unterminated double quote")
			}
			inWord = true
		case c == '\\':
			if i+1 >= len(s) {
				return nil, errors.New("trailing backslash")
			}
			i++
			cur.WriteByte(s[i])
			inWord = true
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}
