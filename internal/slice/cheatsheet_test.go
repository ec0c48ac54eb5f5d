package slice

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The checks of the reference's 'cargo xtask check': every row of its
// cheatsheet (testdata/cheatsheet.toml, copied from its docs/) selects what
// the coreutils, sed, awk or dd recipe beside it prints, and every command
// --translate prints does what slice does.

type cheatRow struct {
	id, slice, verify, tools, run, sample, expect string
}

// parseCheatsheet reads the [[rows]] tables, whose values are one-line
// TOML basic strings.
func parseCheatsheet(t *testing.T) []cheatRow {
	t.Helper()
	data, err := os.ReadFile("testdata/cheatsheet.toml")
	if err != nil {
		t.Fatal(err)
	}
	var rows []cheatRow
	inRows := false
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "[") {
			inRows = line == "[[rows]]"
			if inRows {
				rows = append(rows, cheatRow{})
			}
			continue
		}
		key, val, ok := strings.Cut(line, " = ")
		if !inRows || !ok {
			continue
		}
		s := tomlBasic(t, val)
		r := &rows[len(rows)-1]
		switch key {
		case "id":
			r.id = s
		case "slice":
			r.slice = s
		case "verify":
			r.verify = s
		case "tools":
			r.tools = s
		case "run":
			r.run = s
		case "sample_input":
			r.sample = decodeEscapes(s)
		case "expect":
			r.expect = decodeEscapes(s)
		}
	}
	return rows
}

