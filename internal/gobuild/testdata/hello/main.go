// Command hello is the pure Go program the gobuild tests build.
package main

import "fmt"

func main() { fmt.Println("hello from Go") }
