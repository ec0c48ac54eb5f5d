package reach

import (
	"path"
	"regexp"
	"strings"
)

// A PostgreSQL cluster's catalog names shared objects of the server's
// $libdir: a client that connects in another encoding makes the server
// load that conversion's module, a text search configuration loads
// dict_snowball, a PL/pgSQL function plpgsql. The server reads the
// time zone abbreviations, text search data and extension scripts of its
// share directory by name too, and a zone for any TimeZone a session
// sets. The trace of a few probes sees a few of them.

// pgLayout is where one PostgreSQL installation keeps its server, its
// $libdir and its share directory.
type pgLayout struct{ server, lib, share string }

// pgShareFile are the files of a share directory that only the server
// (or initdb, which runs it) reads.
const pgShareFile = `(?:(?:timezonesets|tsearch_data|extension)/[^/]+|postgres\.bki)`

var (
	// Debian's and apt.postgresql.org's: /usr/lib/postgresql/15/bin/postgres,
	// /usr/lib/postgresql/15/lib, /usr/share/postgresql/15.
	pgDebianLib   = regexp.MustCompile(`^(.*)/lib/postgresql/([0-9][^/]*)/(?:bin/postgres|lib/[^/]+\.so)$`)
	pgDebianShare = regexp.MustCompile(`^(.*)/share/postgresql/([0-9][^/]*)/` + pgShareFile + `$`)
	// A build under a prefix, as the official Alpine image's in
	// /usr/local: bin/postgres, lib/postgresql, share/postgresql.
	pgPrefixBin   = regexp.MustCompile(`^(.*)/bin/postgres$`)
	pgPrefixLib   = regexp.MustCompile(`^(.*)/lib/postgresql/[^/]+\.so$`)
	pgPrefixShare = regexp.MustCompile(`^(.*)/share/postgresql/` + pgShareFile + `$`)
)

// pgLayoutsOf returns the installations p may be a file of, the likeliest
// first; nil when p is none's.
func pgLayoutsOf(p string) []pgLayout {
	if !strings.Contains(p, "/postgres") {
		return nil
	}
	var out []pgLayout
	for _, re := range []*regexp.Regexp{pgDebianLib, pgDebianShare} {
		if m := re.FindStringSubmatch(p); m != nil {
			dir := m[1] + "/lib/postgresql/" + m[2]
			out = append(out, pgLayout{dir + "/bin/postgres", dir + "/lib", m[1] + "/share/postgresql/" + m[2]})
		}
	}
	for _, re := range []*regexp.Regexp{pgPrefixBin, pgPrefixLib, pgPrefixShare} {
		if m := re.FindStringSubmatch(p); m != nil {
			out = append(out, pgLayout{m[1] + "/bin/postgres", m[1] + "/lib/postgresql", m[1] + "/share/postgresql"})
		}
	}
	return out
}

// pgModules are the modules of $libdir kept: those a fresh cluster's
// catalog references (postgres.bki's conversions, snowball_create.sql's
// dictionaries, the plpgsql extension initdb creates) and those of the
// extensions installed with the server, whose scripts the extension
// directory holds (CREATE EXTENSION pg_trgm loads pg_trgm.so): 5 MB on
// Debian. Not pgJIT: the JIT needs libLLVM, 100 MB, and the server runs
// without it (--keep-package keeps it).
var pgModules = []string{"*.so"}

// pgJIT are the files of the JIT provider.
var pgJIT = []string{"llvmjit*"}

// pgShareDirs are the share directories the server reads by name.
var pgShareDirs = []string{"timezonesets", "tsearch_data", "extension"}

// postgres keeps what the server of the installation of p loads by name:
// the catalog's modules, its share data and the time zones, its own
// copy's or, when it was built against the system's (as Debian builds
// it), the system's.
func (b *byName) postgres(p string, src []byte, out *bnOut) error {
	for _, l := range pgLayoutsOf(p) {
		if !isFile(b.img.FS, l.server) || !isDir(b.img.FS, l.lib) {
			continue
		}
		for _, name := range readDir(b.img.FS, l.lib) {
			if matchAny(pgModules, name) && !matchAny(pgJIT, name) {
				out.add(path.Join(l.lib, name), Program, "postgresql $libdir modules of the catalog and its extensions (not the JIT)")
			}
		}
		for _, d := range pgShareDirs {
			out.add(path.Join(l.share, d), Tree, "postgresql share data read by name")
		}
		if tz := path.Join(l.share, "timezone"); isDir(b.img.FS, tz) {
			out.addExcept(tz, tzSkip, "postgresql time zones")
		} else {
			out.addExcept(tzDir, tzSkip, "postgresql time zones, the system's")
		}
		return nil
	}
	return nil
}

// The system's zones are the PostgreSQL server's on Debian, and any
// program's that reads one: a zone read shows that TZ or the input may
// name another.

// tzDir is the system's time zone database.
const tzDir = "/usr/share/zoneinfo"

// tzSkip are the entries of a zone database not kept with it: the zones
// of right/ count leap seconds and are read only when a program asks for
// "right/Europe/Paris" by that name, and posix/ repeats the others.
var tzSkip = []string{"right", "posix"}

// tzdata keeps the time zone database.
func (b *byName) tzdata(p string, src []byte, out *bnOut) error {
	out.addExcept(tzDir, tzSkip, "the time zone database")
	return nil
}

// matchAny reports whether name matches one of the path.Match patterns.
func matchAny(patterns []string, name string) bool {
	for _, pat := range patterns {
		if ok, _ := path.Match(pat, name); ok {
			return true
		}
	}
	return false
}
