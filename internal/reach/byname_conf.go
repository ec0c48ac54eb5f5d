package reach

import (
	"fmt"
	"path"
	"regexp"
	"strings"
)

// The two configurations of glibc and libpam that name shared objects:
// nsswitch.conf its services, a pam.d file its modules. Both are parsed
// as their libraries do, closely enough to find every name: a line that
// neither library could read is an error naming it, so that the file is
// reported skipped rather than half read.

// nssService is a service name of nsswitch.conf: glibc makes it part of
// a file name, libnss_NAME.so.2.
var nssService = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.+-]*$`)

// nssLine is one database line: "hosts: files [NOTFOUND=return] dns".
type nssLine struct {
	db       string
	services []string
}

// parseNSSwitch reads nsswitch.conf as glibc does: # to the end of a
// line is a comment, a line is a database, a colon and its services, and
// an action list in brackets may follow each service. file names the
// file in errors.
func parseNSSwitch(file string, src []byte) ([]nssLine, error) {
	var out []nssLine
	for i, line := range strings.Split(string(src), "\n") {
		line, _, _ = strings.Cut(line, "#")
		if strings.TrimSpace(line) == "" {
			continue
		}
		db, rest, ok := strings.Cut(line, ":")
		db = strings.TrimSpace(db)
		if !ok || db == "" || strings.ContainsAny(db, " \t\f\v\r") {
			return nil, fmt.Errorf("%s:%d: want \"database: services\"", file, i+1)
		}
		l := nssLine{db: db}
		for rest = strings.TrimSpace(rest); rest != ""; rest = strings.TrimSpace(rest) {
			if rest[0] == '[' {
				end := strings.IndexByte(rest, ']')
				if end < 0 {
					return nil, fmt.Errorf("%s:%d: unterminated action list", file, i+1)
				}
				rest = rest[end+1:]
				continue
			}
			n := strings.IndexAny(rest, " \t\f\v\r[")
			if n < 0 {
				n = len(rest)
			}
			name := rest[:n]
			if !nssService.MatchString(name) {
				return nil, fmt.Errorf("%s:%d: bad service name %q", file, i+1, name)
			}
			l.services = append(l.services, name)
			rest = rest[n:]
		}
		out = append(out, l)
	}
	return out, nil
}

// nss keeps the modules of the services nsswitch.conf names. files and
// dns are built into glibc since 2.34: their libnss_files.so.2 and
// libnss_dns.so.2 are kept when the image still has them, as every
// other service's module.
func (b *byName) nss(p string, src []byte, out *bnOut) error {
	lines, err := parseNSSwitch(p, src)
	if err != nil {
		return err
	}
	done := map[string]bool{}
	for _, l := range lines {
		for _, s := range l.services {
			if !done[s] {
				done[s] = true
				b.inLibDirs("libnss_"+s+".so.2", out, "NSS service "+s+" of "+l.db)
			}
		}
	}
	return nil
}

// pamDirs are where libpam finds a service's file: the administrator's
// directory first, then the vendor's (Linux-PAM built with a vendordir).
var pamDirs = []string{"/etc/pam.d", "/usr/lib/pam.d"}

// pamClaims reports the files of the PAM configuration directories.
func pamClaims(p string) bool {
	for _, d := range pamDirs {
		if path.Dir(p) == d {
			return true
		}
	}
	return false
}

// pamTypes are the management groups of a pam.d line.
var pamTypes = map[string]bool{"account": true, "auth": true, "password": true, "session": true}

// pamRef is a name a pam.d line loads: a module, or a file it includes.
type pamRef struct {
	name    string
	include bool
	args    []string
}

// parsePAM reads a pam.d file as libpam does: a backslash joins a line to
// the next, # to its end is a comment, and a line is "[-]type control
// module-path args", its control one word or a bracketed list, or
// "@include file". An include or substack control names a file in place
// of the module.
func parsePAM(file string, src []byte) ([]pamRef, error) {
	var out []pamRef
	lines := strings.Split(string(src), "\n")
	for i := 0; i < len(lines); i++ {
		n, line := i+1, strings.TrimSuffix(lines[i], "\r")
		for strings.HasSuffix(line, "\\") && i+1 < len(lines) {
			i++
			line = line[:len(line)-1] + " " + strings.TrimSuffix(lines[i], "\r")
		}
		line, _, _ = strings.Cut(line, "#")
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if f[0] == "@include" {
			if len(f) < 2 {
				return nil, fmt.Errorf("%s:%d: @include without a file", file, n)
			}
			out = append(out, pamRef{name: f[1], include: true})
			continue
		}
		if !pamTypes[strings.ToLower(strings.TrimPrefix(f[0], "-"))] {
			return nil, fmt.Errorf("%s:%d: bad type %q", file, n, f[0])
		}
		rest := strings.TrimSpace(strings.TrimSpace(line)[len(f[0]):])
		control := ""
		if strings.HasPrefix(rest, "[") {
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return nil, fmt.Errorf("%s:%d: unterminated control", file, n)
			}
			rest = rest[end+1:]
		} else if c := strings.Fields(rest); len(c) > 0 {
			control = c[0]
			rest = rest[len(control):]
		}
		mod := strings.Fields(rest)
		if len(mod) == 0 {
			return nil, fmt.Errorf("%s:%d: no module", file, n)
		}
		inc := control == "include" || control == "substack"
		out = append(out, pamRef{name: mod[0], include: inc, args: mod[1:]})
	}
	return out, nil
}

// pamArgPath matches a module argument that names a file: pam_env's
// envfile=/etc/default/locale, pam_userdb's db=/etc/users.
var pamArgPath = regexp.MustCompile(`^(?:[A-Za-z_]+=)?(/[^\s\[\]=]+)$`)

// pam keeps the modules a pam.d file loads, found as libpam finds a
// relative module path, under the security directory of the library
// directories, the files its module arguments name, and the files it
// includes, to be scanned in turn.
func (b *byName) pam(p string, src []byte, out *bnOut) error {
	refs, err := parsePAM(p, src)
	if err != nil {
		return err
	}
	done := map[string]bool{} // a stack names pam_unix.so four times
	for _, r := range refs {
		key := r.name
		if r.include {
			key = "@" + key
		}
		if done[key] && len(r.args) == 0 {
			continue
		}
		done[key] = true
		switch {
		case r.include && path.IsAbs(r.name):
			out.add(path.Clean(r.name), File, "PAM include "+r.name)
		case r.include:
			for _, d := range pamDirs {
				if f := path.Join(d, r.name); isFile(b.img.FS, f) {
					out.add(f, File, "PAM include "+r.name)
					break
				}
			}
		case path.IsAbs(r.name):
			out.add(path.Clean(r.name), Program, "PAM module "+r.name)
		default:
			b.inLibDirs(path.Join("security", r.name), out, "PAM module "+r.name)
		}
		for _, a := range r.args {
			if m := pamArgPath.FindStringSubmatch(a); m != nil {
				out.add(path.Clean(m[1]), File, "argument of PAM module "+path.Base(r.name))
			}
		}
	}
	return nil
}
