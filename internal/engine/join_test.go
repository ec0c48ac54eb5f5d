package engine

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestJoinNetwork: a container started with Network "container:ID"
// reaches the other's server on 127.0.0.1, and by a name its /etc/hosts
// (a bind mount) gives to the loopback; the other's root file system is
// found on this machine. Rootless runc runs it when the test runs as an
// ordinary user (DIET_TEST_ROOTLESS: the test binary run by hand).
func TestJoinNetwork(t *testing.T) {
	img := probeImage(t)
	hosts := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(hosts, []byte("127.0.0.1\tlocalhost peer\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Dir(hosts), 0o755)
	for _, rt := range runtimes(t) {
		t.Run(rt, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			mounts := []Mount{{Source: hosts, Target: "/etc/hosts", ReadOnly: true}}
			srv, err := byName(rt).Start(ctx, img, Spec{Network: "none", Args: []string{"serve", "7777"}, Timeout: 2 * time.Minute, Mounts: mounts})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Stop(ctx)
			var res *Result
			for i := 0; i < 50; i++ {
				res, err = byName(rt).Run(ctx, img, Spec{Network: srv.JoinNetwork(), Args: []string{"get", "http://peer:7777/joined"}, Timeout: time.Minute, Mounts: mounts})
				if err != nil || res.ExitCode == 0 {
					break
				}
				time.Sleep(200 * time.Millisecond)
			}
			if err != nil || res.ExitCode != 0 || string(res.Stdout) != "200 hello from /joined\n" {
				t.Fatalf("get from a joined container: %v %+v", err, res)
			}
			// A second container of the other's namespace: the server
			// is not in its own.
			res, err = byName(rt).Run(ctx, img, Spec{Network: "none", Args: []string{"get", "http://127.0.0.1:7777/"}, Timeout: time.Minute})
			if err != nil || res.ExitCode == 0 {
				t.Errorf("a container of its own network reached the server: %v %+v", err, res)
			}
			dir, err := srv.RootDir(ctx)
			if err != nil && rt == Podman && os.Geteuid() != 0 && strings.Contains(err.Error(), "no merged directory") {
				t.Logf("rootless podman: %v", err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(dir, "probe")); err != nil {
				t.Errorf("root directory %s: %v", dir, err)
			}
			if _, err := srv.UnixSockets(ctx); err != nil {
				t.Errorf("unix sockets: %v", err)
			}
		})
	}
	t.Run("unknown", func(t *testing.T) {
		_, err := byName(Runc).Run(context.Background(), img, Spec{Network: "container:"})
		if err == nil || !strings.Contains(err.Error(), "unknown network") {
			t.Errorf("container: with no ID: %v", err)
		}
	})
}

func TestParseUnix(t *testing.T) {
	data := []byte(`Num       RefCount Protocol Flags    Type St Inode Path
0000000000000000: 00000002 00000000 00010000 0001 01 31337 /var/run/postgresql/.s.PGSQL.5432
0000000000000000: 00000002 00000000 00010000 0001 01 31338 @/containerd-shim/x.sock
0000000000000000: 00000003 00000000 00000000 0001 03 31339
0000000000000000: 00000002 00000000 00010000 0001 01 31340 /run/redis//redis.sock
0000000000000000: 00000002 00000000 00010000 0001 01 31341 /var/run/postgresql/.s.PGSQL.5432
0000000000000000: 00000002 00000000 00010000 0001 01 31342 relative.sock
`)
	got := parseUnix(data)
	want := []string{"/var/run/postgresql/.s.PGSQL.5432", "/run/redis/redis.sock"}
	if !slices.Equal(got, want) {
		t.Errorf("parseUnix = %q, want %q", got, want)
	}
}
