// Command mkfat makes, once per machine, the OCI layout of "fat" images
// that the slim benchmark and tests start from (see package fatimages),
// and prints one NAME=REF line per image; with -corpus, the same for the
// corpus of real servers (fatimages.Corpus, issue 9).
//
//	go run ./internal/slim/cmd/mkfat [-cache DIR] [-corpus] [-arch arm64]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"

	"github.com/dietimg/diet/internal/slim/fatimages"
	"github.com/dietimg/diet/internal/testenv"
)

func main() {
	cache := flag.String("cache", testenv.CacheDir(), "cache directory (holds debian-fat; the images go under slim-fat/)")
	corpus := flag.Bool("corpus", false, "make and list the corpus images instead (from the corpus-* trees)")
	arch := flag.String("arch", goruntime.GOARCH, "architecture: arm64 makes them from debian-arm64, under slim-fat-arm64/")
	flag.Parse()
	if *corpus {
		dir, err := fatimages.EnsureCorpus(context.Background(), *cache)
		if err != nil {
			fmt.Fprintln(os.Stderr, "mkfat:", err)
			os.Exit(1)
		}
		for _, im := range fatimages.Corpus {
			fmt.Printf("%s=oci:%s:%s\n", im.Tag, dir, im.Tag)
		}
		return
	}
	root := filepath.Join(*cache, "debian-fat")
	if *arch != goruntime.GOARCH {
		root = filepath.Join(*cache, "debian-"+*arch)
	}
	if _, err := os.Stat(filepath.Join(root, ".complete")); err != nil {
		fmt.Fprintf(os.Stderr, "mkfat: fixture %s is missing (run: sudo .ci/fixtures.sh)\n", root)
		os.Exit(1)
	}
	dir, err := fatimages.EnsureFor(context.Background(), root, *cache, *arch)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkfat:", err)
		os.Exit(1)
	}
	for _, im := range fatimages.Images {
		fmt.Printf("%s=oci:%s:%s\n", im.Tag, dir, im.Tag)
	}
}
