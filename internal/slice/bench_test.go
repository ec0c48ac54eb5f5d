package slice

import (
	"io"
	"os"
	"testing"
)

// BenchmarkFile runs ranges over the file named by $SLICE_BENCH_FILE (see
// bench/slice.sh for the data set); it is skipped without one.
func BenchmarkFile(b *testing.B) {
	name := os.Getenv("SLICE_BENCH_FILE")
	if name == "" {
		b.Skip("SLICE_BENCH_FILE is not set")
	}
	for _, c := range []struct{ name, rng string }{
		{"tail", "-10:"}, {"skip", "9999990:"}, {"every2", "::2"}, {"reverse", "::-1"},
	} {
		b.Run(c.name, func(b *testing.B) {
			r, err := ParseRange(c.rng)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				f, err := os.Open(name)
				if err != nil {
					b.Fatal(err)
				}
				w := NewWriter(io.Discard, 0)
				if err := Run(w, fileInput(f), r, Options{}); err != nil {
					b.Fatal(err)
				}
				w.Flush()
				f.Close()
			}
		})
	}
}
