package reach

import (
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/dietimg/diet/internal/rootfs"
	"github.com/dietimg/diet/internal/why"
)

// Some programs load files by a name that only their input chooses: the
// PostgreSQL server the conversion module of a client's encoding, iconv
// the gconv module of a charset, glibc the NSS service nsswitch.conf
// names, PAM the modules of a service's stack, a zone by its name. A
// trace sees the names its probes used; a client that connects in
// LATIN1 or a user looked up through another service needs the others.
// No code says which, so this is a table of knowledge: when the kept set
// holds a file of one of these programs, keep what it can be asked to
// load by name, within reason (the common charsets, not every one).

// newByName knows what programs load by name.
func newByName(img *Image) Language {
	b := &byName{img: img}
	b.libDirs = sync.OnceValue(b.readLibDirs)
	b.localZone = sync.OnceValue(func() string {
		if res, err := rootfs.Resolve(img.FS, "/etc/localtime"); err == nil {
			return res.Path
		}
		return ""
	})
	return b
}

type byName struct {
	img *Image
	// libDirs are the image's library directories, read once.
	libDirs func() []string
	// localZone is the file /etc/localtime resolves to: glibc reads it in
	// any program that asks the time, which shows nothing of the others.
	localZone func() string
}

// byNameEntry is one program of the table: the kept files that show it
// is used, and what it can then load by name. keep adds to out; an error
// means the claimed file does not parse.
type byNameEntry struct {
	claims func(p string) bool
	keep   func(b *byName, p string, src []byte, out *bnOut) error
}

// byNameTable is the knowledge, one entry a program. Each claims by path
// alone: what it keeps comes from the image's directories, so the kept
// file's contents matter only for the configurations parsed.
var byNameTable = []byNameEntry{
	// PostgreSQL's server: its binary, and the files of its installation
	// that only the server reads (its binary is larger than maxSource on
	// Debian, so Scan never shows it to Claims).
	{func(p string) bool { return pgLayoutsOf(p) != nil }, (*byName).postgres},
	// iconv_open loads the gconv module of any charset a program names.
	{gconvClaims, (*byName).gconv},
	// glibc loads libnss_SERVICE.so.2 for the services nsswitch.conf names.
	{func(p string) bool { return p == "/etc/nsswitch.conf" }, (*byName).nss},
	// libpam loads the modules of the stack of the service a program opens.
	{pamClaims, (*byName).pam},
	// A program that read a zone other than the local one reads any other
	// the TZ variable or its input names (tzClaims).
	{func(p string) bool { return strings.HasPrefix(p, tzDir+"/") }, (*byName).tzdata},
	// Encode::find_encoding requires the module of any encoding named.
	{func(p string) bool { return path.Base(p) == "Encode.pm" }, (*byName).perlEncode},
}

// Claims reports the files of a program of the table.
func (b *byName) Claims(p string, head []byte) bool {
	p = path.Clean(p)
	if p == b.localZone() {
		return false
	}
	for _, e := range byNameTable {
		if e.claims(p) {
			return true
		}
	}
	return false
}

// Reach returns what the programs whose file p is can load by name.
func (b *byName) Reach(p string, src []byte) ([]Found, error) {
	p = path.Clean(p)
	// The claimed file may be among what its program loads by name.
	out := &bnOut{finds: &finds{by: p, seen: map[string]bool{}}, fsys: b.img.FS}
	for _, e := range byNameTable {
		if !e.claims(p) {
			continue
		}
		if err := e.keep(b, p, src, out); err != nil {
			return nil, err
		}
	}
	return out.found, nil
}

// bnOut gathers the Founds of one Reach, each path once, those the
// image has.
type bnOut struct {
	*finds
	fsys rootfs.FS
}

// add keeps p as as, when the image has it: a regular file for File
// and Program, a directory for Tree.
func (o *bnOut) add(p string, as As, detail string) {
	if as == Tree && !isDir(o.fsys, p) || as != Tree && !isFile(o.fsys, p) {
		return
	}
	o.finds.add(p, as, why.Data, "by name: "+detail)
}

// addExcept keeps the directory dir whole but for the entries skip:
// each other entry, a Tree or a File.
func (o *bnOut) addExcept(dir string, skip []string, detail string) {
	for _, name := range readDir(o.fsys, dir) {
		if slices.Contains(skip, name) {
			continue
		}
		p := path.Join(dir, name)
		if isDir(o.fsys, p) {
			o.add(p, Tree, detail)
		} else {
			o.add(p, File, detail)
		}
	}
}

// readLibDirs finds where the image's shared libraries are: the
// multiarch directories (x86_64-linux-gnu...) first, as ld.so.conf lists
// them, then the default ones, each directory once (/lib is a link to
// /usr/lib on merged-/usr systems).
func (b *byName) readLibDirs() []string {
	var dirs []string
	seen := map[string]bool{}
	add := func(d string) {
		res, err := rootfs.Resolve(b.img.FS, d)
		if err != nil || seen[res.Path] || !isDir(b.img.FS, d) {
			return
		}
		seen[res.Path] = true
		dirs = append(dirs, d)
	}
	for _, d := range []string{"/lib", "/usr/lib"} {
		for _, name := range readDir(b.img.FS, d) {
			if strings.Contains(name, "-linux-") {
				add(path.Join(d, name))
			}
		}
	}
	for _, d := range []string{"/lib", "/usr/lib", "/lib64", "/usr/lib64"} {
		add(d)
	}
	return dirs
}

