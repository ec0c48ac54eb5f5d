package closure

import "errors"

// errNotYet marks the parts still being written (removed when done).
var errNotYet = errors.New("closure: not implemented yet")
