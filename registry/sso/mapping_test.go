package sso

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/registry"
)

func TestMap(t *testing.T) {
	t.Parallel()
	c := Config{Issuer: "https://idp.example", ClientID: "c", ClientSecret: "s", RedirectURL: "https://mlsec.example/signin/oidc/callback",
		Rules: []Rule{
			{Group: "ml-readers", Role: registry.RoleReviewer},
			{Group: "team-a", Role: registry.RoleMaintainer, Team: "team-a"},
			{Group: "team-b", Role: registry.RoleMaintainer, Team: "team-b"},
			{Group: "fraud-owners", Role: registry.RoleMaintainer, Model: "fraud"},
			{Group: "mlsec-admins", Role: registry.RoleAdmin},
			{Group: "auditors", Role: registry.RoleAuditor},
			{EmailDomain: "example.com", Role: registry.RoleReviewer, Team: "team-a"},
		}}
	if err := c.Resolve(); err != nil {
		t.Fatal(err)
	}
	cl := func(groups ...string) Claims {
		return Claims{Subject: "s1", Email: "p@corp.example", EmailVerified: true, Groups: groups}
	}
	for _, tc := range []struct {
		name        string
		claims      Claims
		role        registry.Role
		team, model string
		err         error
	}{
		{"one group", cl("team-a"), registry.RoleMaintainer, "team-a", "", nil},
		{"admin wins over maintainer", cl("team-a", "mlsec-admins"), registry.RoleAdmin, "", "", nil},
		{"maintainer wins over reviewer of everything", cl("ml-readers", "team-a"), registry.RoleMaintainer, "team-a", "", nil},
		{"auditor wins over reviewer", cl("ml-readers", "auditors"), registry.RoleAuditor, "", "", nil},
		{"team wider than model, same role", cl("fraud-owners", "team-b"), registry.RoleMaintainer, "team-b", "", nil},
		{"same role and breadth: first in the file", cl("team-b", "team-a"), registry.RoleMaintainer, "team-a", "", nil},
		{"verified domain", Claims{Subject: "s", Email: "x@example.com", EmailVerified: true}, registry.RoleReviewer, "team-a", "", nil},
		{"unverified domain is not a match", Claims{Subject: "s", Email: "x@example.com", EmailVerified: false}, "", "", "", registry.ErrForbidden},
		{"no group mapped", cl("team-c"), "", "", "", ErrUnmapped},
		{"no groups", cl(), "", "", "", ErrUnmapped},
		{"group names are exact", cl("Team-A", "team-a "), "", "", "", ErrUnmapped},
		{"principal claim missing", Claims{Subject: "s", EmailVerified: true, Groups: []string{"team-a"}}, "", "", "", registry.ErrForbidden},
		{"principal with a space", Claims{Subject: "s", Email: "a b@corp.example", EmailVerified: true, Groups: []string{"team-a"}}, "", "", "", registry.ErrForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := c.Map(tc.claims)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.Role != tc.role || a.ScopeTeam != tc.team || a.ScopeModel != tc.model || a.Person != "sso:"+tc.claims.Email || a.Name != a.Person {
				t.Fatalf("got %+v, want %s of team %q model %q", a, tc.role, tc.team, tc.model)
			}
		})
	}
}

func TestPrincipalClaim(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ claim, want string }{{"preferred_username", "sso:alice"}, {"sub", "sso:0042"}} {
		c := Config{Issuer: "https://idp.example", ClientID: "c", ClientSecret: "s", RedirectURL: "https://r.example/cb", PrincipalClaim: tc.claim,
			Rules: []Rule{{Group: "g", Role: registry.RoleReviewer}}}
		if err := c.Resolve(); err != nil {
			t.Fatal(err)
		}
		// preferred_username and sub need no verified e-mail.
		a, err := c.Map(Claims{Subject: "0042", PreferredUsername: "alice", Groups: []string{"g"}})
		if err != nil || a.Person != tc.want {
			t.Fatalf("%s: %+v %v", tc.claim, a, err)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tc := range []struct{ name, yaml, want string }{
		{"misspelled key", "issuer: https://i.example\nclient_idd: x\n", "client_idd"},
		{"http issuer off loopback", "issuer: http://idp.example\nclient_id: c\nredirect_url: https://r.example/cb\nroles: [{group: g, role: admin}]\n", "https"},
		{"no roles", "issuer: https://i.example\nclient_id: c\nredirect_url: https://r.example/cb\n", "roles is empty"},
		{"bad role", "issuer: https://i.example\nclient_id: c\nredirect_url: https://r.example/cb\nroles: [{group: g, role: root}]\n", `role "root"`},
		{"group and domain", "issuer: https://i.example\nclient_id: c\nredirect_url: https://r.example/cb\nroles: [{group: g, email_domain: e.com, role: admin}]\n", "exactly one"},
		{"no secret", "issuer: https://i.example\nclient_id: c\nredirect_url: https://r.example/cb\nroles: [{group: g, role: admin}]\n", "client secret is missing"},
		{"bad team", "issuer: https://i.example\nclient_id: c\nredirect_url: https://r.example/cb\nroles: [{group: g, role: admin, team: Team A}]\n", "team and model"},
	} {
		p := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".yaml")
		if err := os.WriteFile(p, []byte(tc.yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := Load(p)
		if err == nil {
			err = c.Resolve()
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}
