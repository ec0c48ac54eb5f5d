// Package testenv gives tests the real components they need (a Docker
// engine, runc, a registry server, Debian root file systems) and decides what
// happens when one is missing: the test skips with the reason, unless
// DIET_E2E=require is set, as in CI, when it fails.
package testenv

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dietimg/diet/internal/dockercli"
)

// Required reports whether missing components fail tests instead of
// skipping them.
func Required() bool { return os.Getenv("DIET_E2E") == "require" }

// Missing skips t, or fails it when components are required, with reason.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if Required() {
		t.Fatalf("DIET_E2E=require but %s", msg)
	}
	t.Skip(msg)
}

// LookPath returns the path of each named program, or reports it missing.
func LookPath(t testing.TB, names ...string) []string {
	t.Helper()
	paths := make([]string, len(names))
	for i, n := range names {
		p, err := exec.LookPath(n)
		if err != nil {
			Missing(t, "%s is not installed (apt-get install it, or run .ci/run)", n)
		}
		paths[i] = p
	}
	return paths
}

// Root reports the test missing root privileges when not run as root.
func Root(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		Missing(t, "this test needs root")
	}
}

// Docker checks that a Docker engine answers (HasDocker).
func Docker(t testing.TB) {
	t.Helper()
	LookPath(t, "docker")
	if err := HasDocker(); err != nil {
		Missing(t, "%v", err)
	}
}

// HasDocker reports, once per test binary, whether a Docker engine
// answers: nil, or why not. Every test of a package asks; the engine is
// asked once (the standard library's internal/testenv HasX functions).
var HasDocker = sync.OnceValue(func() error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := dockercli.Run(ctx, "docker", nil, nil, "version", "--format", "{{.Server.Version}}"); err != nil {
		return fmt.Errorf("no Docker engine answers (start dockerd --iptables=false --bridge=none): %v", err)
	}
	return nil
})

// Runc checks that runc is installed and that the test runs as root, as
// the runtime's own tests assume (held trees on overlay mounts). Rootless
// runc is tested by running diet as a User from Unprivileged.
func Runc(t testing.TB) {
	t.Helper()
	LookPath(t, "runc")
	Root(t)
}

// Registry starts a real registry server (Debian's docker-registry) on a
// free 127.0.0.1 port for the duration of the test and returns host:port.
func Registry(t testing.TB) string {
	t.Helper()
	bin := LookPath(t, "docker-registry")[0]
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yml")
	conf := fmt.Sprintf(`version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
`, filepath.Join(dir, "data"), addr)
	if err := os.WriteFile(cfg, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", cfg)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting docker-registry: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("docker-registry did not listen on %s", addr)
	return ""
}

// CacheDir is where expensive test fixtures (Debian trees, base images)
// are kept between runs: $DIET_TEST_CACHE, else /var/cache/diet-test.
func CacheDir() string {
	if d := os.Getenv("DIET_TEST_CACHE"); d != "" {
		return d
	}
	return "/var/cache/diet-test"
}

// DebianRoot returns the Debian bookworm minbase tree made by
// .ci/fixtures.sh (debootstrap --variant=minbase).
func DebianRoot(t testing.TB) string { return fixtureTree(t, "debian-minbase") }

// DebianFatRoot returns a Debian bookworm minbase tree with nginx-light,
// python3, curl and jq installed, made by .ci/fixtures.sh.
func DebianFatRoot(t testing.TB) string { return fixtureTree(t, "debian-fat") }

// DebianArm64Root returns an arm64 Debian bookworm minbase tree with
// nginx-light and jq installed, made by .ci/fixtures.sh
// (debootstrap --arch=arm64); its programs run under Emulator(t, "aarch64").
func DebianArm64Root(t testing.TB) string { return fixtureTree(t, "debian-arm64") }

// Emulator checks that the kernel runs programs of the qemu machine name
// (aarch64, arm, s390x...) through qemu-user-static's binfmt_misc
// handler, as .ci/binfmt.sh registers it.
func Emulator(t testing.TB, qemu string) {
	t.Helper()
	b, err := os.ReadFile("/proc/sys/fs/binfmt_misc/qemu-" + qemu)
	if err != nil || !strings.HasPrefix(string(b), "enabled") {
		Missing(t, "no binfmt_misc handler for %s (apt-get install qemu-user-static binfmt-support; update-binfmts --enable qemu-%s, or run .ci/binfmt.sh)", qemu, qemu)
	}
}

// CorpusTree returns the corpus tree corpus-NAME made by .ci/fixtures.sh:
// the minbase tree with one server's packages (flask: python3-flask;
// node: nodejs, npm and express in /app; perl: perl; lighttpd...).
func CorpusTree(t testing.TB, name string) string { return fixtureTree(t, "corpus-"+name) }

func fixtureTree(t testing.TB, name string) string {
	t.Helper()
	dir := filepath.Join(CacheDir(), name)
	if _, err := os.Stat(filepath.Join(dir, ".complete")); err != nil {
		Missing(t, "fixture %s is missing (run: sudo .ci/fixtures.sh)", dir)
	}
	return dir
}
