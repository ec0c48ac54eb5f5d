package slice

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// trycmdCase is one of the reference's trycmd snapshots
// (testdata/trycmd, copied from github.com/ChanTsune/slice tests/cmd):
// NAME.toml holds the arguments, the status and whether the output is
// binary; NAME.stdin, NAME.stdout and NAME.stderr hold the data, and the
// directory NAME.in, if any, is the working directory.
type trycmdCase struct {
	args   []string
	status int
	binary bool
}

// parseTrycmd reads the few keys the reference's snapshots use.
func parseTrycmd(t *testing.T, path string) trycmdCase {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c := trycmdCase{}
	for _, line := range strings.Split(string(data), "\n") {
		key, val, ok := strings.Cut(line, "=")
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		switch {
		case !ok && key == "":
		case key == "bin.name":
			if val != `"slice"` {
				t.Fatalf("%s: bin.name %s", path, val)
			}
		case key == "args":
			c.args = parseTOMLStrings(t, path, val)
		case key == "status.code":
			c.status, err = strconv.Atoi(val)
			if err != nil {
				t.Fatalf("%s: status.code %s", path, val)
			}
		case key == "binary" && val == "true":
			c.binary = true
		default:
			t.Fatalf("%s: unknown line %q", path, line)
		}
	}
	return c
}

// parseTOMLStrings parses a one-line TOML array of basic strings.
func parseTOMLStrings(t *testing.T, path, s string) []string {
	t.Helper()
	if !strings.HasPrefix(s, "[") || !strings.HasSuffix(s, "]") {
		t.Fatalf("%s: args %s: not an array", path, s)
	}
	s = strings.TrimSpace(s[1 : len(s)-1])
	var out []string
	for s != "" {
		if s[0] != '"' {
			t.Fatalf("%s: args: expected a string at %q", path, s)
		}
		var b strings.Builder
		i := 1
		for ; i < len(s) && s[i] != '"'; i++ {
			if s[i] == '\\' && i+1 < len(s) {
				i++
				switch s[i] {
				case 'n':
					b.WriteByte('\n')
				case 't':
					b.WriteByte('\t')
				case '"', '\\':
					b.WriteByte(s[i])
				default:
					t.Fatalf("%s: args: unsupported escape \\%c", path, s[i])
				}
				continue
			}
			b.WriteByte(s[i])
		}
		if i == len(s) {
			t.Fatalf("%s: args: unterminated string", path)
		}
		out = append(out, b.String())
		s = strings.TrimSpace(s[i+1:])
		s = strings.TrimSpace(strings.TrimPrefix(s, ","))
	}
	return out
}

// normalizeText is what trycmd does to text (not binary) output before
// comparing: CRLF becomes LF and backslashes become slashes (it takes them
// for Windows path separators), on both sides.
func normalizeText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, `\`, "/")
}

// trycmdMatch reports whether got matches the snapshot want under trycmd's
// rules: [EXE] is the executable suffix (none here), "[..]" matches any run
// of characters within a line, and a line "..." any number of whole lines.
func trycmdMatch(want, got string) bool {
	want = strings.ReplaceAll(want, "[EXE]", "")
	return matchLines(strings.SplitAfter(want, "\n"), strings.SplitAfter(got, "\n"))
}

func matchLines(want, got []string) bool {
	if len(want) == 0 {
		return len(got) == 0
	}
	if w := want[0]; w == "...\n" || w == "..." {
		for k := 0; k <= len(got); k++ {
			if matchLines(want[1:], got[k:]) {
				return true
			}
		}
		return false
	}
	return len(got) > 0 && matchGlob(want[0], got[0]) && matchLines(want[1:], got[1:])
}

// matchGlob matches one line against a pattern in which "[..]" stands for
// any characters other than a newline.
func matchGlob(pat, s string) bool {
	before, after, ok := strings.Cut(pat, "[..]")
	if !ok {
		return pat == s
	}
	if !strings.HasPrefix(s, before) {
		return false
	}
	s = s[len(before):]
	for i := 0; i <= len(s); i++ {
		if matchGlob(after, s[i:]) {
			return true
		}
		if i < len(s) && s[i] == '\n' {
			break
		}
	}
	return false
}

func TestTrycmdMatch(t *testing.T) {
	for _, c := range []struct {
		want, got string
		ok        bool
	}{
		{"a\n", "a\n", true},
		{"a\n", "a", false},
		{"a[..]c\n", "abbbc\n", true},
		{"a[..]c\n", "ac\n", true},
		{"a[..]c\n", "ab\nc\n", false},
		{"x\n...\ny\n", "x\n1\n2\ny\n", true},
		{"x\n...\ny\n", "x\ny\n", true},
		{"x\n...\ny\n", "x\n1\n", false},
		{"slice[EXE] [..]\n", "slice 0.6.0\n", true},
	} {
		if got := trycmdMatch(c.want, c.got); got != c.ok {
			t.Errorf("trycmdMatch(%q, %q) = %v, want %v", c.want, c.got, got, c.ok)
		}
	}
}

// TestReferenceTrycmd runs the reference's own CLI snapshots against the
// built binary, with standard input both as a pipe (as trycmd gives it) and
// as a regular file (which takes slice's seeking paths).
func TestReferenceTrycmd(t *testing.T) {
	tomls, err := filepath.Glob("testdata/trycmd/*.toml")
	if err != nil || len(tomls) == 0 {
		t.Fatalf("no snapshots in testdata/trycmd: %v", err)
	}
	for _, path := range tomls {
		name := strings.TrimSuffix(path, ".toml")
		t.Run(filepath.Base(name), func(t *testing.T) {
			c := parseTrycmd(t, path)
			stdin, _ := os.ReadFile(name + ".stdin")
			wantOut := readSnapshot(t, name+".stdout")
			wantErr := readSnapshot(t, name+".stderr")
			dir := t.TempDir()
			if st, err := os.Stat(name + ".in"); err == nil && st.IsDir() {
				if err := os.CopyFS(dir, os.DirFS(name+".in")); err != nil {
					t.Fatal(err)
				}
			}
			for _, asPipe := range []bool{true, false} {
				r := runSlice(t, dir, stdin, asPipe, c.args...)
				how := map[bool]string{true: "pipe", false: "file"}[asPipe]
				if r.code != c.status {
					t.Errorf("%s: slice %q: status %d, want %d; stderr:\n%s", how, c.args, r.code, c.status, r.stderr)
				}
				check := func(stream, want, got string) {
					ok := false
					if c.binary {
						ok = want == got
					} else {
						ok = trycmdMatch(normalizeText(want), normalizeText(got))
					}
					if !ok {
						t.Errorf("%s: slice %q: %s:\n%q\nwant:\n%q", how, c.args, stream, got, want)
					}
				}
				check("stdout", wantOut, r.stdout)
				check("stderr", wantErr, r.stderr)
			}
		})
	}
}

func readSnapshot(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
