package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/mlsec/mlsec/registry"
)

// Pages is the web UI (package ui implements it). Its routes are in the
// routes table (page: true), so the server authenticates (by session
// cookie instead of bearer token) and authorizes them with the same
// permission and scope checks as the API, and the authorization matrix
// test covers them. A page method returns its error rather than writing
// it, so status() stays the one mapping from error kinds to HTTP codes.
type Pages interface {
	Home(w http.ResponseWriter, r *http.Request, a registry.Actor) error
	SignInForm(w http.ResponseWriter, r *http.Request, a registry.Actor) error
	SignIn(w http.ResponseWriter, r *http.Request, a registry.Actor) error
	SignOut(w http.ResponseWriter, r *http.Request, a registry.Actor) error
	LinkForm(w http.ResponseWriter, r *http.Request, a registry.Actor) error
	LinkSignIn(w http.ResponseWriter, r *http.Request, a registry.Actor) error
	// SSOStart and SSOCallback are the single sign-on code flow.
	SSOStart(w http.ResponseWriter, r *http.Request, a registry.Actor) error
	SSOCallback(w http.ResponseWriter, r *http.Request, a registry.Actor) error
	Static(w http.ResponseWriter, r *http.Request, a registry.Actor) error
	Models(w http.ResponseWriter, r *http.Request, a registry.Actor) error
	Model(w http.ResponseWriter, r *http.Request, a registry.Actor) error
	Version(w http.ResponseWriter, r *http.Request, a registry.Actor) error
	Report(w http.ResponseWriter, r *http.Request, a registry.Actor) error
	Decisions(w http.ResponseWriter, r *http.Request, a registry.Actor) error
	Decide(w http.ResponseWriter, r *http.Request, a registry.Actor) error
	Audit(w http.ResponseWriter, r *http.Request, a registry.Actor) error
	VerifyAudit(w http.ResponseWriter, r *http.Request, a registry.Actor) error
	AuditProof(w http.ResponseWriter, r *http.Request, a registry.Actor) error
	Datasets(w http.ResponseWriter, r *http.Request, a registry.Actor) error
	// Error renders a failed page request as an HTML page with status code.
	Error(w http.ResponseWriter, r *http.Request, code int, err error)
}

// Sessions is what the server needs of the UI's session manager
// (*session.Manager implements it).
type Sessions interface {
	Actor(r *http.Request) (registry.Actor, bool)
	CheckCSRF(r *http.Request) error
	NewLink(a registry.Actor) (code string, expires time.Time, err error)
}

// loginLink answers POST /api/v1/ui/login-links.
type loginLink struct {
	Path      string    `json:"path"`
	ExpiresAt time.Time `json:"expires_at"`
}

// createLoginLink issues a one-time web UI sign-in link for the caller
// ('mlsec ui login'), audited as ui.login_link.create.
func (s *Server) createLoginLink(w http.ResponseWriter, r *http.Request, a registry.Actor) {
	if s.sessions == nil {
		s.fail(w, r, fmt.Errorf("%w: this server has no web UI", registry.ErrNotFound))
		return
	}
	code, exp, err := s.sessions.NewLink(a)
	if err == nil {
		err = s.svc.RecordUISignIn(r.Context(), a, "ui.login_link.create", exp)
	}
	s.respond(w, r, http.StatusCreated, loginLink{Path: "/signin/link/" + code, ExpiresAt: exp}, err)
}

// onPage adapts a Pages method to a route handler.
func onPage(f func(Pages, http.ResponseWriter, *http.Request, registry.Actor) error) func(*Server, http.ResponseWriter, *http.Request, registry.Actor) {
	return func(s *Server, w http.ResponseWriter, r *http.Request, a registry.Actor) {
		if err := f(s.pages, w, r, a); err != nil {
			s.failPage(w, r, err)
		}
	}
}

// failPage is fail for pages: the same status, an HTML body.
func (s *Server) failPage(w http.ResponseWriter, r *http.Request, err error) {
	code, _ := status(err)
	if code == http.StatusInternalServerError {
		if r.Context().Err() != nil {
			if sw, ok := w.(*statusWriter); ok {
				sw.code = statusClientClosed
			}
			return
		}
		s.log.ErrorContext(r.Context(), "page failed", "err", err, "request_id", requestID(r.Context()))
		err = errors.New("internal error (request id " + requestID(r.Context()) + ")")
	}
	s.pages.Error(w, r, code, err)
}

var errCrossOrigin = fmt.Errorf("%w: cross-origin request refused; submit the form from the registry's own pages", registry.ErrForbidden)

// authorizePage is the page half of wrap: the session's actor, the CSRF
// checks of a state-changing request, then the same role and scope checks
// as an API route. ok is false when it has answered (a redirect to the
// sign-in page, or an error page).
func (s *Server) authorizePage(w http.ResponseWriter, r *http.Request, rt route) (registry.Actor, bool) {
	unsafe := r.Method != http.MethodGet && r.Method != http.MethodHead
	if unsafe {
		// Fetch metadata / Origin first: it needs no session, so a
		// cross-site POST to the sign-in form is refused too.
		if err := s.cop.Check(r); err != nil {
			s.failPage(w, r, errCrossOrigin)
			return registry.Actor{}, false
		}
	}
	if rt.public {
		return registry.Actor{}, true
	}
	a, ok := s.sessions.Actor(r)
	if !ok {
		next := r.URL.Path
		if r.Method != http.MethodGet {
			next = "/"
		}
		http.Redirect(w, r, "/signin?next="+url.QueryEscape(next), http.StatusSeeOther)
		return a, false
	}
	if unsafe {
		if err := s.sessions.CheckCSRF(r); err != nil {
			s.failPage(w, r, fmt.Errorf("%w: %v", registry.ErrForbidden, err))
			return a, false
		}
	}
	if err := s.authorize(a, rt); err != nil {
		s.failPage(w, r, err)
		return a, false
	}
	return a, true
}

// authorize is the route's role and whole-registry check, for API and
// page routes alike.
func (s *Server) authorize(a registry.Actor, rt route) error {
	if !a.Can(rt.perm) {
		return forbidden(a)
	}
	if rt.scope == scopeWhole && !a.Scope().Unscoped() {
		return fmt.Errorf("%w: %s covers the whole registry; the token is scoped to %s", registry.ErrForbidden, rt.path, a.Scope())
	}
	return nil
}
