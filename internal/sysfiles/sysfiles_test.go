package sysfiles

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/dietimg/diet/internal/elfinfo"
)

func root() fstest.MapFS {
	return fstest.MapFS{
		"etc/ssl/certs/ca-certificates.crt":  {Data: []byte("-----BEGIN CERTIFICATE-----\n")},
		"usr/share/zoneinfo/UTC":             {Data: []byte("TZif-utc")},
		"usr/share/zoneinfo/Europe/Paris":    {Data: []byte("TZif-paris")},
		"usr/share/zoneinfo/Europe/Monaco":   {Data: []byte("Paris"), Mode: fs.ModeSymlink},
		"usr/share/zoneinfo/localtime":       {Data: []byte("/etc/localtime"), Mode: fs.ModeSymlink},
		"usr/share/zoneinfo/zone.tab":        {Data: []byte("FR\t+4852+00220\tEurope/Paris\n")},
		"usr/share/zoneinfo/America/Chicago": {Data: []byte("TZif-chicago")},
	}
}

func paths(r *Result) string {
	var s []string
	for _, f := range r.Files {
		s = append(s, f.Path)
	}
	return strings.Join(s, " ")
}

func TestSelect(t *testing.T) {
	for _, tc := range []struct {
		name  string
		needs []elfinfo.Need
		opts  Options
		want  string
		env   string
	}{
		{"nothing without evidence", nil, Options{}, "", ""},
		{"certificates on evidence", []elfinfo.Need{{Kind: "certificates", Evidence: "go package crypto/x509"}}, Options{},
			"/etc/ssl/certs/ca-certificates.crt", "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"},
		{"forced off", []elfinfo.Need{{Kind: "certificates", Evidence: "x"}}, Options{Certs: Off}, "", ""},
		{"timezone, whole tree without dangling links", []elfinfo.Need{{Kind: "timezone", Evidence: "symbol tzset"}}, Options{},
			"/usr/share/zoneinfo/America/Chicago /usr/share/zoneinfo/Europe/Monaco /usr/share/zoneinfo/Europe/Paris /usr/share/zoneinfo/UTC /usr/share/zoneinfo/zone.tab", ""},
		{"some zones", nil, Options{Tzdata: On, Zones: []string{"Europe/Monaco"}},
			"/usr/share/zoneinfo/Europe/Monaco /usr/share/zoneinfo/Europe/Paris /usr/share/zoneinfo/zone.tab", ""},
		{"nonroot user", nil, Options{User: "nonroot"}, "/etc/passwd /etc/group", ""},
		{"nss", []elfinfo.Need{{Kind: "nss", Evidence: "symbol getpwnam"}}, Options{}, "/etc/passwd /etc/group /etc/nsswitch.conf", ""},
		{"dns", []elfinfo.Need{{Kind: "dns", Evidence: "symbol getaddrinfo"}}, Options{}, "/etc/nsswitch.conf", ""},
		{"tmp", nil, Options{Tmp: On}, "/tmp", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Select(root(), tc.needs, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := paths(r); got != tc.want {
				t.Errorf("files = %q, want %q", got, tc.want)
			}
			if got := strings.Join(r.Env, " "); got != tc.env {
				t.Errorf("env = %q, want %q", got, tc.env)
			}
			for _, f := range r.Files {
				if f.Reason.Detail == "" {
					t.Errorf("%s has no reason", f.Path)
				}
			}
		})
	}
	r, _ := Select(root(), []elfinfo.Need{{Kind: "certificates", Evidence: "go package crypto/x509"}}, Options{})
	if r.Files[0].Reason.String() != "certificates: evidence: go package crypto/x509" {
		t.Errorf("reason %q", r.Files[0].Reason)
	}
	if _, err := Select(fstest.MapFS{}, nil, Options{Certs: On}); !errors.Is(err, ErrNoCertificates) {
		t.Errorf("no certificates: %v", err)
	}
	if _, err := Select(fstest.MapFS{}, nil, Options{Tzdata: On}); err == nil {
		t.Error("no zoneinfo: no error")
	}
}
