package gateway

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"golang.org/x/time/rate"
)

// Client names for requests that are not a configured client.
const (
	ClientAnonymous       = "anonymous"
	clientUnauthenticated = "unauthenticated"
)

// KeyPrefix starts every API key NewKey makes, so leaked keys are easy to
// recognise (and the pii recognizer's key-like rules catch them).
const KeyPrefix = "mlsgw_"

// NewKey returns a new random API key and the hex SHA-256 to put in the
// configuration (clients[].key_sha256). The key is shown once and never
// stored.
func NewKey() (key, sha string) {
	b := make([]byte, 32)
	rand.Read(b)
	key = KeyPrefix + hex.EncodeToString(b)
	return key, HashKey(key)
}

// HashKey returns the hex SHA-256 of an API key. Keys are 256-bit random
// values, so a plain hash is enough: nothing can be guessed from it.
func HashKey(key string) string {
	s := sha256.Sum256([]byte(key))
	return hex.EncodeToString(s[:])
}

type client struct {
	name    string
	limiter *rate.Limiter // nil: unlimited
}

// clients resolves API keys to clients. Lookup is by the key's hash, so the
// map holds no secret and a timing difference reveals nothing about a key.
type clients struct {
	// byHash is keyed by the digest's bytes, not its hex: hex-encoding
	// every request's digest cost two allocations per request.
	byHash    map[[sha256.Size]byte]*client
	anonymous *client // nil unless allow_anonymous
	// peerKey keys the pseudonyms of anonymous callers' addresses
	// (peerOf): random per process, never stored or logged.
	peerKey []byte
}

func newClients(c *Config) *clients {
	cs := &clients{byHash: map[[sha256.Size]byte]*client{}, peerKey: make([]byte, 32)}
	rand.Read(cs.peerKey)
	for _, cc := range c.Clients {
		cl := &client{name: cc.Name}
		if cc.Rate > 0 {
			cl.limiter = rate.NewLimiter(rate.Limit(cc.Rate), cc.Burst)
		}
		var sum [sha256.Size]byte
		if n, err := hex.Decode(sum[:], []byte(cc.KeySHA256)); err == nil && n == len(sum) {
			cs.byHash[sum] = cl
		} // else no key can match it (Validate refuses such a configuration)
	}
	if c.AllowAnonymous {
		cs.anonymous = &client{name: ClientAnonymous}
	}
	return cs
}

// keyOf returns the API key a request carries: "Authorization: Bearer K"
// (what OpenAI clients send) or "X-Api-Key: K".
func keyOf(r *http.Request) string {
	if k := r.Header.Get("X-Api-Key"); k != "" {
		return strings.TrimSpace(k)
	}
	a := r.Header.Get("Authorization")
	if len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		return strings.TrimSpace(a[7:])
	}
	return ""
}

// lookup returns the request's client, or nil when the key is missing (and
// anonymous access is off) or unknown.
func (cs *clients) lookup(r *http.Request) *client {
	k := keyOf(r)
	if k == "" {
		return cs.anonymous
	}
	return cs.byHash[sha256.Sum256([]byte(k))]
}

// peerOf names the caller behind an anonymous request for the extraction
// detectors, which work per client: without it every keyless caller would
// be one client "anonymous", so one prober's block would block everyone and
// many slow probers would add up to one. The name is "anonymous/" and an
// HMAC of the connection's address under a per-process random key: a
// pseudonym, stable while the gateway runs, from which the address cannot
// be read back, so no IP address (personal data) reaches a log line, an
// alert, a metric or `mlsec gateway clients`. IPv6 addresses count per /64,
// what one host or home network gets, so rotating inside it changes
// nothing. The address is the TCP peer's: X-Forwarded-For is not trusted,
// since any caller can write it (behind a proxy every anonymous caller is
// the proxy: give callers keys there).
func (cs *clients) peerOf(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	key := host
	if a, err := netip.ParseAddr(host); err == nil {
		a = a.Unmap()
		if a.Is6() {
			if p, err := a.Prefix(64); err == nil {
				a = p.Addr()
			}
		}
		key = a.String()
	}
	m := hmac.New(sha256.New, cs.peerKey)
	m.Write([]byte(key))
	return ClientAnonymous + "/" + hex.EncodeToString(m.Sum(nil)[:6])
}

func (c *client) allow() bool { return c.limiter == nil || c.limiter.Allow() }
