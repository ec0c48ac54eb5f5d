package slim

import (
	"strings"
	"testing"

	"github.com/dietimg/diet/internal/why"
)

// TestSlimHelperScript: the image's start-up script runs a Perl helper.
// The kernel opens the helper's interpreter (perl) on execve, which no
// traced system call shows: slim keeps it because it keeps the closure of
// every program the trace saw executed, and the slim image answers the
// same.
func TestSlimHelperScript(t *testing.T) {
	needRunc(t)
	t.Parallel()
	run := runSlim(t, "helper")
	run.mustSucceed(t)
	if out := string(run.res.Original[0].Stdout); out != "HELLO FROM A PERL HELPER\n" {
		t.Errorf("original answered %q", out)
	}
	kept := run.kept()
	perl, ok := kept["/usr/bin/perl"]
	if !ok {
		t.Fatal("/usr/bin/perl not kept")
	}
	if perl.Reason.Kind != why.Static || perl.Reason.Detail != "interpreter of /app/gen.pl" {
		t.Errorf("/usr/bin/perl kept for %+v, want the interpreter of /app/gen.pl", perl.Reason)
	}
	if _, ok := kept["/usr/bin/tr"]; !ok {
		t.Error("/usr/bin/tr, executed by the script, not kept")
	}
}

// TestSlimStateDirectory: a program that lists its data directory, reads
// one file and writes another keeps its whole data directory: the files
// it never opened are its data too.
func TestSlimStateDirectory(t *testing.T) {
	needRunc(t)
	t.Parallel()
	run := runSlim(t, "state")
	run.mustSucceed(t)
	if out := string(run.res.Slim[0].Stdout); !strings.HasPrefix(out, "30\n") {
		t.Errorf("slim answered %q, want the 30 data files listed", out)
	}
	kept := run.kept()
	for i := 1; i <= 30; i++ {
		p := "/var/lib/app/data/f" + string(rune('0'+i/10)) + string(rune('0'+i%10))
		if k, ok := kept[p]; !ok || (k.Reason.Kind != why.State && p != "/var/lib/app/data/f07") {
			t.Errorf("%s kept %v for %+v", p, ok, k.Reason)
		}
	}
	var found bool
	for _, d := range run.res.States {
		if d.Dir == "/var/lib/app/data" && d.Files == 30 {
			found = true
		}
	}
	if !found {
		t.Errorf("state directories %+v, want /var/lib/app/data with 30 files", run.res.States)
	}
}
