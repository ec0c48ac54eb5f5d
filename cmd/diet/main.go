// Command diet turns a Linux program into the smallest container image that
// still runs it, and proves that it does.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/dietimg/diet/internal/cli"
)

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
