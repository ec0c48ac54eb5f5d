// Command diet turns a Linux program into the smallest container image that
// still runs it, and proves that it does.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/dietimg/diet/internal/cli"
)

// init keeps the main goroutine on the process's main thread: diet's
// hidden sensor-exec drops to the image's user and executes the program
// under diet's tracer, and an execve from another thread would reach the
// tracer as a different thread of the process.
func init() { runtime.LockOSThread() }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := cli.New().ExecuteContext(ctx)
	stop()
	if err != nil {
		var ex cli.ExitError
		if errors.As(err, &ex) {
			if ex.Err != nil {
				fmt.Fprintln(os.Stderr, "diet:", ex.Err)
			}
			os.Exit(ex.Code)
		}
		fmt.Fprintln(os.Stderr, "diet:", err)
		os.Exit(1)
	}
}
