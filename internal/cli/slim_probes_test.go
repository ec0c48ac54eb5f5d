package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The --probe-* flags are shorthands for one entry each, run before the
// probe files' entries; a file's mistake is said before anything runs.
func TestSlimProbesFlagsAndFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "p.yaml")
	os.WriteFile(file, []byte("- http: POST 8080/items\n  json: {name: a}\n- cmd: redis-cli ping\n"), 0o644)
	ps, err := slimProbes(slimFlags{https: []string{"8080/"}, probeFiles: []string{file}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range ps {
		got = append(got, p.String())
	}
	if strings.Join(got, ", ") != "http 8080/, http POST 8080/items, cmd 'redis-cli ping'" {
		t.Errorf("probes %v", got)
	}
	os.WriteFile(file, []byte("- http: 8080/\n  stauts: 200\n"), 0o644)
	if _, err := slimProbes(slimFlags{probeFiles: []string{file}}); err == nil || !strings.Contains(err.Error(), "p.yaml:2: http: unknown key \"stauts\"") {
		t.Errorf("a misspelled key: %v", err)
	}
	if _, err := slimProbes(slimFlags{openapis: []string{"8080"}}); err == nil || !strings.Contains(err.Error(), "PORT/PATH") {
		t.Errorf("--probe-openapi 8080: %v", err)
	}
}
