package slice

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// binary is slice built once for the tests that run it as a program.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "slice-test")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "slice")
	build := exec.Command("go", "build", "-o", binary, "github.com/dietimg/diet/cmd/slice")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		os.RemoveAll(dir)
		panic("building slice: " + err.Error())
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	stdout, stderr string
	code           int
}

// runSlice runs the binary in dir with stdin read from a regular file
// (asPipe false) or from a pipe.
func runSlice(t *testing.T, dir string, stdin []byte, asPipe bool, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	if asPipe {
		cmd.Stdin = bytes.NewReader(stdin) // exec copies it through a pipe
	} else {
		p := filepath.Join(t.TempDir(), "stdin")
		if err := os.WriteFile(p, stdin, 0o644); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		cmd.Stdin = f
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running slice: %v", err)
	}
	return result{out.String(), errb.String(), code}
}

func lines(prefix string, n int, sep string) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(prefix + string(rune('0'+i)) + sep)
	}
	return b.String()
}

const usageHelp = "\n\nUsage: slice [OPTIONS] <RANGE> [FILES]...\n\nFor more information, try '--help'.\n"

const rangeHelp = "\n\nFor more information, try '--help'.\n"

func badRange(arg, msg string) string {
	return "error: invalid value '" + arg + "' for '<RANGE>': " + msg + rangeHelp
}

