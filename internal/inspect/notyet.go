package inspect

import "errors"

// errNotYet marks the parts still being written (removed when done).
var errNotYet = errors.New("inspect: not implemented yet")
