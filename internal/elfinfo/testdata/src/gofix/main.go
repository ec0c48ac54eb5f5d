// Command gofix is a pure Go (CGO_ENABLED=0) fixture that loads the system
// certificate pool and a time zone.
package main

import (
	"crypto/x509"
	"fmt"
	"time"
)

func main() {
	pool, err := x509.SystemCertPool()
	loc, lerr := time.LoadLocation("Europe/Paris")
	fmt.Println(pool != nil, err, loc, lerr)
}