// TestSpecExamples runs every example row of the specification through the
// binary, with standard input from a regular file and from a pipe.
func TestSpecExamples(t *testing.T) {
	L5 := lines("line", 5, "\n")
	L10 := lines("line", 10, "\n")
	A5 := "a\nb\nc\nd\ne\n"
	tests := []struct {
		args   string
		in     string
		out    string
		code   int
		stderr string
	}{
		{args: "1:3", in: L5, out: "line1\nline2\n"},
		{args: "2:", in: L5, out: "line2\nline3\nline4\n"},
		{args: ":3", in: L5, out: "line0\nline1\nline2\n"},
		{args: "1:5:2", in: L5, out: "line1\nline3\n"},
		{args: "::2", in: L5, out: "line0\nline2\nline4\n"},
		{args: "2:2", in: L5},
		{args: "3:1", in: L5},
		{args: "10:20", in: L5},
		{args: "1:+2", in: L5, out: "line1\nline2\n"},
		{args: "2:+-1", in: L5, out: "line1\nline2\n"},
		{args: "-2:", in: A5, out: "d\ne\n"},
		{args: ":-2", in: A5, out: "a\nb\nc\n"},
		{args: "-4:-1", in: A5, out: "b\nc\nd\n"},
		{args: "1:-1", in: A5, out: "b\nc\nd\n"},
		{args: "-3:4", in: A5, out: "c\nd\n"},
		{args: "2:-5", in: A5},
		{args: ":-100", in: A5},
		{args: ":-0", in: A5},
		{args: "-100:", in: A5, out: A5},
		{args: "-0:", in: A5, out: A5},
		{args: "1:-1:2", in: A5, out: "b\nd\n"},
		{args: "-4::2", in: A5, out: "b\nd\n"},
		{args: ":-2", in: "a\nb\nc\nd\ne", out: "a\nb\nc\n"},
		{args: "-2:", in: "a\nb\nc\nd\ne", out: "d\ne"},
		{args: "::-1", in: L10, out: "line9\nline8\nline7\nline6\nline5\nline4\nline3\nline2\nline1\nline0\n"},
		{args: "5:1:-1", in: L10, out: "line5\nline4\nline3\nline2\n"},
		{args: "9:0:-2", in: L10, out: "line9\nline7\nline5\nline3\nline1\n"},
		{args: "::-2", in: L10, out: "line9\nline7\nline5\nline3\nline1\n"},
		{args: "1:5:-1", in: L10},
		{args: "5:5:-1", in: L10},
		{args: "9:-1:-1", in: L10},
		{args: "0::-1", in: L10, out: "line0\n"},
		{args: "3::-1", in: L10, out: "line3\nline2\nline1\nline0\n"},
		{args: "::-100", in: L10, out: "line9\n"},
		{args: "::-1", in: "line0\nline1\nline2", out: "line2\nline1\nline0"},
		{args: "::-1", in: "abc", out: "abc"},
		{args: "1:3", in: "a\n\n\nb\n", out: "\n\n"},
		{args: "1:3", in: strings.ReplaceAll(L5, "\n", "\r\n"), out: "line1\r\nline2\r\n"},
		{args: "4:", in: "l0\nl1\nl2\nl3\nl4", out: "l4"},
		{args: "::2", in: "a\nb\nc", out: "a\nc"},
		{args: "1::2", in: "a\nb\nc", out: "b\n"},
		{args: "::", in: ""},
		{args: ":-1", in: ""},
		{args: "-3:", in: ""},
		{args: "::-1", in: ""},
		{args: "-b 0:5", in: L5, out: "line0"},
		{args: "-c 0:5", in: L5, out: "line0"},
		{args: "-c 1:+3", in: L5, out: "ine"},
		{args: "-c ::6", in: L5, out: "lllll"},
		{args: "-b :-3", in: "abcdefghij", out: "abcdefg"},
		{args: "-b -5:", in: "abcdefghij", out: "fghij"},
		{args: "-c 2:-2:2", in: "abcdefghij", out: "ceg"},
		{args: "-b 5:1:-1", in: "abcdefgh", out: "fedc"},
		{args: "-c 1:8:2", in: "abcdefgh", out: "bdfh"},
		{args: "-b ::-1", in: "\x00\x01\xff\xfe\x80", out: "\x80\xfe\xff\x01\x00"},
		{args: "-c :4", in: "caf\xc3\xa9\n", out: "caf\xc3"},
		{args: "-c ::2", in: "caf\xc3\xa9\n", out: "cf\xa9"},
		{args: "--delimiter||1:4", in: "abcdef", out: "bcd"},
		{args: "--delimiter , 0:2", in: "a,b,c,d,", out: "a,b,"},
		{args: "--delimiter , ::-1", in: "a,b,c,d,", out: "d,c,b,a,"},
		{args: "--delimiter|, |0:2", in: "a, b, c", out: "a, b, "},
		{args: "--delimiter , ::-1", in: "a,b,c", out: "c,b,a"},
		{args: `--delimiter \t -e 0:2`, in: "x\ty\tz", out: "x\ty\t"},
		{args: "-z 1:3", in: "a\x00b\x00c\x00d\x00", out: "b\x00c\x00"},
		{args: "-z ::3", in: "a\x00b\x00c\x00d\x00", out: "a\x00d\x00"},
		{args: "-z ::-1", in: "a\x00b\x00c", out: "c\x00b\x00a"},
		{args: "--chars 1:3", in: "あいうえお", out: "いう"},
		{args: "--chars -2:", in: "あいうえお", out: "えお"},
		{args: "--chars ::-1", in: "あいうえお", out: "おえういあ"},
		{args: "--graphemes 1:3", in: "a👨‍👩‍👧b🇯🇵c", out: "👨‍👩‍👧b"},
		{args: "--graphemes ::2", in: "a👨‍👩‍👧b🇯🇵c", out: "abc"},
		{args: "--graphemes ::-1", in: "a👨‍👩‍👧b🇯🇵c", out: "c🇯🇵b👨‍👩‍👧a"},
		{args: "--graphemes -2:", in: "ab\r\n", out: "b\r\n"},
		{args: "--max-record-size 3 -1:", in: "abcd\n", code: 1,
			stderr: "slice: record exceeds --max-record-size=3 bytes in line/delimiter/grapheme mode; use --max-record-size=unlimited to allow larger records\n"},
		{args: "--max-record-size 5 -2:", in: "0123456789\na\nb\n", code: 1,
			stderr: "slice: record exceeds --max-record-size=5 bytes in line/delimiter/grapheme mode; use --max-record-size=unlimited to allow larger records\n"},
		{args: "--max-record-size 5 -2:", in: "012\na\nb\n", out: "a\nb\n"},
		{args: "--max-record-size 5 :-1:2", in: "a\n0123456789\nb\nc\n", code: 1,
			stderr: "slice: record exceeds --max-record-size=5 bytes in line/delimiter/grapheme mode; use --max-record-size=unlimited to allow larger records\n"},
		{args: "--max-record-size 1 --chars -2:", in: "あいう", out: "いう"},
		{args: "3", code: 2, stderr: badRange("3", "range requires a ':' separator (e.g. '3:4', '3:', or ':3')")},
		{args: "a:1", code: 2, stderr: badRange("a:1", "invalid start value 'a': invalid digit found in string")},
		{args: "1:5:x", code: 2, stderr: badRange("1:5:x", "invalid step value 'x': invalid digit found in string")},
		{args: "1:2:3:4", code: 2, stderr: badRange("1:2:3:4", "too many ':' separators in range (expected at most start:end:step)")},
		{args: "::0", code: 2, stderr: badRange("::0", "invalid step value '0': number would be zero for non-zero type")},
		{args: "::-0", code: 2, stderr: badRange("::-0", "invalid step value '-0': number would be zero for non-zero type")},
		{args: "-:", code: 2, stderr: badRange("-:", "invalid start value '-': invalid digit found in string")},
		{args: "1:+", code: 2, stderr: badRange("1:+", "a relative end ('+' or '+-') requires a count (e.g. '5:+3' or '5:+-3')")},
		{args: "1:+2:-1", code: 2, stderr: badRange("1:+2:-1", "a negative step cannot be combined with a relative end ('+' or '+-')")},
		{args: "--bogus", code: 2, stderr: badRange("--bogus", "invalid start value '--bogus': invalid digit found in string")},
		{args: "-l -c ::", code: 2, stderr: "error: the argument '-l' cannot be used with '--bytes'\n\nUsage: slice -l <RANGE> [FILES]...\n\nFor more information, try '--help'.\n"},
		{args: "--io-buffer-size 0 ::", code: 2, stderr: "error: invalid value '0' for '--io-buffer-size <IO_BUFFER_SIZE>': 0 is not allowed" + rangeHelp},
		{args: "--max-record-size 0 ::", code: 2, stderr: "error: invalid value '0' for '--max-record-size <SIZE|unlimited>': 0 is not allowed" + rangeHelp},
		{args: `--delimiter \q -e ::`, code: 2, stderr: "error: unknown escape sequence `\\q`" + usageHelp},
		{args: `--delimiter a\ -e ::`, code: 2, stderr: "error: trailing backslash in delimiter" + usageHelp},
		{args: `--delimiter \xZZ -e ::`, code: 2, stderr: "error: invalid hex escape `\\xZZ`" + usageHelp},
		{args: "-e ::", code: 2, stderr: "error: the following required arguments were not provided:\n  --delimiter <DELIMITER>\n\nUsage: slice --escape --delimiter <DELIMITER> <RANGE> [FILES]...\n\nFor more information, try '--help'.\n"},
		{args: "--explain --translate 1:2", code: 2, stderr: "error: the argument '--explain' cannot be used with '--translate[=<DIALECT>]'\n\nUsage: slice --explain <RANGE> [FILES]...\n\nFor more information, try '--help'.\n"},
		{args: "--generate man 1:2", code: 2, stderr: "error: the argument '--generate <KIND>' cannot be used with one or more of the other specified arguments\n\nUsage: slice [OPTIONS] <RANGE> [FILES]...\n\nFor more information, try '--help'.\n"},
		{args: "-q", code: 2, stderr: "error: the following required arguments were not provided:\n  <RANGE>\n\nUsage: slice -q <RANGE> [FILES]...\n\nFor more information, try '--help'.\n"},
		{args: "1:2 --bogus", code: 2, stderr: "error: unexpected argument '--bogus' found\n\n  tip: to pass '--bogus' as a value, use '-- --bogus'\n\nUsage: slice [OPTIONS] <RANGE> [FILES]...\n\nFor more information, try '--help'.\n"},
		{args: "--translate=sed 1:2", code: 2, stderr: "error: invalid value 'sed' for '--translate[=<DIALECT>]'\n  [possible values: posix, bsd, gnu, awk, all]\n\nFor more information, try '--help'.\n"},
		{args: "1:2 --delimiter", code: 2, stderr: "error: a value is required for '--delimiter <DELIMITER>' but none was supplied\n\nFor more information, try '--help'.\n"},
		{args: "-q -- -2:", in: A5, out: "d\ne\n"},
		{args: "--version", out: "slice " + Version + "\n"},
		{args: "-b 500000000:+100", in: L5},
		{args: "--io-buffer-size 1B -2:", in: A5, out: "d\ne\n"},
		{args: "--io-buffer-size 8KB --max-record-size unlimited ::-1", in: "a\nb", out: "b\na"},
	}
	for _, tc := range tests {
		// '|' separates arguments that contain spaces or are empty.
		sep := " "
		if strings.Contains(tc.args, "|") {
			sep = "|"
		}
		args := strings.Split(tc.args, sep)
		for _, pipe := range []bool{false, true} {
			got := runSlice(t, t.TempDir(), []byte(tc.in), pipe, args...)
			if got.stdout != tc.out || got.code != tc.code || got.stderr != tc.stderr {
				t.Errorf("slice %s < %q (pipe %v):\n got stdout %q, status %d, stderr %q\nwant stdout %q, status %d, stderr %q",
					tc.args, tc.in, pipe, got.stdout, got.code, got.stderr, tc.out, tc.code, tc.stderr)
			}
		}
	}
}

