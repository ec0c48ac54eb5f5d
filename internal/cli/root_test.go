package cli

import (
	"slices"
	"testing"
)

// TestNewCommands checks that New attaches exactly diet's commands, each
// with a Short line for the help's listing and an Example.
func TestNewCommands(t *testing.T) {
	want := []string{"build", "cache", "compare", "inspect", "probe-inside", "run", "sensor", "sensor-exec", "size", "slim", "version"}
	hidden := map[string]bool{"probe-inside": true, "sensor": true, "sensor-exec": true}
	var got []string
	for _, c := range New().Commands() {
		name := c.Name()
		if name == "help" || name == "completion" { // cobra's own
			continue
		}
		got = append(got, name)
		if c.Short == "" {
			t.Errorf("%s: no Short", name)
		}
		if c.Example == "" {
			t.Errorf("%s: no Example", name)
		}
		if c.Hidden != hidden[name] {
			t.Errorf("%s: Hidden = %v, want %v", name, c.Hidden, hidden[name])
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("commands %v, want %v", got, want)
	}
}
