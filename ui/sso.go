package ui

import (
	"fmt"
	"net/http"

	"github.com/mlsec/mlsec/registry"
)

// Single sign-on (package registry/sso does the protocol): the button on
// the sign-in page leads to SSOStart, the provider sends the browser back
// to SSOCallback. Every failure (a state that does not match, a group no
// rule maps, an expired or forged ID token, a provider that does not
// answer) is an error page with its status and what to do, never a 500.

var errNoSSO = fmt.Errorf("%w: single sign-on is not configured on this registry; sign in with an API token", registry.ErrNotFound)

// SSOStart sends the browser to the provider, with a fresh state, nonce
// and PKCE challenge bound to a short-lived cookie.
func (u *UI) SSOStart(w http.ResponseWriter, r *http.Request, _ registry.Actor) error {
	if u.sso == nil {
		return errNoSSO
	}
	to, err := u.sso.Begin(r.Context(), w, r, safeNext(r.URL.Query().Get("next")))
	if err != nil {
		return err
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// SSOCallback finishes the sign-in: the identity the provider vouched for,
// mapped to a role and scope, gets a session; audited as ui.sso_signin
// with the provider's issuer and subject.
func (u *UI) SSOCallback(w http.ResponseWriter, r *http.Request, _ registry.Actor) error {
	if u.sso == nil {
		return errNoSSO
	}
	id, next, err := u.sso.Finish(r.Context(), w, r)
	if err != nil {
		return err
	}
	if err := u.svc.RecordSignIn(r.Context(), id.Actor, "ui.sso_signin", id.Details("web")); err != nil {
		return err
	}
	if err := u.sess.Start(w, r, id.Actor); err != nil {
		return err
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}