func tomlBasic(t *testing.T, v string) string {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		t.Fatalf("cheatsheet: not a basic string: %s", v)
	}
	r := strings.NewReplacer(`\\`, `\`, `\"`, `"`)
	return r.Replace(v[1 : len(v)-1])
}

// decodeEscapes is the cheatsheet's own escaping of sample data.
func decodeEscapes(s string) string {
	return strings.NewReplacer(`\n`, "\n", `\t`, "\t", `\r`, "\r", `\0`, "\x00", `\\`, `\`).Replace(s)
}

func shell(t *testing.T, cmd, in string) (string, error) {
	t.Helper()
	c := exec.Command("sh", "-c", cmd)
	c.Stdin = strings.NewReader(in)
	var out bytes.Buffer
	c.Stdout = &out
	err := c.Run()
	return out.String(), err
}

// isGNU reports whether head is GNU coreutils', as the 'gnu' rows need.
func isGNU() bool {
	out, err := exec.Command("head", "--version").Output()
	return err == nil && bytes.Contains(out, []byte("GNU coreutils"))
}

func TestReferenceCheatsheet(t *testing.T) {
	rows := parseCheatsheet(t)
	if len(rows) < 20 {
		t.Fatalf("cheatsheet: %d rows", len(rows))
	}
	gnu := isGNU()
	checked := 0
	for _, r := range rows {
		args := strings.Fields(r.slice)[1:]
		got := runSlice(t, t.TempDir(), []byte(r.sample), true, args...)
		if got.code != 0 {
			t.Errorf("%s: %s: status %d, %s", r.id, r.slice, got.code, got.stderr)
			continue
		}
		if r.verify == "slice-only" {
			if got.stdout != r.expect {
				t.Errorf("%s: %s: %q, want %q", r.id, r.slice, got.stdout, r.expect)
			}
			checked++
			continue
		}
		cmd := r.run
		if cmd == "" {
			cmd, _, _ = strings.Cut(r.tools, "  /  ")
		}
		if r.verify == "gnu" && !gnu {
			t.Logf("%s: skipped, head is not GNU coreutils'", r.id)
			continue
		}
		prog, _, _ := strings.Cut(cmd, " ")
		if _, err := exec.LookPath(prog); err != nil {
			t.Logf("%s: skipped, no %s", r.id, prog)
			continue
		}
		want, err := shell(t, cmd, r.sample)
		if err != nil {
			t.Errorf("%s: %s: %v", r.id, cmd, err)
			continue
		}
		if got.stdout != want {
			t.Errorf("%s: %s gives %q, %s gives %q", r.id, r.slice, got.stdout, cmd, want)
		}
		checked++
	}
	if checked < 15 {
		t.Errorf("only %d of %d cheatsheet rows checked", checked, len(rows))
	}
}

// translateCases are check.rs's TRANSLATE_CASES: a range, its mode flags
// and whether some dialect has a command for it.
var translateCases = []struct {
	rng      string
	flags    []string
	runnable bool
}{
	{":", nil, true}, {":5", nil, true}, {"1:5", nil, true}, {"3:8", nil, true}, {"6:7", nil, true},
	{"9:", nil, true}, {"-5:", nil, true}, {":-1", nil, true}, {":-3", nil, true}, {"::2", nil, true},
	{"1::2", nil, true}, {"1:6:2", nil, true}, {"1:7:2", nil, true}, {"5:+10", nil, true}, {"5:+-2", nil, true},
	{"5:3", nil, true},
	{":5", []string{"-b"}, true}, {"5:15", []string{"-b"}, true}, {"5:", []string{"-b"}, true},
	{"-5:", []string{"-b"}, true}, {":-1", []string{"-b"}, true}, {":-3", []string{"-b"}, true},
	{"6:7", []string{"-b"}, true}, {"5:6:2", []string{"-b"}, true}, {"5:7:2", []string{"-b"}, true},
	{":1:2", []string{"-b"}, true}, {"5:+10", []string{"-b"}, true}, {"5:+-2", []string{"-b"}, true},
	{"5:3", []string{"-b"}, true}, {"5:8:2", []string{"-b"}, false}, {"::2", []string{"-b"}, false},
	{":5", []string{"--delimiter", ""}, true}, {"5:6:2", []string{"--delimiter", ""}, true},
	{"5:15", []string{"--delimiter", ""}, true},
	{":5", []string{"--delimiter", ","}, false}, {"::2", []string{"--delimiter", ","}, false},
	{"5:3", []string{"--delimiter", ","}, false},
}

// TestReferenceTranslateParity runs each command --translate prints and
// compares its output with slice's, on the reference's inputs: ten lines
// with and without a final newline, or 20 binary bytes.
func TestReferenceTranslateParity(t *testing.T) {
	textTerm := "l0\nl1\nl2\nl3\nl4\nl5\nl6\nl7\nl8\nl9\n"
	inputs := map[string]string{"text-term": textTerm, "text-noterm": strings.TrimSuffix(textTerm, "\n")}
	binary := map[string]string{"binary": "\x00\x01\x80\xff\x0a\x41\x42\x00\xfe\x7f\x10\x20\x99\xaa\xbb\xcc\xdd\x05\x80\x01"}
	dir := t.TempDir()
	ran := 0
	for _, c := range translateCases {
		ins := inputs
		if len(c.flags) > 0 && (c.flags[0] == "-b" || c.flags[1] == "") {
			ins = binary
		}
		emitted := false
		for _, d := range Dialects {
			args := append(append([]string{}, c.flags...), "--translate="+d, "--", c.rng)
			out := runSlice(t, dir, nil, true, args...)
			lines := strings.Split(strings.TrimSuffix(out.stdout, "\n"), "\n")
			if out.code != 0 || strings.HasPrefix(out.stdout, "# no equivalent: ") && len(lines) == 1 {
				continue
			}
			if len(lines) != 2 || !strings.HasPrefix(lines[0], "# ") || strings.HasPrefix(lines[1], "#") {
				t.Errorf("slice %q: output %q is not a comment and a command", args, out.stdout)
				continue
			}
			if !c.runnable {
				t.Errorf("slice %q: printed %q where no command fits", args, lines[1])
			}
			emitted = true
			cmd := lines[1]
			for label, in := range ins {
				if strings.HasPrefix(cmd, "awk") && label != "text-term" {
					continue // awk ends an unterminated line, as its note says
				}
				want := runSlice(t, dir, []byte(in), true, append(append([]string{}, c.flags...), "--", c.rng)...).stdout
				got, err := shell(t, cmd, in)
				if err != nil {
					t.Errorf("%s (for slice %q) on %s: %v", cmd, args, label, err)
					continue
				}
				if got != want {
					t.Errorf("%s on %s gives %q, slice %s %q gives %q", cmd, label, got, c.flags, c.rng, want)
				}
				ran++
			}
		}
		if c.runnable && !emitted {
			t.Errorf("slice %s --translate %s: no dialect has a command", c.flags, c.rng)
		}
	}
	if ran < 40 {
		t.Errorf("only %d translated commands run", ran)
	}
}
