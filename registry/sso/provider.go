package sso

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/mlsec/mlsec/registry"
)

// Options are a Provider's runtime settings.
type Options struct {
	// HTTPClient reaches the provider (default: a client with a 15 s
	// timeout).
	HTTPClient *http.Client
	// Secure marks the flow cookie Secure on plain HTTP too (behind a
	// TLS proxy), as session.Config.Secure does for the session cookie.
	Secure bool
	// Now is the clock (tests).
	Now func() time.Time
}

// Provider is one configured OpenID provider.
type Provider struct {
	cfg    Config
	client *http.Client
	secure bool
	now    func() time.Time

	mu       sync.Mutex
	op       *oidc.Provider // nil until discovery succeeds
	web, cli *oidc.IDTokenVerifier
	flows    map[string]flow // by flow cookie value
}

// flow is a web sign-in in progress, bound to the browser by its cookie.
type flow struct {
	state, nonce, verifier, next string
	expires                      time.Time
}

// Flow limits: a browser has FlowTTL to come back from the provider;
// MaxFlows bounds the flows waiting at once (memory).
const (
	FlowTTL  = 10 * time.Minute
	MaxFlows = 10_000
	// MaxIDTokenAge is how old an ID token the CLI exchanges may be: the
	// device flow just produced it, so an older one is a replay.
	MaxIDTokenAge = 10 * time.Minute
)

// Cookie names of the flow cookie (__Host- when Secure, as the session's).
const (
	FlowCookie       = "mlsec-oidc"
	SecureFlowCookie = "__Host-mlsec-oidc"
)

// New returns a Provider for c, which must have been Resolved. It tries
// discovery once: a provider down at start is not fatal (sign-ins fail
// with ErrUnavailable and discovery is retried), so err is only for a bad
// configuration; check Ready to report the first attempt.
func New(ctx context.Context, c Config, o Options) (*Provider, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	p := &Provider{cfg: c, client: o.HTTPClient, secure: o.Secure, now: o.Now, flows: map[string]flow{}}
	if p.client == nil {
		p.client = &http.Client{Timeout: 15 * time.Second}
	}
	if p.now == nil {
		p.now = time.Now
	}
	p.discover(ctx) //nolint:errcheck // retried on use; Ready reports it
	return p, nil
}

// Name is the provider's display name.
func (p *Provider) Name() string { return p.cfg.Name }

// Config returns the resolved configuration.
func (p *Provider) Config() Config { return p.cfg }

// Ready tries discovery (if it has not succeeded yet) and returns its
// error: the provider's discovery document and keys are unreachable.
func (p *Provider) Ready(ctx context.Context) error {
	_, err := p.discover(ctx)
	return err
}

func (p *Provider) ctx(ctx context.Context) context.Context {
	return oidc.ClientContext(ctx, p.client)
}