// TestFiles covers headers, -q, missing files and directories.
func TestFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.txt", lines("line", 5, "\n"))
	write("b.txt", "apple\nbanana\ncherry\ndate\nelder\n")
	write("c.txt", "x\ny")
	if err := os.Mkdir(filepath.Join(dir, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args         []string
		out, errText string
		code         int
	}{
		{[]string{"1:3", "a.txt", "b.txt"}, "==> a.txt <==\nline1\nline2\n==> b.txt <==\nbanana\ncherry\n", "", 0},
		{[]string{"-q", "0:1", "a.txt", "b.txt"}, "line0\napple\n", "", 0},
		{[]string{"0:1", "a.txt", "missing.txt", "c.txt"}, "==> a.txt <==\nline0\n==> c.txt <==\nx\n",
			"slice: missing.txt: No such file or directory (os error 2)\n", 1},
		{[]string{"-1:", "c.txt", "a.txt"}, "==> c.txt <==\ny==> a.txt <==\nline4\n", "", 0},
		{[]string{"9:", "a.txt", "b.txt"}, "==> a.txt <==\n==> b.txt <==\n", "", 0},
		{[]string{"::", "d", "c.txt"}, "==> d <==\n==> c.txt <==\nx\ny", "slice: d: Is a directory (os error 21)\n", 1},
		{[]string{"::", "-"}, "", "slice: -: No such file or directory (os error 2)\n", 1},
		{[]string{"-q", "::-1", "c.txt", "c.txt"}, "y\nxy\nx", "", 0},
	}
	for _, tc := range tests {
		got := runSlice(t, dir, nil, true, tc.args...)
		if got.stdout != tc.out || got.stderr != tc.errText || got.code != tc.code {
			t.Errorf("slice %q:\n got %q, %q, status %d\nwant %q, %q, status %d",
				tc.args, got.stdout, got.stderr, got.code, tc.out, tc.errText, tc.code)
		}
	}
}

