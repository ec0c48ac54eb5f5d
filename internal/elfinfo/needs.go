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

// symbolFirst and symbolMaxLen rule out most symbols before a lookup in
// symbolNeeds.
var (
	symbolFirst  [256]bool
	symbolMaxLen int
)

func init() {
	for kind, names := range map[string]string{
		NeedDNS: "getaddrinfo getnameinfo gethostbyname gethostbyname2 gethostbyname_r gethostbyname2_r " +
			"gethostbyaddr gethostbyaddr_r res_init res_query res_search res_querydomain res_mkquery " +
			"res_ninit res_nquery res_nsearch __res_init __res_query __res_search __res_ninit __res_nquery __res_nsearch",
		NeedNSS: "getpwnam getpwnam_r getpwuid getpwuid_r getpwent getpwent_r getgrnam getgrnam_r " +
			"getgrgid getgrgid_r getgrent getgrent_r getgrouplist initgroups getspnam getspnam_r",
		NeedTimezone: "tzset localtime localtime_r mktime timelocal ctime ctime_r",
		// Only the functions that load, or name, the system's default
		// trust store: SSL_CTX_load_verify_locations, X509_STORE_load_locations,
		// gnutls_certificate_set_x509_trust_file and the like take the
		// paths from the caller (nginx's ssl_trusted_certificate), and
		// mbedTLS and NSS have no default store under /etc/ssl at all.
		NeedCertificates: "SSL_CTX_set_default_verify_paths SSL_CTX_set_default_verify_dir " +
			"SSL_CTX_set_default_verify_file SSL_CTX_set_default_verify_store " +
			"X509_STORE_set_default_paths X509_STORE_set_default_paths_ex " +
			"X509_get_default_cert_file X509_get_default_cert_dir " +
			"gnutls_certificate_set_x509_system_trust gnutls_x509_trust_list_add_system_trust " +
			"wolfSSL_CTX_set_default_verify_paths wolfSSL_CTX_load_system_CA_certs",
	} {
		for _, n := range strings.Fields(names) {
			symbolNeeds[n] = kind
			symbolFirst[n[0]] = true
			symbolMaxLen = max(symbolMaxLen, len(n))
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

// stringPatterns are searched in the read-only and initialised data of
// every file but the C library itself (which holds them all whether or
// not a program uses them), TLS libraries (see isTLS), data-only
// libraries and Go programs (whose standard library holds them too; see
// goFuncs).
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

// goFuncs are exact function names looked up in a Go binary's table of
// function names (.gopclntab), in order of how much they tell, the most
// telling first. Build information lists modules, not packages, and
// strings say nothing for Go: the standard library holds the paths of
// zoneinfo (package time, in nearly every program) and of certificate
// bundles (crypto/x509) whether or not the program loads them. Only
// functions the linker kept show use: time.LoadLocation, not
// time.LoadLocationFromTZData, which time itself calls for $TZ.
var goFuncs = []pattern{
	goFunc(NeedCertificates, "crypto/x509.loadSystemRoots"),
	goFunc(NeedCertificates, "crypto/x509.SystemCertPool"),
	goFunc(NeedCertificates, "crypto/x509.systemRootsPool"),
	goFunc(NeedTimezone, "time.LoadLocation"),
	goFunc(NeedNSS, "os/user.lookupUser"),
	goFunc(NeedNSS, "os/user.lookupUserId"),
	goFunc(NeedNSS, "os/user.lookupGroup"),
	goFunc(NeedNSS, "os/user.lookupGroupId"),
	goFunc(NeedDNS, "net.dnsReadConfig"),
	goFunc(NeedDNS, "net.(*Resolver).lookupIP"),
	goFunc(NeedDNS, "net.(*Resolver).lookupHost"),
	goFunc(NeedDNS, "net.readHosts"),
	// time/tzdata embeds the zoneinfo database: time.LoadLocation falls
	// back to it, so the program does not need the system's.
	{kind: embeddedTZData, text: "time/tzdata.loadFromEmbeddedTZData"},
}

// embeddedTZData marks the function of time/tzdata among goFuncs.
const embeddedTZData = "-tzdata"

func goFunc(kind, name string) pattern {
	return pattern{kind: kind, text: name, evidence: "go func " + name}
}

// rank orders evidence: a symbol the program imports says more than a Go
// function name, which says more than a string; function names and
// strings come in the order of goFuncs and stringPatterns, the most
// telling first.
func rank(evidence string) int {
	if strings.HasPrefix(evidence, "symbol ") {
		return 0
	}
	for i, pt := range goFuncs {
		if pt.evidence == evidence {
			return 1 + i
		}
	}
	for i, pt := range stringPatterns {
		if pt.evidence == evidence {
			return 1 + len(goFuncs) + i
		}
	}
	return 1 + len(goFuncs) + len(stringPatterns)
}

// readNeeds gathers the evidence of needs, sorted by kind, then by
// rank, then by text, with at most maxEvidence per kind.
func (p *parser) readNeeds() []Need {
	set := map[Need]bool{}
	tls := isTLS(p.f.Soname)
	for _, s := range p.imports {
		if kind := symbolNeeds[s]; !(tls && kind == NeedCertificates) {
			set[Need{Kind: kind, Evidence: "symbol " + s}] = true
		}
	}
	budget := int64(maxScan)
	switch {
	case p.isLibc:
		// The C library holds every path it may open, used or not.
	case tls:
		// So does a TLS library, for the trust store its callers may
		// ask for; see isTLS.
	case p.f.Go != nil:
		tzdata := false
		for _, pt := range p.scanNames(p.goNameRegions(&budget), goNames, &budget) {
			if pt.kind == embeddedTZData {
				tzdata = true
				continue
			}
			set[Need{Kind: pt.kind, Evidence: pt.evidence}] = true
		}
		if tzdata {
			for n := range set {
				if n.Kind == NeedTimezone && strings.HasPrefix(n.Evidence, "go ") {
					delete(set, n)
				}
			}
		}
	default:
		regions := p.dataRegions()
		if p.dataOnly(regions) {
			break
		}
		for _, pt := range p.scan(regions, stringSet, &budget) {
			set[Need{Kind: pt.kind, Evidence: pt.evidence}] = true
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

// dataOnly reports whether the object is a data library: megabytes of
// data and no more code than the start-up stubs compilers add to every
// object (.init, .plt, .fini and a few functions in .text, 4 KiB at
// most). Such a library (ICU's 30 MB libicudata) opens nothing, so its
// strings are not searched. A small program has little code too, but
// little data to search.
func (p *parser) dataOnly(data []region) bool {
	const maxStubs, minData = 4 << 10, 1 << 20
	var code, n uint64
	for _, s := range p.ef.Sections {
		if s.Flags&elf.SHF_EXECINSTR != 0 && s.Type != elf.SHT_NOBITS {
			code += s.Size
		}
	}
	if len(p.ef.Sections) == 0 {
		return false // the data regions are then the loaded segments, code included
	}
	for _, rg := range data {
		n += rg.size
	}
	return code < maxStubs && n >= minData
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

// isTLS reports whether soname names a TLS or crypto library: OpenSSL
// and its forks, GnuTLS, Mozilla NSS, mbedTLS or wolfSSL. Such a library
// reports no certificate evidence of its own: it holds the default trust
// store's paths (libcrypto's /usr/lib/ssl/certs and SSL_CERT_FILE,
// GnuTLS's ca-certificates.crt) and imports the functions that load it
// (libssl calls X509_STORE_set_default_paths to implement
// SSL_CTX_set_default_verify_paths) whatever its caller does, exactly as
// the C library holds every path it may open. The evidence comes from
// the caller instead: a program or library that imports a default-path
// loader (Python's _ssl module), or holds a CA path of its own
// (libcurl's compiled-in bundle). Its strings are not searched for the
// other kinds either (no path in libcrypto says a program resolves
// names), but the functions it imports still count: libcrypto calls
// getaddrinfo when a caller connects a BIO by host name.
func isTLS(soname string) bool {
	base, _, ok := strings.Cut(soname, ".so")
	if !ok {
		return false
	}
	switch base {
	case "libssl", "libcrypto", "libboringssl", // OpenSSL, LibreSSL, BoringSSL, AWS-LC
		"libgnutls",
		"libnss3", "libssl3", "libsmime3", "libnssutil3", // Mozilla NSS
		"libmbedtls", "libmbedx509", "libmbedcrypto",
		"libwolfssl":
		return true
	}
	return false
}
