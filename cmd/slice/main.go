// Command slice prints part of its input, selected with Python's slice
// notation over lines, bytes, characters, grapheme clusters or records.
// It is the example program that diet builds into images and measures.

// slice is single-threaded and often runs for a millisecond: it has no use
// for the runtime's periodic GOMAXPROCS updates.
//
//go:debug updatemaxprocs=0
package main

import (
	"os"

	"github.com/dietimg/diet/internal/slice"
)

func main() {
	os.Exit(slice.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
