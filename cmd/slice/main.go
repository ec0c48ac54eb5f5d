// Command slice prints part of its input, selected with Python's slice
// notation over lines, bytes, characters, grapheme clusters or records.
// It is the example program that diet builds into images and measures.
package main

import (
	"os"
	"os/signal"
	"syscall"

	"github.com/dietimg/diet/internal/slice"
)

func main() {
	// A reader that goes away is not an error: get EPIPE from write
	// rather than dying of the signal.
	signal.Ignore(syscall.SIGPIPE)
	os.Exit(slice.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
