package session

import (
	"errors"
	"net/http"
	"time"

	"github.com/mlsec/mlsec/registry"
)

// LinkTTL is how long a one-time sign-in link works; MaxLinks bounds the
// links waiting at once.
const (
	LinkTTL  = 5 * time.Minute
	MaxLinks = 10_000
)

// ErrLink is the one answer to an unknown, used or expired link.
var ErrLink = errors.New("session: this sign-in link is unknown, already used or expired; run 'mlsec ui login' for a new one")

type link struct {
	actor   registry.Actor
	expires time.Time
}

// NewLink returns a one-time sign-in code for a ('mlsec ui login'): it
// works once, within LinkTTL. Only its hash is kept.
func (m *Manager) NewLink(a registry.Actor) (code string, expires time.Time, err error) {
	if a.Name == "" || a.Role == "" {
		return "", time.Time{}, errors.New("session: NewLink needs an authenticated actor")
	}
	now := m.c.Now()
	code, expires = random(), now.Add(LinkTTL)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.links == nil {
		m.links = map[string]link{}
	}
	if len(m.links) >= MaxLinks {
		for k, l := range m.links {
			if !now.Before(l.expires) {
				delete(m.links, k)
			}
		}
		if len(m.links) >= MaxLinks {
			return "", time.Time{}, ErrFull
		}
	}
	m.links[key(code)] = link{actor: a, expires: expires}
	return code, expires, nil
}

// Redeem consumes code (whatever happens next, it never works again),
// re-checks its actor with Config.Check and starts a session for it.
func (m *Manager) Redeem(w http.ResponseWriter, r *http.Request, code string) (registry.Actor, error) {
	k := key(code)
	m.mu.Lock()
	l, ok := m.links[k]
	delete(m.links, k)
	m.mu.Unlock()
	if !ok || !m.c.Now().Before(l.expires) {
		return registry.Actor{}, ErrLink
	}
	a := l.actor
	if m.c.Check != nil {
		var err error
		if a, err = m.c.Check(r.Context(), a); err != nil {
			return registry.Actor{}, ErrLink
		}
	}
	return a, m.Start(w, r, a)
}
