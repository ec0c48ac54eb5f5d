// Command cgohello calls a C function, so that it needs cgo.
package main

/*
#include <stdio.h>
static int add(int a, int b) { return a + b; }
static void greet(void) { printf("hello from C\n"); fflush(stdout); }
*/
import "C"

import "fmt"

func main() {
	C.greet()
	fmt.Println("2+3 =", C.add(2, 3))
}
