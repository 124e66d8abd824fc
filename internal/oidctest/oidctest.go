// Package oidctest runs a real OpenID provider on loopback for tests:
// zitadel/oidc's certified op package with its example storage and login
// pages, plus the groups claim and the e-mail and profile claims in the ID
// token (which a provider such as Keycloak or Okta puts there and the
// example storage does not). It is test support only: nothing outside
// _test.go files imports it.
package oidctest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// User is a person the provider knows; Password signs in on its login
// page (username = ID).
type User struct {
	ID, Password, Email string
	EmailVerified       bool
	Groups              []string
}

// Clients of the provider.
const (
	WebClientID     = "mlsec-web"
	WebClientSecret = "web-secret-for-tests-only"
	CLIClientID     = "mlsec-cli"
	OtherClientID   = "another-app"
)

// Provider is a running test provider.
type Provider struct {
	Issuer  string
	Storage *storage.Storage
	users   map[string]User
	// WrongNonce makes the provider put another sign-in's nonce in the
	// ID tokens it issues; Expired makes them expired when issued (the
	// attack tests of the web flow).
	WrongNonce, Expired atomic.Bool
}

// Start serves a provider on loopback until the test ends; redirectURIs
// are the web client's registered callbacks.
func Start(t testing.TB, users []User, redirectURIs ...string) *Provider {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	p := &Provider{Issuer: "http://" + ts.Listener.Addr().String(), users: map[string]User{}}
	us := userStore{}
	for _, u := range users {
		p.users[u.ID] = u
		us[u.ID] = &storage.User{ID: u.ID, Username: u.ID, Password: u.Password, FirstName: u.ID, LastName: "Test",
			Email: u.Email, EmailVerified: u.EmailVerified, PreferredLanguage: language.English}
	}
	clients := map[string]*storage.Client{
		WebClientID:   storage.WebClient(WebClientID, WebClientSecret, redirectURIs...),
		CLIClientID:   storage.DeviceClient(CLIClientID, ""),
		OtherClientID: storage.DeviceClient(OtherClientID, ""),
	}
	p.Storage = storage.NewStorageWithClients(us, clients)
	ts.Config.Handler = exampleop.SetupServer(p.Issuer, &claimsStorage{Storage: p.Storage, p: p}, nil, false)
	ts.Start()
	t.Cleanup(ts.Close)
	return p
}

type userStore map[string]*storage.User

func (u userStore) GetUserByID(id string) *storage.User { return u[id] }
func (u userStore) GetUserByUsername(name string) *storage.User {
	return u[name]
}
func (u userStore) ExampleClientID() string { return storage.ServiceUserID }

// claimsStorage adds the groups claim, and e-mail and profile claims in
// the ID token; the device clients are public (no secret), as a CLI is.
type claimsStorage struct {
	*storage.Storage
	p *Provider
}

func (s *claimsStorage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	if id == WebClientID {
		return claimsClient{c, s.p}, nil
	}
	return publicClient{claimsClient{c, s.p}}, nil
}

func (s *claimsStorage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	ar, err := s.Storage.AuthRequestByCode(ctx, code)
	if err == nil && s.p.WrongNonce.Load() {
		return otherNonce{ar}, nil
	}
	return ar, err
}

type otherNonce struct{ op.AuthRequest }

func (otherNonce) GetNonce() string { return "the-nonce-of-another-sign-in" }

func (s *claimsStorage) SetUserinfoFromRequest(ctx context.Context, ui *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	if err := s.Storage.SetUserinfoFromRequest(ctx, ui, req, scopes); err != nil {
		return err
	}
	if u, ok := s.p.users[req.GetSubject()]; ok && u.Groups != nil {
		ui.AppendClaims("groups", u.Groups)
	}
	return nil
}

type claimsClient struct {
	op.Client
	p *Provider
}

func (claimsClient) IDTokenUserinfoClaimsAssertion() bool { return true }

func (c claimsClient) IDTokenLifetime() time.Duration {
	if c.p.Expired.Load() {
		return -time.Hour
	}
	return c.Client.IDTokenLifetime()
}

type publicClient struct{ claimsClient }

func (publicClient) ApplicationType() op.ApplicationType { return op.ApplicationTypeNative }
func (publicClient) AuthMethod() oidc.AuthMethod         { return oidc.AuthMethodNone }

// Approve completes a device authorization as user (the person typing the
// code on the provider's page).
func (p *Provider) Approve(ctx context.Context, userCode, user string) error {
	return p.Storage.CompleteDeviceAuthorization(ctx, userCode, user)
}

// Mint signs claims as an ID token with the provider's own key (key nil)
// or another key, for the attack tests: an expired token, another
// audience, a wrong nonce, a forged signature.
func (p *Provider) Mint(t testing.TB, claims map[string]any, key *rsa.PrivateKey) string {
	t.Helper()
	kid := "forged"
	if key == nil {
		sk, err := p.Storage.SigningKey(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		key, kid = sk.Key().(*rsa.PrivateKey), string(sk.ID())
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: kid}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := signer.Sign(b)
	if err != nil {
		t.Fatal(err)
	}
	s, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Claims returns valid ID token claims for user and audience, issued now.
func (p *Provider) Claims(user, audience string) map[string]any {
	u := p.users[user]
	now := time.Now()
	return map[string]any{"iss": p.Issuer, "sub": u.ID, "aud": []string{audience}, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"email": u.Email, "email_verified": u.EmailVerified, "preferred_username": u.ID, "groups": u.Groups}
}

// With returns a copy of claims with k set to v.
func With(claims map[string]any, k string, v any) map[string]any {
	c := maps.Clone(claims)
	c[k] = v
	return c
}

// NewKey returns a fresh RSA key (a forger's).
func NewKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// Login signs user in on the provider's login page the way a browser
// would, starting at authURL (the authorization request), and returns the
// URL the provider redirects to on redirectPrefix (the callback, with
// code and state), without following it.
func (p *Provider) Login(t testing.TB, authURL, user, password, redirectPrefix string) string {
	t.Helper()
	var callback string
	c := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(r *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(r.URL.String(), redirectPrefix) {
			callback = r.URL.String()
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := c.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if callback != "" {
		return callback
	}
	id := resp.Request.URL.Query().Get("authRequestID")
	if id == "" {
		t.Fatalf("the provider did not show its login page: %s %s", resp.Status, resp.Request.URL)
	}
	resp, err = c.PostForm(p.Issuer+"/login/username", url.Values{"id": {id}, "username": {user}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if callback == "" {
		t.Fatalf("the provider did not redirect to %s after sign-in: %s %s", redirectPrefix, resp.Status, resp.Request.URL)
	}
	return callback
}
