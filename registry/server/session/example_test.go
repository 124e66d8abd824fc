package session_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/server/session"
)

// A login handler starts a session for the person it authenticated; later
// requests carry only the cookie.
func Example() {
	m := session.New(session.Config{})
	w := httptest.NewRecorder()
	a := registry.Actor{Name: "oidc:alice@example.org", Person: "alice@example.org", Role: registry.RoleReviewer}
	if err := m.Start(w, httptest.NewRequest("GET", "/oidc/callback", nil), a); err != nil {
		panic(err)
	}
	r := httptest.NewRequest("GET", "/models", nil)
	r.AddCookie(w.Result().Cookies()[0])
	got, ok := m.Actor(r)
	fmt.Println(got.Person, got.Role, ok)
	// Output: alice@example.org reviewer true
}
