// Command tls needs CA certificates: it loads the system pool and says
// how many certificates it holds.
package main

import (
	"crypto/x509"
	"fmt"
	"os"
)

func main() {
	pool, err := x509.SystemCertPool()
	if err != nil {
		fmt.Println("no certificates:", err)
		os.Exit(1)
	}
	if pool.Equal(x509.NewCertPool()) {
		fmt.Println("no certificates")
		os.Exit(1)
	}
	fmt.Println("certificates ok")
}
