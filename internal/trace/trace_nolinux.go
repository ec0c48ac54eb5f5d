//go:build !linux

package trace

import (
	"context"
	"errors"
	"io"
	"os"
)

// ErrUnsupported is returned where the sensor cannot run.
var ErrUnsupported = errors.New("trace: the sensor only runs on Linux x86_64")

// Options says how to run the traced program.
type Options struct {
	Stdin, Stdout, Stderr *os.File
	Env                   []string
	Dir                   string
	Record                io.Writer
	Forward               []os.Signal
}

// Result is what a traced run gives.
type Result struct {
	ExitCode int
	Events   []Event
}

// Run is not supported outside Linux.
func Run(ctx context.Context, argv []string, opts Options) (*Result, error) {
	return nil, ErrUnsupported
}
