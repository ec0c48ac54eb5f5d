// Package safefile writes files whole or not at all: the content goes to a
// temporary name beside the target and is renamed into place only once it
// is complete, so a failed or interrupted write leaves nothing half-written
// at the target path.
package safefile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Write creates dest (mode 0644) with the content fill writes to f.
func Write(dest string, fill func(f *os.File) error) error {
	return write(dest, 0o644, fill)
}

// Copy creates dest with mode holding a copy of the file src.
func Copy(dest, src string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return write(dest, mode, func(f *os.File) error {
		_, err := io.Copy(f, in)
		return err
	})
}

func write(dest string, mode os.FileMode, fill func(f *os.File) error) error {
	if fi, err := os.Stat(dest); err == nil && fi.IsDir() {
		return fmt.Errorf("%s is a directory", dest)
	}
	f, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".tmp-")
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := fill(f); err != nil {
		return err
	}
	if err := f.Chmod(mode); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), dest); err != nil {
		return err
	}
	done = true
	return nil
}

// WriteBytes creates dest (mode 0644) holding b.
func WriteBytes(dest string, b []byte) error {
	return Write(dest, func(f *os.File) error {
		_, err := f.Write(b)
		return err
	})
}
