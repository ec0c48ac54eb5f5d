// Package sysfiles decides which system files that are not libraries an
// image needs (CA certificates, time zone data, /etc/passwd and
// /etc/group, /etc/nsswitch.conf, /tmp) from the evidence the program's
// inspection found, or because the user asked, and produces them.
package sysfiles

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/dietimg/diet/internal/elfinfo"
	"github.com/dietimg/diet/internal/layer"
	"github.com/dietimg/diet/internal/rootfs"
	"github.com/dietimg/diet/internal/why"
)

// Toggle says whether a kind of system file goes in.
type Toggle int

const (
	Auto Toggle = iota // on evidence from the inspection
	On                 // always
	Off                // never
)

// String names the toggle as reports show it.
func (t Toggle) String() string {
	switch t {
	case On:
		return "on"
	case Off:
		return "off"
	}
	return "auto"
}

// Paths inside the image.
const (
	CertFile    = "/etc/ssl/certs/ca-certificates.crt"
	ZoneinfoDir = "/usr/share/zoneinfo"
	Passwd      = "/etc/passwd"
	Group       = "/etc/group"
	Nsswitch    = "/etc/nsswitch.conf"
	Tmp         = "/tmp"
)

// maxEvidence is how many pieces of evidence a reason quotes.
const maxEvidence = 3

// NonrootUID is the uid and gid of the "nonroot" user, as in distroless.
const NonrootUID = 65532

// certSources are where distributions keep the CA bundle, the first found
// wins; it always goes into the image at CertFile.
var certSources = []string{
	"/etc/ssl/certs/ca-certificates.crt", // Debian, Ubuntu, Alpine
	"/etc/pki/tls/certs/ca-bundle.crt",   // Fedora, RHEL
	"/etc/ssl/cert.pem",                  // Alpine, macOS-style
	"/etc/ssl/ca-bundle.pem",             // openSUSE
}

// ErrNoCertificates is returned when certificates are needed but the
// source root has none.
var ErrNoCertificates = errors.New("sysfiles: no CA certificates in the source root (install ca-certificates, or pass --no-certs)")

// Options chooses the system files.
type Options struct {
	Certs, Tzdata, Passwd, Nsswitch, Tmp Toggle
	// Zones limits the time zone data to these zones ("Europe/Paris",
	// "UTC"); empty means the whole tree.
	Zones []string
	// User is the user the image runs as; "nonroot" (or 65532) asks for
	// /etc/passwd and /etc/group.
	User string
}

// File is one system file with the reason it is there (of kind
// why.SystemFile, whose Detail says it in words).
type File struct {
	layer.Entry
	Reason why.Reason
}

// file is the system file e, there for the reason words say.
func file(e layer.Entry, words string) File {
	return File{e, why.Reason{Kind: why.SystemFile, Detail: words}}
}

// Result is what Select chose.
type Result struct {
	Files []File
	// Env is added to the image's environment (SSL_CERT_FILE).
	Env []string
}

