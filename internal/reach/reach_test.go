package reach

import (
	"testing"
	"testing/fstest"
)

// TestClaims tells each language's files by name and #! line.
func TestClaims(t *testing.T) {
	img := &Image{FS: fstest.MapFS{}}
	langs := map[string]Language{"node": newNode(img), "perl": newPerl(img), "python": newPython(img), "shell": newShell(img)}
	for _, tt := range []struct {
		lang, path, head string
		want             bool
	}{
		{"node", "/app/a.js", "", true}, {"node", "/app/a.mjs", "", true}, {"node", "/app/a.cjs", "", true},
		{"node", "/usr/bin/tool", "#!/usr/bin/node\n", true}, {"node", "/usr/bin/tool", "#!/usr/bin/env nodejs --max-old-space-size=1\n", true},
		{"node", "/usr/bin/tool", "#!/bin/sh\n", false}, {"node", "/app/package.json", "{}", false}, {"node", "/app/a.py", "", false},

		{"perl", "/x.pl", "use strict;\n", true}, {"perl", "/x.pm", "package X;\n", true}, {"perl", "/t/basic.t", "use Test::More;\n", true},
		{"perl", "/usr/bin/tool", "#!/usr/bin/perl -w\n", true}, {"perl", "/usr/bin/tool", "#!/usr/bin/env perl\n", true},
		{"perl", "/usr/bin/tool", "#!/usr/bin/perl5.36.0\n", true}, {"perl", "/x.pl", "#!/bin/sh\n", false},
		{"perl", "/x", "#!/usr/bin/perlbug\n", false}, {"perl", "/x", "use strict;\n", false},

		{"python", "/app/x.py", "", true}, {"python", "/usr/bin/tool", "#!/usr/bin/python3\nimport x\n", true},
		{"python", "/usr/bin/tool", "#!/usr/bin/env python3.11\n", true}, {"python", "/usr/bin/tool", "#!/bin/sh\n", false},
		{"python", "/app/x.pyc", "", false}, {"python", "/app/python", "", false},

		{"shell", "/x", "#!/bin/sh\n", true}, {"shell", "/x", "#!/usr/bin/env bash\n", true}, {"shell", "/x", "#! /bin/dash -e\n", true},
		{"shell", "/x", "#!/bin/busybox sh\n", true}, {"shell", "/x", "#!/bin/busybox wget\n", false}, {"shell", "/x.sh", "echo\n", true},
		{"shell", "/x.sh", "#!/usr/bin/python3\n", false}, {"shell", "/x", "#!/bin/zsh\n", false}, {"shell", "/x", "echo\n", false},
	} {
		if got := langs[tt.lang].Claims(tt.path, []byte(tt.head)); got != tt.want {
			t.Errorf("%s Claims(%q, %q) = %v, want %v", tt.lang, tt.path, tt.head, got, tt.want)
		}
	}
}
