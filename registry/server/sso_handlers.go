package server

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/sso"
)

// Single sign-on for the CLI (docs/registry.md "Single sign-on"): 'mlsec
// login' reads the provider's device flow settings, runs the flow against
// the provider, and exchanges the ID token here for a short-lived registry
// token; 'mlsec logout' revokes it. The web UI's sign-in is in package ui
// (SSOStart, SSOCallback).

// SSO is what the server needs of single sign-on (*sso.Provider).
type SSO interface {
	CLI() sso.CLIConfig
	VerifyCLI(ctx context.Context, rawIDToken string) (sso.Identity, error)
	TokenTTL() time.Duration
}

var _ SSO = (*sso.Provider)(nil)

var errNoSSO = fmt.Errorf("%w: single sign-on is not configured on this registry (mlsec serve --oidc-config); use an API token", registry.ErrNotFound)

// ssoConfig answers GET /api/v1/auth/oidc.
func (s *Server) ssoConfig(w http.ResponseWriter, r *http.Request, _ registry.Actor) {
	if s.sso == nil {
		s.fail(w, r, errNoSSO)
		return
	}
	writeJSON(w, http.StatusOK, s.sso.CLI())
}

// ssoExchange answers POST /api/v1/auth/oidc/exchange: a public route,
// authenticated by the ID token itself (VerifyCLI: signature, issuer,
// audience = the CLI's client, expiry, freshness), then mapped to a role
// and scope; the token it issues is audited as token.sso_exchange.
func (s *Server) ssoExchange(w http.ResponseWriter, r *http.Request, _ registry.Actor) {
	if s.sso == nil {
		s.fail(w, r, errNoSSO)
		return
	}
	in, ok := decodeInto[registry.SSOExchange](s, w, r)
	if !ok {
		return
	}
	if in.IDToken == "" {
		s.fail(w, r, invalid("id_token is required"))
		return
	}
	id, err := s.sso.VerifyCLI(r.Context(), in.IDToken)
	if err != nil {
		s.log.WarnContext(r.Context(), "single sign-on exchange refused", "err", err, "request_id", requestID(r.Context()))
		s.fail(w, r, err)
		return
	}
	t, secret, err := s.svc.IssueSSOToken(r.Context(), id.Actor, s.sso.TokenTTL(), id.Details("cli"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, registry.SSOToken{Token: secret, ID: t.ID, Name: t.Name, Person: t.Person, Role: t.Role,
		ScopeTeam: t.ScopeTeam, ScopeModel: t.ScopeModel, ExpiresAt: *t.ExpiresAt})
}

// revokeOwnToken answers DELETE /api/v1/auth/token ('mlsec logout').
func (s *Server) revokeOwnToken(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	s.noContent(w, r, s.svc.RevokeOwnToken(r.Context(), a))
}