// TestWriteError: a full disk is reported once, with status 1.
func TestWriteError(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full: %v", err)
	}
	defer full.Close()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a"), []byte("a\nb\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"::", "a"}, {"::", "a", "missing"}, {"--explain", "1:3"}, {"--generate", "man"}} {
		cmd := exec.Command(binary, args...)
		cmd.Dir = dir
		cmd.Stdout = full
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 ||
			strings.Count(stderr.String(), "No space left on device (os error 28)\n") != 1 {
			t.Errorf("slice %q > /dev/full: %v, stderr %q", args, err, stderr.String())
		}
	}
}

// TestSpecialInputs reads a FIFO and /dev/stdin.
func TestSpecialInputs(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	go func() {
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err == nil {
			f.WriteString(lines("line", 10, "\n"))
			f.Close()
		}
	}()
	if got := runSlice(t, dir, nil, true, "-3::-1", "fifo"); got.stdout != "line7\nline6\nline5\nline4\nline3\nline2\nline1\nline0\n" || got.code != 0 {
		t.Errorf("slice -3::-1 fifo: %+v", got)
	}
	for _, pipe := range []bool{false, true} {
		if got := runSlice(t, dir, []byte(lines("line", 10, "\n")), pipe, "-2:", "/dev/stdin"); got.stdout != "line8\nline9\n" || got.code != 0 {
			t.Errorf("slice -2: /dev/stdin (pipe %v): %+v", pipe, got)
		}
	}
}

// TestBrokenPipe: 'slice :: big | head -1' stops quietly with status 0.
func TestBrokenPipe(t *testing.T) {
	big := filepath.Join(t.TempDir(), "big")
	if err := os.WriteFile(big, bytes.Repeat([]byte("a fairly long line of text\n"), 1<<18), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"::", big}, {"::-1", big}, {"-q", "::", big, big, big}} {
		cmd := exec.Command(binary, args...)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(out).ReadString('\n')
		if err != nil || line != "a fairly long line of text\n" {
			t.Errorf("first line %q, %v", line, err)
		}
		out.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err = <-done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			t.Fatal("slice did not stop after its reader went away")
		}
		if err != nil || stderr.Len() > 0 {
			t.Errorf("slice %q | head -1: %v, stderr %q; want status 0 and no message", args[0], err, stderr.String())
		}
	}
}

