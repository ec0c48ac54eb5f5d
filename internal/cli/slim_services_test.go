package cli

import "testing"

func TestWithName(t *testing.T) {
	for _, c := range []struct{ in, svc, ref string }{
		{"cache=docker-daemon:redis:7", "cache", "docker-daemon:redis:7"},
		{"docker-daemon:redis:7", "redis", "docker-daemon:redis:7"},
		{"registry.example.com:5000/team/postgres:15", "postgres", "registry.example.com:5000/team/postgres:15"},
		{"oci:/var/cache/layout:redis", "redis", "oci:/var/cache/layout:redis"},
		{"docker-archive:/tmp/pg.tar", "pg", "docker-archive:/tmp/pg.tar"},
		{"oci:/tmp/x=y", "", "oci:/tmp/x=y"},
	} {
		svc, ref := withName(c.in)
		if svc != c.svc || ref != c.ref {
			t.Errorf("withName(%q) = %q, %q; want %q, %q", c.in, svc, ref, c.svc, c.ref)
		}
	}
}

func TestSameImage(t *testing.T) {
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"redis:7", "docker.io/library/redis:7", true},
		{"docker-daemon:web:1", "web:1", true},
		{"docker://web:1", "web:1", true},
		{"web:1", "web:2", false},
		{"oci:/tmp/l:web", "web", false},
	} {
		if got := sameImage(c.a, c.b); got != c.same {
			t.Errorf("sameImage(%q, %q) = %v", c.a, c.b, got)
		}
	}
}
