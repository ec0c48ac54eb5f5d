//go:build !linux

package trace

import "context"

// Run is not supported outside Linux.
func Run(ctx context.Context, argv []string, opts Options) (*Result, error) {
	return nil, ErrUnsupported
}
