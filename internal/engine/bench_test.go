package engine

import (
	"archive/tar"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/dietimg/diet/internal/testenv"
)

// treeImage makes a one-layer image of the directory root, with cmd as
// its command. The layer is written to a file in dir.
func treeImage(tb testing.TB, root, dir string, cmd []string) v1.Image {
	tb.Helper()
	p := filepath.Join(dir, "layer.tar")
	f, err := os.Create(p)
	if err != nil {
		tb.Fatal(err)
	}
	tw := tar.NewWriter(f)
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == root {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		link := ""
		if fi.Mode()&fs.ModeSymlink != 0 {
			if link, err = os.Readlink(path); err != nil {
				return err
			}
		}
		hdr, err := tar.FileInfoHeader(fi, link)
		if err != nil {
			return nil // sockets and the like
		}
		rel, _ := filepath.Rel(root, path)
		hdr.Name = filepath.ToSlash(rel)
		if fi.IsDir() {
			hdr.Name += "/"
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if fi.Mode().IsRegular() {
			src, err := os.Open(path)
			if err != nil {
				return err
			}
			defer src.Close()
			_, err = io.Copy(tw, src)
			return err
		}
		return nil
	})
	if err == nil {
		err = tw.Close()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		tb.Fatal(err)
	}
	l, err := tarball.LayerFromFile(p)
	if err != nil {
		tb.Fatal(err)
	}
	img, err := mutate.AppendLayers(empty.Image, l)
	if err != nil {
		tb.Fatal(err)
	}
	cf, _ := img.ConfigFile()
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	cf.Config.Cmd = cmd
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		tb.Fatal(err)
	}
	return img
}

func benchRun(b *testing.B, img v1.Image, args []string) {
	for _, rt := range []string{Docker, Runc, Docker + "-held", Runc + "-held"} {
		b.Run(rt, func(b *testing.B) {
			rt, isHeld := strings.CutSuffix(rt, "-held")
			if err := byName(rt).Available(context.Background()); err != nil {
				b.Skip(err)
			}
			run := func() (*Result, error) {
				return byName(rt).Run(context.Background(), img, Spec{Args: args})
			}
			if isHeld {
				h, err := byName(rt).Hold(context.Background(), img)
				if err != nil {
					b.Fatal(err)
				}
				defer h.Release()
				run = func() (*Result, error) { return h.Run(context.Background(), Spec{Args: args}) }
			}
			for b.Loop() {
				res, err := run()
				if err != nil || res.ExitCode != 0 {
					b.Fatalf("%v %+v", err, res)
				}
			}
		})
	}
}

// BenchmarkRunSmall runs a one-file static image to completion.
func BenchmarkRunSmall(b *testing.B) {
	img := probeImage(b)
	benchRun(b, img, []string{"id"})
}

// BenchmarkRunDebian runs /bin/true in the Debian "fat" tree (about 240 MB),
// where unpacking (runc) and loading (Docker) dominate.
func BenchmarkRunDebian(b *testing.B) {
	root := testenv.DebianFatRoot(b)
	img := treeImage(b, root, b.TempDir(), []string{"/bin/true"})
	benchRun(b, img, nil)
}
