// Command hello is the smallest Go program diet's build tests put in an
// image: it prints its arguments and how many lines it read.
package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

func main() {
	n := 0
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		n++
	}
	fmt.Printf("hello %s (%d lines)\n", strings.Join(os.Args[1:], " "), n)
}
