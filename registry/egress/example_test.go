package egress_test

import (
	"fmt"
	"net/netip"

	"github.com/mlsec/mlsec/registry/egress"
)

// A guard refuses the cloud metadata endpoint and loopback unless a range
// is allowed; the same guard checks each connection in Client's dialer.
func ExampleGuard() {
	allow, _ := egress.ParseAllow([]string{"10.20.0.0/16"})
	g := &egress.Guard{Allow: allow}
	for _, a := range []string{"169.254.169.254", "127.0.0.1", "10.20.1.2", "93.184.215.14"} {
		fmt.Println(a, g.CheckAddr(netip.MustParseAddr(a)) == nil)
	}
	fmt.Println(g.CheckURL("http://localhost:8080/hook") != nil)
	// Output:
	// 169.254.169.254 false
	// 127.0.0.1 false
	// 10.20.1.2 true
	// 93.184.215.14 true
	// true
}