// TestNoInputRead: --explain, --translate, --generate, --help print and
// exit 0; no arguments prints the help on stderr with status 2.
func TestNoInputRead(t *testing.T) {
	dir := t.TempDir()
	if got := runSlice(t, dir, nil, true); got.code != 2 || got.stdout != "" || got.stderr != Help {
		t.Errorf("slice without arguments: status %d, stdout %q", got.code, got.stdout)
	}
	if got := runSlice(t, dir, nil, true, "--help"); got.code != 0 || got.stdout != Help {
		t.Errorf("slice --help: status %d", got.code)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--explain", "-10:"}, "count: at most 10\n"},
		{[]string{"--explain", "1:3"}, "1-based: from the 2nd line to the 3rd line\ncount: 2\n"},
		{[]string{"--explain", "-b", "::-2"}, "step:  -2 (reverse)\n"},
		{[]string{"--translate=gnu", "-10:", "f"}, "# gnu\ntail -n 10\n"},
		{[]string{"--translate=posix", "5000000:5000010"}, "sed -n '5000001,5000010p'\n"},
		{[]string{"--translate=gnu", "::2"}, "sed -n '1~2p'\n"},
		{[]string{"--translate=awk", "::2"}, "\nawk 'NR%2==1'\n"},
		{[]string{"--translate", "::-1"}, "# " + NativeDialect() + "\n"},
		{[]string{"--translate=posix", "-b", "500000000:+100", "F"}, "# posix\ndd bs=1 skip=500000000 count=100 2>/dev/null\n"},
		{[]string{"--generate", "man"}, ".SH SYNOPSIS"},
		{[]string{"--generate", "complete-bash"}, "complete -F _slice"},
		{[]string{"--generate", "complete-zsh"}, "#compdef slice"},
		{[]string{"--generate", "complete-fish"}, "complete -c slice -s b -l bytes"},
		{[]string{"--generate", "complete-powershell"}, "Register-ArgumentCompleter"},
	}
	for _, tc := range tests {
		got := runSlice(t, dir, nil, true, tc.args...)
		if got.code != 0 || !strings.Contains(got.stdout, tc.want) {
			t.Errorf("slice %q: status %d, stdout %q, stderr %q; want %q in stdout", tc.args, got.code, got.stdout, got.stderr, tc.want)
		}
	}
	if got := runSlice(t, dir, nil, true, "--translate=posix", ":-2"); got.code != 0 ||
		got.stdout != "# no equivalent: no POSIX single command drops the last N lines; GNU has `head -n -N`\n" {
		t.Errorf("slice --translate=posix :-2: %+v", got)
	}
}

// TestEmptyRangeReadsNothing: a range that selects nothing whatever the
// input's length ends at once, even on an endless input ('yes | slice
// -3:-3'), and still prints the headers of several files.
func TestEmptyRangeReadsNothing(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a", "b"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x\ny\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, rng := range []string{"-3:-3", "-2:-5", "-5:0", "-5:+0", "1:5:-1", "5:5:-1", "-5:-2:-1", "9:-1:-1", "5:3", ":0", ":-0", "-1:-1:-1", "-2:-1:-1"} {
		for _, mode := range [][]string{nil, {"-b"}, {"--chars"}, {"--graphemes"}, {"-z"}, {"--delimiter", "ab"}} {
			args := append(append([]string{}, mode...), "--", rng)
			cmd := exec.Command(binary, args...)
			endless, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			go func() {
				y := bytes.Repeat([]byte("y\n"), 4096)
				for {
					if _, err := endless.Write(y); err != nil {
						return
					}
				}
			}()
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err = <-done:
			case <-time.After(time.Second):
				cmd.Process.Kill()
				<-done
				t.Errorf("slice %q on an endless input: still running after a second", args)
				continue
			}
			endless.Close()
			if err != nil || out.Len() > 0 {
				t.Errorf("slice %q on an endless input: %v, output %q; want status 0 and no output", args, err, out.String())
			}
		}
		got := runSlice(t, dir, nil, true, "--", rng, "a", "missing", "b")
		if want := "==> a <==\n==> b <==\n"; got.stdout != want || got.code != 1 || !strings.Contains(got.stderr, "slice: missing: ") {
			t.Errorf("slice %s a missing b: %+v, want stdout %q and status 1", rng, got, want)
		}
	}
}
