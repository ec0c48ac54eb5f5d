// Command mkfat writes the "fat" images the slim benchmark starts from, as
// OCI layouts: the Debian fixture tree with nginx-light, python3, curl and
// jq (testenv.DebianFatRoot) as one layer, with the command of each image.
// It prints one NAME=REF line per image.
//
//	go run ./internal/slim/cmd/mkfat -o DIR
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/dietimg/diet/internal/image"
	"github.com/dietimg/diet/internal/testbases"
	"github.com/dietimg/diet/internal/testenv"
)

var commands = []struct {
	name string
	cmd  []string
}{
	{"nginx", []string{"nginx", "-g", "daemon off;"}},
	{"jq", []string{"jq", "--version"}},
	{"curl", []string{"curl", "--version"}},
}

func main() {
	out := flag.String("o", "", "directory of the OCI layout to write")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "mkfat: -o DIR is required")
		os.Exit(2)
	}
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "mkfat:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	ctx := context.Background()
	root := filepath.Join(testenv.CacheDir(), "debian-fat")
	if _, err := os.Stat(filepath.Join(root, ".complete")); err != nil {
		return fmt.Errorf("fixture %s is missing (run: sudo .ci/fixtures.sh)", root)
	}
	ref, err := testbases.EnsureDebian(ctx, root, filepath.Join(testenv.CacheDir(), "slim-fat"))
	if err != nil {
		return err
	}
	base, err := image.Read(ctx, ref, image.Options{})
	if err != nil {
		return err
	}
	for _, c := range commands {
		cf, err := base.ConfigFile()
		if err != nil {
			return err
		}
		cf = cf.DeepCopy()
		cf.Config.Cmd = c.cmd
		img, err := mutate.ConfigFile(base, cf)
		if err != nil {
			return err
		}
		dest := "oci:" + out + ":" + c.name
		if err := image.Write(ctx, dest, img, image.Options{}); err != nil {
			return err
		}
		fmt.Printf("%s=%s\n", c.name, dest)
	}
	return nil
}
