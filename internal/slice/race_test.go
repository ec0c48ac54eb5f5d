//go:build race

package slice

func init() { raceEnabled = true }
