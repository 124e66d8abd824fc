package registry

import (
	"sync"
	"time"
)

// DefaultTokenCacheTTL is how long Authenticate trusts a token row it read.
// Under load every request of a client carries the same token; caching its
// row saves one database read per request (a fifth of a version lookup).
// Expiry is still checked on every request; a revocation through this
// Service takes effect at once, one through another replica within the TTL.
const DefaultTokenCacheTTL = 2 * time.Second

// tokenCacheMax bounds the cache; only valid tokens are cached, so
// guessing secrets cannot fill it.
const tokenCacheMax = 4096

// WithTokenCacheTTL sets how long a looked-up token is reused (0 disables
// the cache).
func WithTokenCacheTTL(d time.Duration) Option { return func(s *Service) { s.tokens.ttl = d } }

type cachedToken struct {
	t     Token
	until time.Time // on the Service's clock (WithClock), so tests advance it
}

// tokenCache maps token hashes to recently read token rows.
type tokenCache struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[string]cachedToken
	// gen counts revocations: a row read before one is not cached after it.
	gen uint64
}

func newTokenCache() *tokenCache {
	return &tokenCache{ttl: DefaultTokenCacheTTL, m: map[string]cachedToken{}}
}

// get returns the cached row of hash, or the generation to pass to put
// after reading the row from the store.
func (c *tokenCache) get(hash string, now time.Time) (t Token, ok bool, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[hash]
	if !ok {
		return Token{}, false, c.gen
	}
	if now.After(e.until) {
		delete(c.m, hash)
		return Token{}, false, c.gen
	}
	return e.t, true, c.gen
}

// put caches t until now+TTL unless a revocation happened since get
// returned gen.
func (c *tokenCache) put(hash string, t Token, gen uint64, now time.Time) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.m) >= tokenCacheMax {
		clear(c.m) // rare: more live tokens than the bound in one TTL
	}
	c.m[hash] = cachedToken{t: t, until: now.Add(c.ttl)}
}

// forget drops token id (revoked through this Service).
func (c *tokenCache) forget(id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for h, e := range c.m {
		if e.t.ID == id {
			delete(c.m, h)
		}
	}
}
