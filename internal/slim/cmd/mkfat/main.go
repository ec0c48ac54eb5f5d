// Command mkfat makes, once per machine, the OCI layout of "fat" images
// that the slim benchmark and tests start from (see package fatimages),
// and prints one NAME=REF line per image.
//
//	go run ./internal/slim/cmd/mkfat [-cache DIR]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dietimg/diet/internal/slim/fatimages"
	"github.com/dietimg/diet/internal/testenv"
)

func main() {
	cache := flag.String("cache", testenv.CacheDir(), "cache directory (holds debian-fat; the images go under slim-fat/)")
	flag.Parse()
	root := filepath.Join(*cache, "debian-fat")
	if _, err := os.Stat(filepath.Join(root, ".complete")); err != nil {
		fmt.Fprintf(os.Stderr, "mkfat: fixture %s is missing (run: sudo .ci/fixtures.sh)\n", root)
		os.Exit(1)
	}
	dir, err := fatimages.Ensure(context.Background(), root, *cache)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkfat:", err)
		os.Exit(1)
	}
	for _, im := range fatimages.Images {
		fmt.Printf("%s=oci:%s:%s\n", im.Tag, dir, im.Tag)
	}
}
