package why_test

import (
	"fmt"

	"github.com/dietimg/diet/internal/why"
)

// A reason is typed where it is made and put in words only where it is
// shown.
func ExampleReason_String() {
	for _, r := range []why.Reason{
		{Kind: why.Program},
		{Kind: why.Needed, By: "/usr/bin/jq"},
		{Kind: why.Static, Detail: "interpreter of /app/gen.pl"},
		{Kind: why.State, Detail: "volume"},
	} {
		fmt.Println(r)
	}
	// Output:
	// program
	// needed by /usr/bin/jq
	// static: interpreter of /app/gen.pl
	// state: volume
}
