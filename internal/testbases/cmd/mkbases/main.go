// Command mkbases makes the base images of the tests (see package
// testbases) for benchmark scripts, and prints their references as
// NAME=REF lines, ready for diet compare --base:
//
//	go run ./internal/testbases/cmd/mkbases [-cache DIR]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dietimg/diet/internal/testbases"
	"github.com/dietimg/diet/internal/testenv"
)

func main() {
	cache := flag.String("cache", testenv.CacheDir(), "cache directory (holds debian-minbase; the bases go under bases/)")
	busybox := flag.String("busybox", "/bin/busybox", "static busybox binary")
	flag.Parse()
	ctx := context.Background()
	tree := filepath.Join(*cache, "debian-minbase")
	if _, err := os.Stat(filepath.Join(tree, ".complete")); err != nil {
		fmt.Fprintf(os.Stderr, "mkbases: no Debian minbase tree at %s (run: sudo .ci/fixtures.sh)\n", tree)
		os.Exit(1)
	}
	debian, err := testbases.EnsureDebian(ctx, tree, *cache)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkbases:", err)
		os.Exit(1)
	}
	bb, err := testbases.EnsureBusyBox(ctx, *busybox, *cache)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkbases:", err)
		os.Exit(1)
	}
	fmt.Printf("debian=%s\nbusybox=%s\n", debian, bb)
}
