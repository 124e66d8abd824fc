package egress_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/mlsec/mlsec/registry/egress"
)

func TestCheckAddr(t *testing.T) {
	t.Parallel()
	g := &egress.Guard{}
	for _, c := range []struct {
		addr, why string // why "" = allowed
	}{
		{"127.0.0.1", "loopback"},
		{"127.5.6.7", "loopback"},
		{"::1", "loopback"},
		{"::ffff:127.0.0.1", "loopback"},
		{"64:ff9b::7f00:1", "loopback"},
		{"169.254.169.254", "cloud metadata"},
		{"169.254.1.1", "link-local"},
		{"fe80::1", "link-local"},
		{"10.0.0.1", "private"},
		{"172.16.5.4", "private"},
		{"192.168.1.1", "private"},
		{"fd12:3456::1", "private"},
		{"100.64.0.1", "shared address space"},
		{"224.0.0.1", "multicast"},
		{"ff02::1", "multicast"},
		{"0.0.0.0", "unspecified"},
		{"::", "unspecified"},
		{"0.1.2.3", "this network"},
		{"255.255.255.255", "reserved"},
		{"93.184.215.14", ""},
		{"2606:4700::6810:84e5", ""},
		{"172.32.0.1", ""},
	} {
		err := g.CheckAddr(netip.MustParseAddr(c.addr))
		switch {
		case c.why == "" && err != nil:
			t.Errorf("%s: refused: %v", c.addr, err)
		case c.why != "" && (!errors.Is(err, egress.ErrRefused) || !strings.Contains(err.Error(), c.why)):
			t.Errorf("%s: %v, want refused as %s", c.addr, err, c.why)
		}
	}
	allow, err := egress.ParseAllow([]string{"127.0.0.0/8", "10.20.0.5"})
	if err != nil {
		t.Fatal(err)
	}
	g = &egress.Guard{Allow: allow}
	for addr, ok := range map[string]bool{"127.0.0.1": true, "::ffff:127.0.0.2": true, "10.20.0.5": true, "10.20.0.6": false, "169.254.169.254": false} {
		if err := g.CheckAddr(netip.MustParseAddr(addr)); (err == nil) != ok {
			t.Errorf("allow-listed guard, %s: %v, want allowed %v", addr, err, ok)
		}
	}
	if _, err := egress.ParseAllow([]string{"10.0.0.0/33"}); err == nil {
		t.Error("ParseAllow accepted /33")
	}
}

func TestCheckURL(t *testing.T) {
	t.Parallel()
	g := &egress.Guard{}
	for u, ok := range map[string]bool{
		"http://127.0.0.1:8080/h":                  false,
		"http://[::1]/h":                           false,
		"http://169.254.169.254/latest/meta-data/": false,
		"http://LOCALHOST./h":                      false,
		"http://api.localhost/h":                   false,
		"https://hooks.example.com/h":              true, // names are judged when connecting
		"https://93.184.215.14/h":                  true,
	} {
		if err := g.CheckURL(u); (err == nil) != ok {
			t.Errorf("%s: %v, want allowed %v", u, err, ok)
		}
	}
}

// rebindingDNS is a real DNS server on loopback UDP that answers the
// first A query for any name with a public address and every later one
// with 127.0.0.1: the DNS rebinding attack on a registration-time check.
func rebindingDNS(t *testing.T) (addr string, queries *atomic.Int32) {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	queries = &atomic.Int32{}
	go func() {
		buf := make([]byte, 512)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			var p dnsmessage.Parser
			h, err := p.Start(buf[:n])
			if err != nil {
				continue
			}
			q, err := p.Question()
			if err != nil {
				continue
			}
			b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true})
			b.StartQuestions()
			b.Question(q)
			b.StartAnswers()
			if q.Type == dnsmessage.TypeA {
				ip := [4]byte{93, 184, 215, 14}
				if queries.Add(1) > 1 {
					ip = [4]byte{127, 0, 0, 1}
				}
				b.AResource(dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 0}, dnsmessage.AResource{A: ip})
			}
			msg, err := b.Finish()
			if err == nil {
				pc.WriteTo(msg, from)
			}
		}
	}()
	return pc.LocalAddr().String(), queries
}

// TestRebindingRefusedAtConnect: a name that first resolves to a public
// address and then to loopback passes every check made before connecting,
// and is refused by the dialer's check on the address it connects to; a
// loopback receiver never sees the request. Allowing loopback explicitly
// lets the same request through (so the refusal is the guard's doing).
func TestRebindingRefusedAtConnect(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	dns, queries := rebindingDNS(t)
	resolver := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "udp", dns)
	}}
	target := "http://hooks.rebind.test:" + port + "/h"

	g := &egress.Guard{Resolver: resolver}
	// Registration: the name resolves to a public address.
	if err := g.CheckURL(target); err != nil {
		t.Fatal(err)
	}
	addrs, err := resolver.LookupNetIP(t.Context(), "ip4", "hooks.rebind.test")
	if err != nil || len(addrs) != 1 || g.CheckAddr(addrs[0]) != nil {
		t.Fatalf("first resolution: %v %v", addrs, err)
	}
	// Delivery: the name now resolves to 127.0.0.1.
	_, err = g.Client(5*time.Second).Post(target, "application/json", strings.NewReader("{}"))
	if !errors.Is(err, egress.ErrRefused) || !strings.Contains(err.Error(), "127.0.0.1 is loopback") {
		t.Fatalf("delivery after rebinding: %v, want refused as loopback", err)
	}
	if hits.Load() != 0 || queries.Load() < 2 {
		t.Fatalf("receiver hit %d times, %d DNS queries", hits.Load(), queries.Load())
	}
	allow, _ := egress.ParseAllow([]string{"127.0.0.0/8"})
	g = &egress.Guard{Resolver: resolver, Allow: allow}
	res, err := g.Client(5*time.Second).Post(target, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatalf("allowed loopback: %v", err)
	}
	res.Body.Close()
	if hits.Load() != 1 {
		t.Fatalf("allowed loopback: receiver hit %d times", hits.Load())
	}
}
