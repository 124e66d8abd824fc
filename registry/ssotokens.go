package registry

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"
)

// Single sign-on (package registry/sso verifies the identity and maps it
// to an Actor; these are the registry's side of it): the audited sign-in,
// the short-lived token a signed-in person's CLI gets, and the revocation
// of one's own token ('mlsec logout').

const actionSSOExchange = "token.sso_exchange"

// RecordSignIn appends the audit event of a sign-in (a web UI session
// started by single sign-on, a one-time link issued or used) with its
// details, about the principal who signed in.
func (s *Service) RecordSignIn(ctx context.Context, a Actor, action string, details map[string]any) error {
	return s.mutate(ctx, a, action, "principal/"+a.Principal(), func() any { return details }, func(Tx) error { return nil })
}

// RecordUISignIn appends the audit event of a one-time web UI sign-in
// link (action ui.login_link.create when issued, ui.login_link.use when
// redeemed) for a, with the link's expiry.
func (s *Service) RecordUISignIn(ctx context.Context, a Actor, action string, expires time.Time) error {
	return s.RecordSignIn(ctx, a, action, map[string]any{"expires_at": expires.UTC()})
}

// IssueSSOToken issues the registry token of a person whose identity the
// OpenID provider vouched for (a, built by package registry/sso, with the
// mapped role and scope and an SSO principal as Person): valid for ttl,
// audited as token.sso_exchange with details (issuer, subject). Its
// person is a's principal, so it approves and owns as the same person as
// that person's web UI session and other SSO tokens.
func (s *Service) IssueSSOToken(ctx context.Context, a Actor, ttl time.Duration, details map[string]any) (Token, string, error) {
	if !IsSSOPrincipal(a.Person) || a.TokenID != 0 {
		return Token{}, "", fmt.Errorf("%w: only a single sign-on identity exchanges its ID token for a registry token", ErrForbidden)
	}
	if ttl <= 0 {
		return Token{}, "", invalidf("token lifetime %s", ttl)
	}
	b := make([]byte, 6)
	rand.Read(b) // never fails (crypto/rand since Go 1.24)
	exp := s.now().Add(ttl)
	t := Token{Name: "sso-" + hex.EncodeToString(b), Person: a.Person, Role: a.Role, ScopeTeam: a.ScopeTeam, ScopeModel: a.ScopeModel, ExpiresAt: &exp}
	return s.issueToken(ctx, a, t, "", actionSSOExchange, details)
}

// RevokeOwnToken revokes the token a authenticated with ('mlsec logout'):
// any role may end its own token; audited as token.revoke.
func (s *Service) RevokeOwnToken(ctx context.Context, a Actor) error {
	if a.TokenID == 0 {
		return invalidf("this session did not authenticate with a token")
	}
	id := a.TokenID
	s.tokens.forget(id)
	defer s.tokens.forget(id)
	return s.mutate(ctx, a, "token.revoke", fmt.Sprintf("token/%d", id), nil, func(tx Tx) error {
		return tx.RevokeToken(ctx, id, s.now())
	})
}

// SSOExchange is the body of POST /api/v1/auth/oidc/exchange: an ID token
// the provider issued to the CLI's client by the device flow.
type SSOExchange struct {
	IDToken string `json:"id_token"`
}

// SSOToken answers the exchange: the registry token (shown once) and who
// it acts as.
type SSOToken struct {
	Token      string    `json:"token"`
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	Person     string    `json:"person"`
	Role       Role      `json:"role"`
	ScopeTeam  string    `json:"scope_team,omitempty"`
	ScopeModel string    `json:"scope_model,omitempty"`
	ExpiresAt  time.Time `json:"expires_at"`
}
