package sso_test

import (
	"fmt"

	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/sso"
)

// The front door: a configuration maps a verified identity to the
// registry actor it signs in as (the most privileged matching rule).
func ExampleConfig_Map() {
	c := sso.Config{Issuer: "https://idp.example.com/realms/acme", ClientID: "mlsec", ClientSecret: "from-a-file",
		RedirectURL: "https://mlsec.example.com/signin/oidc/callback",
		Rules: []sso.Rule{
			{Group: "mlsec-admins", Role: registry.RoleAdmin},
			{Group: "fraud-team", Role: registry.RoleMaintainer, Team: "fraud"},
		}}
	if err := c.Resolve(); err != nil {
		panic(err)
	}
	a, _ := c.Map(sso.Claims{Subject: "f81d4fae", Email: "alice@example.com", EmailVerified: true, Groups: []string{"fraud-team", "staff"}})
	fmt.Println(a.Person, a.Role, a.Scope())
	_, err := c.Map(sso.Claims{Subject: "9b2c", Email: "eve@example.com", EmailVerified: true, Groups: []string{"staff"}})
	fmt.Println(err)
	// Output:
	// sso:alice@example.com maintainer team fraud
	// forbidden: no group or e-mail domain of this identity is mapped to a registry role
}
