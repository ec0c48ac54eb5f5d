package elfinfo

import (
	"debug/elf"
	"sort"
	"strings"
)

// Kinds of Need.
const (
	NeedCertificates = "certificates" // CA certificates (/etc/ssl/certs...)
	NeedTimezone     = "timezone"     // time zone data (/usr/share/zoneinfo)
	NeedNSS          = "nss"          // user and group databases (/etc/passwd, nsswitch.conf)
	NeedDNS          = "dns"          // the resolver (/etc/resolv.conf, /etc/hosts)
)

// maxEvidence is how many pieces of evidence a Need kind keeps.
const maxEvidence = 3

// symbolNeeds maps imported symbols to the need they show.
var symbolNeeds = map[string]string{}

func init() {
	for kind, names := range map[string]string{
		NeedDNS: "getaddrinfo getnameinfo gethostbyname gethostbyname2 gethostbyname_r gethostbyname2_r " +
			"gethostbyaddr gethostbyaddr_r res_init res_query res_search res_querydomain res_mkquery " +
			"res_ninit res_nquery res_nsearch __res_init __res_query __res_search __res_ninit __res_nquery __res_nsearch",
		NeedNSS: "getpwnam getpwnam_r getpwuid getpwuid_r getpwent getpwent_r getgrnam getgrnam_r " +
			"getgrgid getgrgid_r getgrent getgrent_r getgrouplist initgroups getspnam getspnam_r",
		NeedTimezone: "tzset localtime localtime_r mktime timelocal ctime ctime_r",
		NeedCertificates: "SSL_CTX_set_default_verify_paths SSL_CTX_set_default_verify_dir " +
			"SSL_CTX_set_default_verify_file X509_STORE_set_default_paths gnutls_certificate_set_x509_system_trust",
	} {
		for _, n := range strings.Fields(names) {
			symbolNeeds[n] = kind
		}
	}
}

// pattern is a byte string whose presence is evidence of a need.
type pattern struct {
	kind     string
	text     string // searched for
	evidence string
	notNext  byte // a byte that must not follow the match (0: any)
}

func str(kind, s string) pattern { return pattern{kind: kind, text: s, evidence: "string " + s} }

// stringPatterns are searched in the read-only data of every file but the
// C library itself (which holds them all whether or not a program uses
// them). C strings and Go string literals both live there.
var stringPatterns = []pattern{
	str(NeedCertificates, "/etc/ssl/certs"),
	str(NeedCertificates, "/etc/ssl/cert.pem"),
	str(NeedCertificates, "/etc/pki/tls"),
	str(NeedCertificates, "/etc/pki/ca-trust"),
	str(NeedCertificates, "ca-certificates.crt"),
	str(NeedCertificates, "SSL_CERT_FILE"),
	str(NeedCertificates, "SSL_CERT_DIR"),
	str(NeedTimezone, "/usr/share/zoneinfo"),
	str(NeedTimezone, "zoneinfo.zip"),
	str(NeedTimezone, "/etc/localtime"),
	str(NeedTimezone, "TZif"),
	str(NeedNSS, "/etc/nsswitch.conf"),
	str(NeedNSS, "/etc/passwd"),
	str(NeedNSS, "/etc/group"),
	str(NeedNSS, "/etc/shadow"),
	str(NeedDNS, "/etc/resolv.conf"),
	{kind: NeedDNS, text: "/etc/hosts", evidence: "string /etc/hosts", notNext: '.'}, // not hosts.allow
}

// goPatterns are searched in a Go binary's function names (.gopclntab):
// build information lists modules, not packages. Names there end with
// NUL, so the NUL before a name anchors it at a package path.
var goPatterns = []pattern{
	{kind: NeedCertificates, text: "\x00crypto/x509.", evidence: "go package crypto/x509"},
	{kind: NeedNSS, text: "\x00os/user.", evidence: "go package os/user"},
	{kind: NeedDNS, text: "\x00net.(*Resolver).", evidence: "go package net"},
	{kind: NeedTimezone, text: "\x00time.LoadLocation", evidence: "go func time.LoadLocation"},
}

