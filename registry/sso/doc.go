// Package sso is single sign-on for people: OpenID Connect, verified
// with coreos/go-oidc and golang.org/x/oauth2.
//
// The web UI signs a person in with the authorization code flow (PKCE,
// and a state and nonce bound to a short-lived cookie: Provider.Begin and
// Provider.Finish); the CLI ('mlsec login') runs the device authorization
// grant (RFC 8628) against the provider itself and exchanges the ID token
// it gets for a short-lived registry token (Provider.VerifyCLI, then
// registry.Service.IssueSSOToken). Every ID token is checked for issuer,
// audience, expiry and signature against the provider's published keys;
// the web flow checks the nonce too.
//
// Config maps the identity to one registry.Actor: the principal is
// "sso:" + the configured claim (email by default, which must be
// verified), so it never collides with an API token's name; the role and
// scope come from the first most privileged Rule that matches one of the
// person's groups or their verified e-mail domain. An identity that no
// rule maps is refused (fail closed).
//
// Limits: one provider per registry; web flows in progress live in this
// process's memory (like the UI's sessions), so replicas behind a load
// balancer need sticky sessions; a web session keeps the role it signed
// in with until it ends (re-sign-in picks up group changes); the CLI's
// registry token lives Config.TokenTTL and is revoked by 'mlsec logout'.
package sso