// Select chooses and produces the system files for a program whose
// inspection found needs, taking file contents from src (the source root:
// /, --root, or the base image's tree).
func Select(src rootfs.FS, needs []elfinfo.Need, opts Options) (*Result, error) {
	evidence := map[string][]string{}
	for _, n := range needs {
		evidence[n.Kind] = append(evidence[n.Kind], n.Evidence)
	}
	decide := func(t Toggle, flag string, kinds ...string) (bool, string) {
		switch t {
		case On:
			return true, "--" + flag
		case Off:
			return false, ""
		}
		var ev []string
		for _, k := range kinds {
			ev = append(ev, evidence[k]...)
		}
		if len(ev) == 0 {
			return false, ""
		}
		more := ""
		if len(ev) > maxEvidence {
			more = fmt.Sprintf(" and %d more", len(ev)-maxEvidence)
			ev = ev[:maxEvidence]
		}
		return true, "evidence: " + strings.Join(ev, ", ") + more
	}
	res := &Result{}
	if ok, why := decide(opts.Certs, "certs", elfinfo.NeedCertificates); ok {
		data, from, err := readFirst(src, certSources)
		if err != nil {
			return nil, err
		}
		if data == nil {
			return nil, ErrNoCertificates
		}
		reason := "certificates: " + why
		if from != CertFile {
			reason += " (from " + from + ")"
		}
		res.Files = append(res.Files, file(layer.Entry{Path: CertFile, Mode: 0o644, Data: data}, reason))
		res.Env = append(res.Env, "SSL_CERT_FILE="+CertFile)
	}
	if ok, why := decide(opts.Tzdata, "tzdata", elfinfo.NeedTimezone); ok {
		files, err := zoneinfo(src, opts.Zones, "timezone: "+why)
		if err != nil {
			return nil, err
		}
		res.Files = append(res.Files, files...)
	}
	user := opts.User
	if name, _, ok := strings.Cut(user, ":"); ok {
		user = name
	}
	passwdToggle := opts.Passwd
	if passwdToggle == Auto && (user == "nonroot" || user == fmt.Sprint(NonrootUID)) {
		passwdToggle = On
	}
	if ok, why := decide(passwdToggle, "passwd", elfinfo.NeedNSS); ok {
		if opts.Passwd == Auto && passwdToggle == On {
			why = "--user " + opts.User
		}
		res.Files = append(res.Files,
			file(layer.Entry{Path: Passwd, Mode: 0o644, Data: []byte(passwdContent)}, "users: "+why),
			file(layer.Entry{Path: Group, Mode: 0o644, Data: []byte(groupContent)}, "groups: "+why))
	}
	if ok, why := decide(opts.Nsswitch, "nsswitch", elfinfo.NeedNSS, elfinfo.NeedDNS); ok {
		res.Files = append(res.Files, file(layer.Entry{Path: Nsswitch, Mode: 0o644, Data: []byte(nsswitchContent)}, "name service: "+why))
	}
	if opts.Tmp == On {
		res.Files = append(res.Files, file(layer.Entry{Path: Tmp, Mode: fs.ModeDir | fs.ModeSticky | 0o777}, "--tmp"))
	}
	return res, nil
}

const (
	passwdContent = "root:x:0:0:root:/root:/sbin/nologin\n" +
		"nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"
	groupContent    = "root:x:0:\nnonroot:x:65532:\n"
	nsswitchContent = "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n"
)

// readFirst reads the first of names that exists in src, following
// symlinks inside it (Debian's bundle is a plain file, others link).
func readFirst(src rootfs.FS, names []string) ([]byte, string, error) {
	for _, n := range names {
		b, err := rootfs.ReadFile(src, n)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, "", fmt.Errorf("reading %s: %w", n, err)
		}
		return b, n, nil
	}
	return nil, "", nil
}

// zoneinfo copies the time zone tree (or only zones, with what they
// link to) from src.
func zoneinfo(src rootfs.FS, zones []string, reason string) ([]File, error) {
	root := rootfs.Rel(ZoneinfoDir)
	if _, err := fs.Stat(src, root); err != nil {
		return nil, fmt.Errorf("time zone data: %s is missing in the source root (install tzdata, or pass --no-tzdata)", ZoneinfoDir)
	}
	want := func(string) bool { return true }
	if len(zones) > 0 {
		set := map[string]bool{}
		for _, z := range zones {
			z = path.Clean(z)
			p := path.Join(ZoneinfoDir, z)
			set[p] = true
			// Zones are often symlinks (Debian's tzdata links the old names):
			// keep what they resolve to.
			if res, err := rootfs.Resolve(src, p); err == nil {
				set[res.Path] = true
				for _, l := range res.Links {
					set[l] = true
				}
			} else {
				return nil, fmt.Errorf("time zone %s: %w", z, err)
			}
		}
		for _, aux := range []string{"zone.tab", "zone1970.tab", "tzdata.zi", "leap-seconds.list", "iso3166.tab"} {
			set[path.Join(ZoneinfoDir, aux)] = true
		}
		want = func(p string) bool { return set[p] }
	}
	var files []File
	err := fs.WalkDir(src, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		abs := "/" + p
		if d.IsDir() {
			return nil // parents are added by the layer
		}
		if !want(abs) {
			return nil
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := src.ReadLink(p)
			if err != nil {
				return err
			}
			// Links out of the tree (Debian's localtime -> /etc/localtime)
			// would dangle in the image.
			if to := path.Join(path.Dir(abs), target); path.IsAbs(target) || !strings.HasPrefix(to+"/", ZoneinfoDir+"/") {
				return nil
			}
			files = append(files, file(layer.Entry{Path: abs, Mode: fs.ModeSymlink | 0o777, Link: target}, reason))
		case d.Type().IsRegular():
			b, err := fs.ReadFile(src, p)
			if err != nil {
				return err
			}
			files = append(files, file(layer.Entry{Path: abs, Mode: 0o644, Data: b}, reason))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading time zone data: %w", err)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, nil
}
