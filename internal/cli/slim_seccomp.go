package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/dietimg/diet/internal/slim"
)

// printSeccomp says what the profile of a slim allows, where it comes
// from, and whether the verify ran under it.
func printSeccomp(w io.Writer, sc *slim.Seccomp) {
	if sc == nil {
		return
	}
	fmt.Fprintf(w, "  seccomp       %d of %d %s system calls allowed: the %d the probes' traced runs made, %d for the runtime to start the program (from %s), %d of --seccomp-add; calls no probe made are refused\n",
		sc.Allowed, sc.Total, sc.Arch, sc.Traced, len(sc.Runtime), sc.RuntimeFrom, len(sc.Added))
	if len(sc.Filtered) > 0 {
		fmt.Fprintf(w, "  seccomp       only with the arguments seen: %s\n", strings.Join(sc.Filtered, ", "))
	}
	switch {
	case sc.Verified && len(sc.VerifyOnly) > 0:
		fmt.Fprintf(w, "  seccomp       verified: the probes gave the same answers under it, with %d more calls that diet's helper or the probes' commands in the container needed (%s)\n", len(sc.VerifyOnly), strings.Join(sc.VerifyOnly, " "))
	case sc.Verified:
		fmt.Fprintf(w, "  seccomp       verified: the probes gave the same answers under it\n")
	case sc.NotVerified != "":
		fmt.Fprintf(w, "  seccomp       not verified: %s\n", sc.NotVerified)
	}
}
