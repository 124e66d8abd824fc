package ui

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/server/session"
	"github.com/mlsec/mlsec/registry/sso"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Config configures the UI.
type Config struct {
	Service  *registry.Service
	Sessions *session.Manager
	// SSO, if set, adds "Sign in with <provider>" (single sign-on).
	SSO *sso.Provider
	// Now is the clock (tests).
	Now func() time.Time
}

// UI renders the pages; the server's route table calls its methods.
type UI struct {
	svc   *registry.Service
	sess  *session.Manager
	sso   *sso.Provider
	now   func() time.Time
	pages map[string]*template.Template
}

// New parses the templates and returns the UI.
func New(c Config) (*UI, error) {
	u := &UI{svc: c.Service, sess: c.Sessions, sso: c.SSO, now: c.Now, pages: map[string]*template.Template{}}
	if u.now == nil {
		u.now = time.Now
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("ui: template %s: %w", name, err)
		}
		u.pages[name] = t
	}
	return u, nil
}

var funcs = template.FuncMap{
	"short": func(s string) string {
		if len(s) > 12 {
			return s[:12] + "…"
		}
		return s
	},
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"whenp": func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"join": strings.Join,
	"esc":  url.PathEscape,
	"bytes": func(n int64) string {
		switch {
		case n >= 1<<30:
			return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
		case n >= 1<<20:
			return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
		case n >= 1<<10:
			return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
		}
		return fmt.Sprintf("%d B", n)
	},
}

// view is what every page template gets.
type view struct {
	Title string
	Nav   string // the current section, for aria-current
	Actor registry.Actor
	CSRF  string
	Flash string
	Data  any
}

// render writes page name with data as a 200 (or code) response.
func (u *UI) render(w http.ResponseWriter, r *http.Request, code int, name, title, nav string, a registry.Actor, data any) error {
	t, ok := u.pages[name]
	if !ok {
		return fmt.Errorf("ui: no template %s", name)
	}
	var b bytes.Buffer
	v := view{Title: title, Nav: nav, Actor: a, Data: data, Flash: r.URL.Query().Get("done")}
	if a.Name != "" {
		v.CSRF = u.sess.CSRFToken(r)
	}
	if err := t.ExecuteTemplate(&b, "layout", v); err != nil {
		return fmt.Errorf("ui: render %s: %w", name, err)
	}
	// Charts carry a style attribute: allow exactly those, by hash.
	w.Header().Set("Content-Security-Policy", inlineStyleCSP(b.Bytes()))
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_, err := w.Write(b.Bytes())
	return err
}

// Error renders a failed request (server.Pages).
func (u *UI) Error(w http.ResponseWriter, r *http.Request, code int, err error) {
	a, _ := u.sess.Actor(r)
	hint := map[int]string{
		http.StatusForbidden:  "Your sign-in does not allow this. Ask an administrator for a token with the right role or scope.",
		http.StatusNotFound:   "It does not exist, or it is outside what your sign-in may see.",
		http.StatusConflict:   "Someone else changed it meanwhile, or it was already decided. Reload the page.",
		http.StatusBadGateway: "A service the registry relies on did not answer. Try again in a few minutes, or sign in with an API token.",
	}[code]
	data := struct {
		Code    int
		Status  string
		Message string
		Hint    string
	}{code, http.StatusText(code), err.Error(), hint}
	if rerr := u.render(w, r, code, "error", http.StatusText(code), "", a, data); rerr != nil {
		http.Error(w, err.Error(), code)
	}
}

// Static serves the embedded stylesheet.
func (u *UI) Static(w http.ResponseWriter, r *http.Request, _ registry.Actor) error {
	name := r.PathValue("file")
	b, err := staticFS.ReadFile("static/" + name)
	if err != nil || strings.Contains(name, "/") {
		return fmt.Errorf("static file %q: %w", name, registry.ErrNotFound)
	}
	if strings.HasSuffix(name, ".css") {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, err = w.Write(b)
	return err
}

// Home sends a signed-in person to the models.
func (u *UI) Home(w http.ResponseWriter, r *http.Request, _ registry.Actor) error {
	http.Redirect(w, r, "/models", http.StatusSeeOther)
	return nil
}

// SignInForm shows the sign-in form.
func (u *UI) SignInForm(w http.ResponseWriter, r *http.Request, _ registry.Actor) error {
	return u.render(w, r, http.StatusOK, "signin", "Sign in", "", registry.Actor{}, u.signinData(safeNext(r.URL.Query().Get("next")), ""))
}

// signinData is the sign-in page's data: the form, and the single
// sign-on button when a provider is configured.
type signinData struct{ Next, Error, SSO string }

func (u *UI) signinData(next, msg string) signinData {
	d := signinData{Next: next, Error: msg}
	if u.sso != nil {
		d.SSO = u.sso.Name()
	}
	return d
}

// SignIn checks the posted API token exactly as the API checks a bearer
// token (registry.Service.Authenticate) and starts a session.
func (u *UI) SignIn(w http.ResponseWriter, r *http.Request, _ registry.Actor) error {
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	next := safeNext(r.PostFormValue("next"))
	a, err := u.svc.Authenticate(r.Context(), strings.TrimSpace(r.PostFormValue("token")))
	if err != nil {
		return u.render(w, r, http.StatusUnauthorized, "signin", "Sign in", "", registry.Actor{},
			u.signinData(next, "That token is not valid (unknown, expired or revoked). Paste the whole token, starting with mlsec_."))
	}
	if err := u.sess.Start(w, r, a); err != nil {
		return err
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// SignOut ends the session.
func (u *UI) SignOut(w http.ResponseWriter, r *http.Request, _ registry.Actor) error {
	u.sess.End(w, r)
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
	return nil
}

// safeNext keeps a post-sign-in redirect on this site: a path, never a
// scheme-relative //host or a backslash trick.
func safeNext(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/models"
	}
	return next
}

// LinkForm shows the button that redeems a one-time sign-in link. GET
// changes nothing, so a mail scanner or link preview that fetches the
// link does not use it up.
func (u *UI) LinkForm(w http.ResponseWriter, r *http.Request, _ registry.Actor) error {
	return u.render(w, r, http.StatusOK, "link", "Sign in", "", registry.Actor{}, struct{ Code string }{r.PathValue("code")})
}

// LinkSignIn redeems a one-time sign-in link ('mlsec ui login'): the
// session is for the person who asked for the link, re-checked now.
func (u *UI) LinkSignIn(w http.ResponseWriter, r *http.Request, _ registry.Actor) error {
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	a, err := u.sess.Redeem(w, r, r.PostFormValue("code"))
	if err != nil {
		return fmt.Errorf("%w: %v", registry.ErrUnauthenticated, err)
	}
	if err := u.svc.RecordUISignIn(r.Context(), a, "ui.login_link.use", u.now()); err != nil {
		return err
	}
	http.Redirect(w, r, "/models", http.StatusSeeOther)
	return nil
}
