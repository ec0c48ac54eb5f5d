// Command gonet is a pure Go (CGO_ENABLED=0) fixture that resolves a name,
// looks up a user and loads a time zone from the zoneinfo database it
// embeds (time/tzdata): it needs the resolver and the user database, but
// neither time zone data nor certificates.
package main

import (
	"net"
	"os/user"
	"time"
	_ "time/tzdata"
)

func main() {
	addrs, err := net.LookupHost("localhost")
	println(len(addrs), err == nil)
	u, err := user.Lookup("root")
	println(u != nil, err == nil)
	loc, err := time.LoadLocation("Europe/Paris")
	println(time.Now().In(loc).Hour(), err == nil)
}