// inLibDirs keeps the file sub (libnss_sss.so.2, security/pam_unix.so)
// of every library directory that has it, as a Program, each file once
// however many links lead to it.
func (b *byName) inLibDirs(sub string, out *bnOut, detail string) {
	seen := map[string]bool{}
	for _, d := range b.libDirs() {
		p := path.Join(d, sub)
		res, err := rootfs.Resolve(b.img.FS, p)
		if err != nil || seen[res.Path] {
			continue
		}
		seen[res.Path] = true
		out.add(p, Program, detail)
	}
}

// gconvCommon are the charsets whose gconv modules are kept with iconv:
// those programs are asked for in practice (web forms, mail, legacy
// files): Latin-1, -2, -9 and -15, Cyrillic, Greek, the Windows code
// pages of Western, Central European, Cyrillic and Turkish text, DOS's,
// and the Unicode encodings; not the 250 others, EBCDIC and the rest,
// which stay out unless the trace saw them. UTF-8, UCS-2, UCS-4 and
// ASCII are built into glibc; UTF-16, UTF-32 and UNICODE (UCS-2 with a byte order mark) are
// modules, although small ones. The East Asian multibyte charsets
// (EUC-JP, SJIS, GBK, BIG5, EUC-KR: 0.6 MB with libJIS, libGB and libKSC)
// are not kept for any name a program could pass, as Python's and Perl's
// East Asian codecs are not: only when the trace saw them.
var gconvCommon = []string{
	"ISO8859-1", "ISO8859-2", "ISO8859-5", "ISO8859-7", "ISO8859-9", "ISO8859-15",
	"CP1250", "CP1251", "CP1252", "CP1254", "IBM437", "IBM850",
	"KOI8-R", "KOI8-U", "UTF-7", "UTF-16", "UTF-32", "UNICODE",
}

// gconvClaims reports a gconv module: a program converted a charset
// that is not built into glibc while traced, so it uses iconv for real.
// Reading the configuration alone is no such evidence: glibc reads
// gconv-modules.cache in any program that converts between its built-in
// charsets (Python does at start-up), which would keep the modules in
// every image.
func gconvClaims(p string) bool {
	return path.Base(path.Dir(p)) == "gconv" && strings.HasSuffix(p, ".so")
}

// gconv keeps the configuration of the gconv directory of p, which names
// the modules of every charset, and the modules of the common ones.
func (b *byName) gconv(p string, src []byte, out *bnOut) error {
	dir := path.Dir(p)
	if path.Base(dir) == "gconv-modules.d" {
		dir = path.Dir(dir)
	}
	const detail = "iconv charsets of gconv"
	out.add(path.Join(dir, "gconv-modules"), File, detail)
	out.add(path.Join(dir, "gconv-modules.cache"), File, detail)
	for _, name := range readDir(b.img.FS, path.Join(dir, "gconv-modules.d")) {
		if strings.HasSuffix(name, ".conf") {
			out.add(path.Join(dir, "gconv-modules.d", name), File, detail)
		}
	}
	for _, cs := range gconvCommon {
		out.add(path.Join(dir, cs+".so"), Program, detail)
	}
	return nil
}

// plEncodeSkip are the East Asian encodings of Encode: 9 MB of XS tables
// on Debian, more than all of perl's other modules. As Python's
// pyCJKCodecs, they are kept when the code uses them by name (use
// Encode::JP) or the trace saw them, not for any name a program could
// pass; find_encoding("euc-jp") then fails cleanly, the module missing.
//
// EBCDIC (IBM mainframes' cp37, cp500...) and Symbol (Adobe's symbol and
// dingbats fonts) stay out too, as gconv's EBCDIC charsets do.
var plEncodeSkip = []string{"CN", "CN.pm", "JP", "JP.pm", "KR", "KR.pm", "TW", "TW.pm", "EBCDIC", "EBCDIC.pm", "Symbol", "Symbol.pm"}

// perlEncode keeps the encodings Encode.pm can load: the modules of
// Encode/ next to it and their XS objects under auto/Encode/. An
// Encode.pm with neither is another module of that name.
func (b *byName) perlEncode(p string, src []byte, out *bnOut) error {
	dir := path.Dir(p)
	mods, auto := path.Join(dir, "Encode"), path.Join(dir, "auto", "Encode")
	if !isFile(b.img.FS, path.Join(mods, "Config.pm")) && !isFile(b.img.FS, path.Join(auto, "Encode.so")) {
		return nil
	}
	const detail = "perl Encode encodings"
	out.addExcept(mods, plEncodeSkip, detail)
	for _, name := range readDir(b.img.FS, auto) {
		a := path.Join(auto, name)
		switch {
		case strings.HasSuffix(name, ".so"):
			out.add(a, Program, detail)
		case !slices.Contains(plEncodeSkip, name) && isDir(b.img.FS, a):
			for _, sub := range readDir(b.img.FS, a) {
				if strings.HasSuffix(sub, ".so") {
					out.add(path.Join(a, sub), Program, detail)
				}
			}
		}
	}
	return nil
}
