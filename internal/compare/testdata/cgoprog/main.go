// Command cgoprog needs cgo: it cannot be built with CGO_ENABLED=0.
package main

// int answer(void) { return 42; }
import "C"

import "fmt"

func main() { fmt.Println(int(C.answer())) }
