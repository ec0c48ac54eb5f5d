package elfinfo

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestStrtab reads the same strings from a table read whole and from
// one read by pages, with strings across page boundaries, at the end of
// the table without a NUL, and longer than the limit.
func TestStrtab(t *testing.T) {
	var tab []byte
	var offs []uint64
	add := func(s string) {
		offs = append(offs, uint64(len(tab)))
		tab = append(tab, s...)
		tab = append(tab, 0)
	}
	add("")
	add("getaddrinfo")
	for len(tab) < strtabPage-5 {
		add("x")
	}
	add("across-the-first-page") // starts 5 bytes before the end of page 0
	add(strings.Repeat("long", 3*strtabPage/4))
	for len(tab) < strtabWhole+10 {
		add("symbol_name")
	}
	offs = append(offs, uint64(len(tab)))
	tab = append(tab, "unterminated"...)

	file := append([]byte("head"), tab...)
	p := scanParser(file)
	paged, err := p.newStrtab(4, uint64(len(tab)), "test")
	if err != nil {
		t.Fatal(err)
	}
	if paged.whole != nil {
		t.Fatalf("a table of %d bytes read whole", len(tab))
	}
	whole := &strtab{p: p, off: 4, size: uint64(len(tab)), whole: tab}
	for _, limit := range []int{3, 20, 40, 1 << 20} {
		for _, off := range append(offs, 1, 2, strtabPage-1, strtabPage, uint64(len(tab))-1, uint64(len(tab)), 1<<40) {
			wb, ww, wok := whole.cstr(off, limit)
			pb, pw, pok := paged.cstr(off, limit)
			if !bytes.Equal(wb, pb) || ww != pw || wok != pok {
				t.Errorf("cstr(%d, %d): whole %q %v %v, paged %q %v %v", off, limit, wb, ww, wok, pb, pw, pok)
			}
			want, _, _ := bytes.Cut(tab[min(off, uint64(len(tab))):], []byte{0})
			if wok && ww && string(wb) != string(want) {
				t.Errorf("cstr(%d, %d) = %q, want %q", off, limit, wb, want)
			}
			if wok && ww != (len(want) <= limit) {
				t.Errorf("cstr(%d, %d): whole = %v for %d bytes", off, limit, ww, len(want))
			}
			wc, wok := whole.byteAt(off)
			pc, pok := paged.byteAt(off)
			if wc != pc || wok != pok {
				t.Errorf("byteAt(%d): %q %v, %q %v", off, wc, wok, pc, pok)
			}
		}
	}
	if s, ok, _ := paged.cstr(offs[len(offs)-1], 100); string(s) != "unterminated" || !ok {
		t.Errorf("last string %q %v", s, ok)
	}
	for _, tc := range []struct{ off, size uint64 }{{4, maxStrtab + 1}, {uint64(len(file)), 1}, {4, uint64(len(tab)) + 1}} {
		if _, err := p.newStrtab(tc.off, tc.size, "test"); err == nil {
			t.Errorf("newStrtab(%d, %d): no error", tc.off, tc.size)
		}
	}
}

// TestParseLibc parses the system's C libraries: only they define
// __libc_start_main, and their paths say nothing of what a program needs.
func TestParseLibc(t *testing.T) {
	for path, libc := range map[string]string{
		"/lib/x86_64-linux-gnu/libc.so.6":      Glibc,
		"/usr/lib/x86_64-linux-musl/libc.so":   Musl,
		"/lib/x86_64-linux-gnu/libstdc++.so.6": Glibc,
	} {
		fh, err := os.Open(path)
		if err != nil {
			t.Logf("skipped: %v", err)
			continue
		}
		f, err := Parse(fh)
		fh.Close()
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		p := strings.HasPrefix(path, "/lib/x86_64-linux-gnu/libc.") || strings.Contains(path, "musl")
		if f.Libc != libc || (p && f.Needs != nil) {
			t.Errorf("%s: libc %s, needs %v; want %s", path, f.Libc, f.Needs, libc)
		}
	}
}

func TestProbes(t *testing.T) {
	if len(stringSet.probes) != 3 {
		t.Errorf("%d probe bytes, want 3", len(stringSet.probes))
	}
	seen := map[int]bool{}
	for _, pr := range stringSet.probes {
		for _, j := range pr.anchors {
			a := stringSet.anchors[j]
			seen[j] = true
			if a.text[a.probe] != pr.c {
				t.Errorf("anchor %q probed by %q", a.text, pr.c)
			}
			for k, pi := range a.pats {
				if pt := stringSet.pats[pi].text; !strings.HasPrefix(pt[a.offs[k]:], a.text) {
					t.Errorf("pattern %q: anchor %q not at %d", pt, a.text, a.offs[k])
				}
			}
		}
	}
	if len(seen) != len(stringSet.anchors) {
		t.Errorf("%d of %d anchors probed", len(seen), len(stringSet.anchors))
	}
}
