package elfinfo

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds Parse corrupt ELF files, seeded from the fixtures in
// testdata, whole and cut short (the long fixtures only by their head, to
// keep the corpus small). Parse must return ErrNotELF, another error, or a
// File, and never panic.
func FuzzParse(f *testing.F) {
	paths, _ := filepath.Glob("testdata/*")
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil || !bytes.HasPrefix(b, []byte("\x7fELF")) {
			continue
		}
		if len(b) <= 64<<10 {
			f.Add(b)
		}
		for _, n := range []int{64, 512, 4096, 16 << 10} {
			if n < len(b) {
				f.Add(b[:n])
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := Parse(bytes.NewReader(b))
		if err == nil && file == nil {
			t.Fatal("nil File without error")
		}
		if !bytes.HasPrefix(b, []byte("\x7fELF")) && !errors.Is(err, ErrNotELF) {
			t.Fatalf("not ELF, err = %v", err)
		}
	})
}

// FuzzParseShebang checks that ParseShebang never panics and that what it
// returns comes from the first line.
func FuzzParseShebang(f *testing.F) {
	for _, s := range []string{"#!/bin/sh\n", "#! /usr/bin/env python3 -u\n", "#!/bin/sh", "#!\t\n", "#!/x\x00y z\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		interp, arg, ok := ParseShebang(bytes.NewReader(b))
		if !ok {
			if interp != "" || arg != "" {
				t.Fatalf("not ok but %q %q", interp, arg)
			}
			return
		}
		head := b[:min(len(b), shebangBuf)]
		if interp == "" || !bytes.Contains(head, []byte(interp)) || !bytes.Contains(head, []byte(arg)) {
			t.Fatalf("%q, %q not from %q", interp, arg, head)
		}
		if bytes.ContainsAny([]byte(interp), " \t\n\x00") || bytes.ContainsAny([]byte(arg), "\n\x00") {
			t.Fatalf("interp %q arg %q hold separators", interp, arg)
		}
	})
}