// rank orders evidence: a symbol the program imports says more than a Go
// function name, which says more than a string; strings come in the
// order of stringPatterns, the most telling first.
func rank(evidence string) int {
	switch {
	case strings.HasPrefix(evidence, "symbol "):
		return 0
	case strings.HasPrefix(evidence, "go "):
		return 1
	}
	for i, pt := range stringPatterns {
		if pt.evidence == evidence {
			return 2 + i
		}
	}
	return 2 + len(stringPatterns)
}

// readNeeds gathers the evidence of needs, sorted by kind, then by
// rank, then by text, with at most maxEvidence per kind.
func (p *parser) readNeeds() []Need {
	set := map[Need]bool{}
	for _, s := range p.imports {
		set[Need{Kind: symbolNeeds[s], Evidence: "symbol " + s}] = true
	}
	if !p.isLibc {
		budget := int64(maxScan)
		for _, pt := range p.scan(p.dataRegions(), stringSet, &budget) {
			set[Need{Kind: pt.kind, Evidence: pt.evidence}] = true
		}
		if s := p.ef.Section(".gopclntab"); s != nil && p.f.Go != nil {
			for _, pt := range p.scan([]region{p.funcnametab(s)}, goSet, &budget) {
				set[Need{Kind: pt.kind, Evidence: pt.evidence}] = true
			}
		}
	}
	if len(set) == 0 {
		return nil
	}
	all := make([]Need, 0, len(set))
	for n := range set {
		all = append(all, n)
	}
	sort.Slice(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if ra, rb := rank(a.Evidence), rank(b.Evidence); ra != rb {
			return ra < rb
		}
		return a.Evidence < b.Evidence
	})
	var out []Need
	perKind := map[string]int{}
	for _, n := range all {
		if perKind[n.Kind] < maxEvidence {
			perKind[n.Kind]++
			out = append(out, n)
		}
	}
	return out
}

// region is a byte range of the file.
type region struct{ off, size uint64 }

// dataRegions lists where string constants live: .rodata and its
// siblings, .data and Go's .noptrdata; without section headers, every
// loaded segment.
func (p *parser) dataRegions() []region {
	var out []region
	for _, s := range p.ef.Sections {
		if s.Type == elf.SHT_NOBITS || s.Flags&elf.SHF_ALLOC == 0 {
			continue
		}
		if s.Name == ".rodata" || strings.HasPrefix(s.Name, ".rodata.") || s.Name == ".data" || s.Name == ".noptrdata" {
			out = append(out, region{s.Offset, s.Size})
		}
	}
	if len(p.ef.Sections) == 0 {
		for _, prog := range p.ef.Progs {
			if prog.Type == elf.PT_LOAD {
				out = append(out, region{prog.Off, prog.Filesz})
			}
		}
	}
	return out
}

// funcnametab narrows a Go .gopclntab section to its table of function
// names, from the header the runtime reads (runtime.pcHeader, Go 1.16
// and later); the whole section when the header is not understood.
func (p *parser) funcnametab(s *elf.Section) region {
	whole := region{s.Offset, s.Size}
	var h [8 + 8*8]byte
	if s.Size < uint64(len(h)) {
		return whole
	}
	if _, err := p.r.ReadAt(h[:], int64(s.Offset)); err != nil {
		return whole
	}
	bo := p.ef.ByteOrder
	ps := int(h[7])
	var at int // index of funcnameOffset among the pointer-sized fields
	switch bo.Uint32(h[:]) {
	case 0xfffffff1, 0xfffffff0: // Go 1.20+, 1.18: nfunc, nfiles, textStart, funcnameOffset, cuOffset
		at = 3
	case 0xfffffffa: // Go 1.16: nfunc, nfiles, funcnameOffset, cuOffset
		at = 2
	default:
		return whole
	}
	word := func(i int) uint64 {
		switch ps {
		case 8:
			return bo.Uint64(h[8+8*i:])
		case 4:
			return uint64(bo.Uint32(h[8+4*i:]))
		}
		return 0
	}
	start, end := word(at), word(at+1)
	if start == 0 || start >= end || end > s.Size {
		return whole
	}
	return region{s.Offset + start, end - start}
}
