package egress

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// ErrRefused is the error kind of a refused address.
var ErrRefused = errors.New("egress refused")

// blocked are the ranges refused unless allowed, with the reason named in
// the error. netip's predicates cover loopback, link-local, multicast,
// private and unspecified; the table adds what they miss.
var blocked = []struct {
	prefix netip.Prefix
	why    string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "'this network'"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared address space (carrier NAT)"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignments"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"}, // includes broadcast 255.255.255.255
}

var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// Guard decides which addresses outbound requests may reach.
type Guard struct {
	// Allow lists ranges reached even though they are blocked (an
	// internal receiver, or a test's loopback server).
	Allow []netip.Prefix
	// Resolver resolves names for Client's dialer (nil: net.DefaultResolver).
	Resolver *net.Resolver
}

// ParseAllow parses CIDRs (or single addresses) for Guard.Allow.
func ParseAllow(cidrs []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, c := range cidrs {
		c = strings.TrimSpace(c)
		p, err := netip.ParsePrefix(c)
		if err != nil {
			a, aerr := netip.ParseAddr(c)
			if aerr != nil {
				return nil, fmt.Errorf("allowed range %q: want a CIDR like 10.1.2.0/24 or an address", c)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// CheckAddr returns an ErrRefused error if a is in a blocked range that
// no Allow prefix covers.
func (g *Guard) CheckAddr(a netip.Addr) error {
	a = a.Unmap()
	for _, p := range g.allow() {
		if p.Contains(a) {
			return nil
		}
	}
	judged := a
	if nat64.Contains(a) {
		b := a.As16()
		judged = netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
	}
	if why := reason(judged); why != "" {
		return fmt.Errorf("%w: %s is %s; an admin may allow its range (mlsec serve --webhook-allow CIDR)", ErrRefused, a, why)
	}
	return nil
}

func (g *Guard) allow() []netip.Prefix {
	if g == nil {
		return nil
	}
	return g.Allow
}

func reason(a netip.Addr) string {
	switch {
	case !a.IsValid():
		return "not an address"
	case a.IsUnspecified():
		return "unspecified"
	case a.IsLoopback():
		return "loopback"
	case a == netip.MustParseAddr("169.254.169.254") || a == netip.MustParseAddr("fd00:ec2::254"):
		return "a cloud metadata endpoint"
	case a.IsLinkLocalUnicast():
		return "link-local"
	case a.IsMulticast(), a.IsLinkLocalMulticast(), a.IsInterfaceLocalMulticast():
		return "multicast"
	case a.IsPrivate():
		return "private"
	}
	for _, b := range blocked {
		if b.prefix.Contains(a) {
			return b.why
		}
	}
	return ""
}

// CheckURL refuses, before anything is stored, a URL whose host is a
// blocked literal address or a localhost name. Other names are checked
// when connecting (Control), on every resolution.
func (g *Guard) CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrRefused, err)
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if a, err := netip.ParseAddr(host); err == nil {
		return g.CheckAddr(a)
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return g.CheckAddr(netip.MustParseAddr("127.0.0.1"))
	}
	return nil
}

// Control is a net.Dialer Control function: it refuses the connection if
// the resolved address it is about to reach is blocked.
func (g *Guard) Control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: dialing %s %q: not an address", ErrRefused, network, address)
	}
	return g.CheckAddr(ap.Addr())
}

// Client returns an HTTP client whose every connection passes Control,
// with no proxy, no redirects and timeout bounding each request.
func (g *Guard) Client(timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: timeout, Control: g.Control}
	if g != nil && g.Resolver != nil {
		d.Resolver = g.Resolver
	}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		MaxIdleConns:          16,
		IdleConnTimeout:       90 * time.Second,
	}
	return &http.Client{
		Timeout:       timeout,
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
