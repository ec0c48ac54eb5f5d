// Command cgo calls into C, so it can only be built with cgo: diet builds
// it statically against musl.
package main

/*
#include <stdlib.h>
static int add(int a, int b) { return a + b; }
static int parse(const char *s) { return atoi(s); }
*/
import "C"

import (
	"fmt"
	"os"
	"unsafe"
)

func main() {
	n := 0
	if len(os.Args) > 1 {
		cs := C.CString(os.Args[1])
		n = int(C.parse(cs))
		C.free(unsafe.Pointer(cs))
	}
	fmt.Printf("cgo %d\n", int(C.add(2, C.int(n))))
}
