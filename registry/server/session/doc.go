// Package session keeps the web UI's server-side sessions: a browser signs
// in once (with an API token, or through an OIDC login handler) and then
// carries only an opaque, random session id in a cookie. The session
// resolves to the same registry.Actor a bearer token would, so every page
// and form is authorized by the server's one authorization check.
//
// The API for login handlers (the token sign-in form in package ui, and an
// OIDC callback built elsewhere):
//
//	m.Start(w, r, actor) // after the caller has authenticated the person
//	a, ok := m.Actor(r)  // on every request
//	m.End(w, r)          // sign-out
//
// Start takes a registry.Actor, the principal type the server uses for
// tokens. A token sign-in passes the Actor that registry.Service.
// Authenticate returned (TokenID set); an OIDC handler passes an Actor it
// built for the person (TokenID 0). On every request the Manager's Check
// function re-resolves the actor (the server passes
// registry.Service.Reauthenticate), so revoking or expiring the token ends
// every session opened with it at once.
//
// Cookies: HttpOnly, Path=/, SameSite=Lax, Secure when the request came
// over TLS (or Config.Secure), named __Host-mlsec-session when Secure.
// Lax rather than Strict because Strict drops the cookie on the top-level
// navigation that ends an OIDC login and on links to a page from mail or
// chat; Lax still withholds it from cross-site POSTs, and every
// state-changing form is also checked by Go's http.CrossOriginProtection
// (Fetch metadata / Origin) and a per-session CSRF token (CheckCSRF).
//
// Headers sets the strict Content-Security-Policy and the other browser
// hardening headers on every UI response.
//
// Limits: sessions live in the server's memory, so a restart signs
// everyone out and several replicas need sticky sessions (or a shared
// store, not built). Session ids are stored only as SHA-256 hashes, so a
// memory dump of the map does not yield usable cookies. At most MaxSessions
// sessions exist at once; Start fails beyond that (fail closed).
package session