// discover fetches the discovery document once; failures are retried on
// the next call.
func (p *Provider) discover(ctx context.Context) (*oidc.Provider, error) {
	p.mu.Lock()
	op := p.op
	p.mu.Unlock()
	if op != nil {
		return op, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	op, err := oidc.NewProvider(p.ctx(ctx), p.cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("%w: the OpenID provider %s cannot be reached or answered wrongly: %v", registry.ErrUnavailable, p.cfg.Issuer, err)
	}
	vc := func(id string) *oidc.IDTokenVerifier {
		return op.VerifierContext(p.ctx(context.WithoutCancel(ctx)), &oidc.Config{ClientID: id, Now: p.now})
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.op == nil {
		p.op, p.web, p.cli = op, vc(p.cfg.ClientID), vc(p.cfg.CLIClientID)
	}
	return p.op, nil
}

func (p *Provider) oauth(op *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{ClientID: p.cfg.ClientID, ClientSecret: p.cfg.ClientSecret, Endpoint: op.Endpoint(),
		RedirectURL: p.cfg.RedirectURL, Scopes: append([]string{oidc.ScopeOpenID}, p.cfg.Scopes...)}
}

func random() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand since Go 1.24)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (p *Provider) cookieName(r *http.Request) (string, bool) {
	if p.secure || r.TLS != nil {
		return SecureFlowCookie, true
	}
	return FlowCookie, false
}

// Begin starts a web sign-in: it binds a new state, nonce and PKCE
// verifier to a flow cookie on w and returns the provider's authorization
// URL to redirect to. next is where Finish sends the person afterwards.
func (p *Provider) Begin(ctx context.Context, w http.ResponseWriter, r *http.Request, next string) (string, error) {
	op, err := p.discover(ctx)
	if err != nil {
		return "", err
	}
	f := flow{state: random(), nonce: random(), verifier: oauth2.GenerateVerifier(), next: next, expires: p.now().Add(FlowTTL)}
	id := random()
	p.mu.Lock()
	if len(p.flows) >= MaxFlows {
		now := p.now()
		for k, v := range p.flows {
			if !now.Before(v.expires) {
				delete(p.flows, k)
			}
		}
	}
	if len(p.flows) >= MaxFlows {
		p.mu.Unlock()
		return "", fmt.Errorf("%w: too many sign-ins in progress; try again in a few minutes", registry.ErrUnavailable)
	}
	p.flows[id] = f
	p.mu.Unlock()
	name, secure := p.cookieName(r)
	// SameSite=Lax: the provider's redirect back is a top-level GET
	// navigation, which carries Lax cookies; a cross-site POST does not.
	http.SetCookie(w, &http.Cookie{Name: name, Value: id, Path: "/", MaxAge: int(FlowTTL / time.Second), HttpOnly: true,
		Secure: secure, SameSite: http.SameSiteLaxMode})
	return p.oauth(op).AuthCodeURL(f.state, oauth2.S256ChallengeOption(f.verifier), oidc.Nonce(f.nonce)), nil
}

// Errors of Finish, each wrapping the registry error kind that decides
// its HTTP status.
var (
	ErrState   = fmt.Errorf("%w: this sign-in was not started in this browser, was already used or took too long; start again from the sign-in page", registry.ErrInvalid)
	ErrRefused = fmt.Errorf("%w: the provider did not sign you in", registry.ErrUnauthenticated)
	ErrIDToken = fmt.Errorf("%w: the provider's ID token is not valid", registry.ErrUnauthenticated)
)

// Finish completes a web sign-in at the callback: the flow cookie's
// state must match (once: a replayed callback is refused), the code is
// exchanged with the PKCE verifier, and the ID token is verified (issuer,
// audience = ClientID, expiry, signature, nonce) and mapped. It returns
// the identity and the next path given to Begin, and clears the cookie.
func (p *Provider) Finish(ctx context.Context, w http.ResponseWriter, r *http.Request) (Identity, string, error) {
	name, secure := p.cookieName(r)
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
	c, err := r.Cookie(name)
	if err != nil {
		return Identity{}, "", ErrState
	}
	p.mu.Lock()
	f, ok := p.flows[c.Value]
	delete(p.flows, c.Value) // one use, whatever happens next
	p.mu.Unlock()
	q := r.URL.Query()
	if !ok || !p.now().Before(f.expires) || subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(f.state)) != 1 {
		return Identity{}, "", ErrState
	}
	if e := q.Get("error"); e != "" {
		return Identity{}, "", fmt.Errorf("%w (%s)", ErrRefused, clip(e+": "+q.Get("error_description")))
	}
	op, err := p.discover(ctx)
	if err != nil {
		return Identity{}, "", err
	}
	tok, err := p.oauth(op).Exchange(p.ctx(ctx), q.Get("code"), oauth2.VerifierOption(f.verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			return Identity{}, "", fmt.Errorf("%w: the authorization code was refused (%s)", ErrRefused, clip(re.ErrorCode+" "+re.ErrorDescription))
		}
		return Identity{}, "", fmt.Errorf("%w: the provider's token endpoint did not answer: %v", registry.ErrUnavailable, err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return Identity{}, "", fmt.Errorf("%w: the provider returned no ID token (is the openid scope allowed for client %s?)", ErrIDToken, p.cfg.ClientID)
	}
	p.mu.Lock()
	v := p.web
	p.mu.Unlock()
	id, err := p.verify(ctx, v, raw)
	if err != nil {
		return Identity{}, "", err
	}
	if subtle.ConstantTimeCompare([]byte(id.nonce), []byte(f.nonce)) != 1 {
		return Identity{}, "", fmt.Errorf("%w: its nonce is not this sign-in's (a replayed token)", ErrIDToken)
	}
	return id.Identity, f.next, nil
}

type verified struct {
	Identity
	nonce    string
	issuedAt time.Time
}

// verify checks raw with v (signature against the provider's keys,
// issuer, audience, expiry) and maps its claims.
func (p *Provider) verify(ctx context.Context, v *oidc.IDTokenVerifier, raw string) (verified, error) {
	t, err := v.Verify(p.ctx(ctx), raw)
	if err != nil {
		var ee *oidc.TokenExpiredError
		if errors.As(err, &ee) {
			return verified{}, fmt.Errorf("%w: it expired at %s; sign in again", ErrIDToken, ee.Expiry.UTC().Format(time.RFC3339))
		}
		return verified{}, fmt.Errorf("%w: %v", ErrIDToken, err)
	}
	var raw2 rawJSON
	if err := t.Claims(&raw2); err != nil {
		return verified{}, fmt.Errorf("%w: claims: %v", ErrIDToken, err)
	}
	cl, err := decodeClaims(raw2.b, p.cfg.GroupsClaim)
	if err != nil {
		return verified{}, fmt.Errorf("%w: %v", ErrIDToken, err)
	}
	a, err := p.cfg.Map(cl)
	if err != nil {
		return verified{}, err
	}
	return verified{Identity: Identity{Claims: cl, Actor: a}, nonce: t.Nonce, issuedAt: t.IssuedAt}, nil
}

// VerifyCLI verifies an ID token 'mlsec login' got by the device flow
// (audience CLIClientID, issued within MaxIDTokenAge) and maps it.
func (p *Provider) VerifyCLI(ctx context.Context, raw string) (Identity, error) {
	if _, err := p.discover(ctx); err != nil {
		return Identity{}, err
	}
	p.mu.Lock()
	v := p.cli
	p.mu.Unlock()
	id, err := p.verify(ctx, v, raw)
	if err != nil {
		return Identity{}, err
	}
	if age := p.now().Sub(id.issuedAt); age > MaxIDTokenAge {
		return Identity{}, fmt.Errorf("%w: it was issued %s ago; 'mlsec login' exchanges a fresh one", ErrIDToken, age.Round(time.Second))
	}
	return id.Identity, nil
}

// CLIConfig is what 'mlsec login' needs to run the device flow
// (GET /api/v1/auth/oidc).
type CLIConfig struct {
	Name     string   `json:"name"`
	Issuer   string   `json:"issuer"`
	ClientID string   `json:"client_id"`
	Scopes   []string `json:"scopes"`
}

// CLI returns the device flow settings.
func (p *Provider) CLI() CLIConfig {
	return CLIConfig{Name: p.cfg.Name, Issuer: p.cfg.Issuer, ClientID: p.cfg.CLIClientID, Scopes: append([]string{oidc.ScopeOpenID}, p.cfg.Scopes...)}
}

// TokenTTL is the lifetime of an exchanged registry token.
func (p *Provider) TokenTTL() time.Duration { return p.cfg.TokenTTL }

// rawJSON keeps the claims as JSON for decodeClaims.
type rawJSON struct{ b []byte }

func (r *rawJSON) UnmarshalJSON(b []byte) error { r.b = append([]byte(nil), b...); return nil }

// clip bounds provider-supplied text shown to the person.
func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
