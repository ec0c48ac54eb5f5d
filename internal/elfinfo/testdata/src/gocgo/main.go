// Command gocgo is a cgo fixture: with cgo, os/user calls the C library's
// getpwnam_r and friends.
package main

import (
	"fmt"
	"os/user"
)

func main() {
	u, err := user.Lookup("root")
	fmt.Println(u, err)
}
