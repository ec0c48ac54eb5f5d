package closure_test

import "github.com/dietimg/diet/internal/closure/closuretest"

// Short names for the fixture builders.
type obj = closuretest.Obj

var (
	link      = closuretest.Link
	text      = closuretest.Text
	glibcRoot = closuretest.GlibcRoot
)

const ldso = closuretest.Ldso
