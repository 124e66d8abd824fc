package session

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/mlsec/mlsec/registry"
)

// Cookie names: the __Host- prefix makes the browser refuse the cookie
// unless it is Secure, host-only and Path=/, so it needs TLS.
const (
	CookieName       = "mlsec-session"
	SecureCookieName = "__Host-mlsec-session"
)

// Defaults of Config.
const (
	DefaultTTL  = 8 * time.Hour
	DefaultIdle = 30 * time.Minute
	MaxSessions = 100_000
)

// CSRFField is the form field that carries the session's CSRF token.
const CSRFField = "csrf"

// Errors.
var (
	ErrFull = errors.New("session: too many sessions; try again later")
	ErrCSRF = errors.New("session: the form's CSRF token is missing or wrong; reload the page and try again")
)

// Config configures a Manager; zero values take the defaults.
type Config struct {
	// TTL is a session's absolute lifetime; Idle ends it earlier when no
	// request used it for that long.
	TTL, Idle time.Duration
	// Secure sets the Secure cookie attribute even on plain-HTTP requests
	// (behind a TLS-terminating proxy). Requests over TLS always get it.
	Secure bool
	// Check re-resolves a session's actor on every request; an error ends
	// the session. nil accepts the stored actor unchanged.
	Check func(context.Context, registry.Actor) (registry.Actor, error)
	// Now is the clock (tests).
	Now func() time.Time
}

type entry struct {
	actor           registry.Actor
	csrf            string
	created, usedAt time.Time
}

// Manager holds the sessions.
type Manager struct {
	c  Config
	mu sync.Mutex
	m  map[string]*entry // by hex SHA-256 of the session id
	// links are the one-time sign-in links (links.go), by hash of the code.
	links map[string]link
}

// New returns a Manager.
func New(c Config) *Manager {
	if c.TTL <= 0 {
		c.TTL = DefaultTTL
	}
	if c.Idle <= 0 {
		c.Idle = DefaultIdle
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return &Manager{c: c, m: map[string]*entry{}}
}

func random() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand since Go 1.24)
	return base64.RawURLEncoding.EncodeToString(b)
}

func key(id string) string {
	s := sha256.Sum256([]byte(id))
	return hex.EncodeToString(s[:])
}

// secure reports whether r's cookies must be Secure.
func (m *Manager) secure(r *http.Request) bool { return m.c.Secure || r.TLS != nil }

// Start opens a session for a (already authenticated by the caller) and
// sets its cookie on w. A session r already carries is ended first, so a
// session id planted before sign-in is never promoted (session fixation).
func (m *Manager) Start(w http.ResponseWriter, r *http.Request, a registry.Actor) error {
	if a.Name == "" || a.Role == "" {
		return errors.New("session: Start needs an authenticated actor (name and role)")
	}
	now := m.c.Now()
	id := random()
	m.mu.Lock()
	if old, ok := m.cookie(r); ok {
		delete(m.m, key(old))
	}
	if len(m.m) >= MaxSessions {
		m.sweep(now)
	}
	if len(m.m) >= MaxSessions {
		m.mu.Unlock()
		return ErrFull
	}
	m.m[key(id)] = &entry{actor: a, csrf: random(), created: now, usedAt: now}
	m.mu.Unlock()
	http.SetCookie(w, m.newCookie(r, id, int(m.c.TTL/time.Second)))
	return nil
}

func (m *Manager) newCookie(r *http.Request, value string, maxAge int) *http.Cookie {
	c := &http.Cookie{Name: CookieName, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true, SameSite: http.SameSiteLaxMode}
	if m.secure(r) {
		c.Name, c.Secure = SecureCookieName, true
	}
	return c
}

// cookie returns the session id r carries.
func (m *Manager) cookie(r *http.Request) (string, bool) {
	name := CookieName
	if m.secure(r) {
		name = SecureCookieName
	}
	c, err := r.Cookie(name)
	if err != nil || len(c.Value) != 43 {
		return "", false
	}
	return c.Value, true
}

// sweep drops expired sessions; m.mu is held.
func (m *Manager) sweep(now time.Time) {
	for k, e := range m.m {
		if m.expired(e, now) {
			delete(m.m, k)
		}
	}
}

func (m *Manager) expired(e *entry, now time.Time) bool {
	return now.Sub(e.created) >= m.c.TTL || now.Sub(e.usedAt) >= m.c.Idle
}

// lookup returns r's live session, refreshing its idle timer.
func (m *Manager) lookup(r *http.Request) (*entry, string, bool) {
	id, ok := m.cookie(r)
	if !ok {
		return nil, "", false
	}
	k := key(id)
	now := m.c.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.m[k]
	if !ok {
		return nil, "", false
	}
	if m.expired(e, now) {
		delete(m.m, k)
		return nil, "", false
	}
	e.usedAt = now
	cp := *e
	return &cp, k, true
}

// Actor returns the actor of r's session, re-resolved by Config.Check.
func (m *Manager) Actor(r *http.Request) (registry.Actor, bool) {
	e, k, ok := m.lookup(r)
	if !ok {
		return registry.Actor{}, false
	}
	if m.c.Check == nil {
		return e.actor, true
	}
	a, err := m.c.Check(r.Context(), e.actor)
	if err != nil {
		m.mu.Lock()
		delete(m.m, k)
		m.mu.Unlock()
		return registry.Actor{}, false
	}
	return a, true
}

// CSRFToken returns the CSRF token of r's session ("" without one), for
// the hidden CSRFField of every form.
func (m *Manager) CSRFToken(r *http.Request) string {
	e, _, ok := m.lookup(r)
	if !ok {
		return ""
	}
	return e.csrf
}

// CheckCSRF checks the CSRFField of r's form (r.ParseForm is called)
// against r's session token.
func (m *Manager) CheckCSRF(r *http.Request) error {
	e, _, ok := m.lookup(r)
	if !ok {
		return ErrCSRF
	}
	got := r.PostFormValue(CSRFField)
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(e.csrf)) != 1 {
		return ErrCSRF
	}
	return nil
}

// End ends r's session and clears its cookie.
func (m *Manager) End(w http.ResponseWriter, r *http.Request) {
	if id, ok := m.cookie(r); ok {
		m.mu.Lock()
		delete(m.m, key(id))
		m.mu.Unlock()
	}
	http.SetCookie(w, m.newCookie(r, "", -1))
}

// Len returns the number of sessions held (expired ones included until
// swept).
func (m *Manager) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.m)
}
