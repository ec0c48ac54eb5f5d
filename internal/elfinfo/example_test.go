package elfinfo_test

import (
	"fmt"
	"os"

	"github.com/dietimg/diet/internal/elfinfo"
)

// Open reads what a program needs from its bytes alone: here a C program
// linked against glibc (built by testdata/build.sh).
func ExampleOpen() {
	f, err := elfinfo.Open(os.DirFS("testdata"), "hello-glibc")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(f.Machine, f.Linkage, f.Libc)
	fmt.Println("interpreter:", f.Interpreter)
	fmt.Println("needed:", f.Needed)
	// Output:
	// x86_64 dynamic glibc
	// interpreter: /lib64/ld-linux-x86-64.so.2
	// needed: [libc.so.6]
}
