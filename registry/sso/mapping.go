package sso

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/mlsec/mlsec/registry"
)

// Claims are the ID token claims the mapping reads.
type Claims struct {
	Issuer            string
	Subject           string
	Email             string
	EmailVerified     bool
	PreferredUsername string
	Groups            []string
}

// Identity is a verified person: who the provider says it is and the
// registry actor it maps to.
type Identity struct {
	Claims
	Actor registry.Actor
}

// Details are the identity's audit event fields: the provider's stable
// identifier (issuer and subject) beside the principal, and the groups
// that decided the role. Never a token.
func (i Identity) Details(via string) map[string]any {
	return map[string]any{"issuer": i.Issuer, "subject": i.Subject, "groups": i.Groups, "via": via,
		"role": i.Actor.Role, "scope_team": i.Actor.ScopeTeam, "scope_model": i.Actor.ScopeModel}
}

// ErrUnmapped refuses an identity that no rule maps to a role.
var ErrUnmapped = fmt.Errorf("%w: no group or e-mail domain of this identity is mapped to a registry role", registry.ErrForbidden)

// roleRank orders roles from most to least privileged, for choosing among
// several matching rules: admin, maintainer, auditor (reads the whole
// audit trail), reviewer.
var roleRank = map[registry.Role]int{registry.RoleAdmin: 4, registry.RoleMaintainer: 3, registry.RoleAuditor: 2, registry.RoleReviewer: 1}

// scopeRank: the whole registry is wider than a team, a team wider than
// one model.
func scopeRank(r Rule) int {
	switch {
	case r.Team == "" && r.Model == "":
		return 3
	case r.Model == "":
		return 2
	case r.Team == "":
		return 1
	}
	return 0
}

// Map maps verified claims to an actor. An actor has one role and one
// scope, so of the rules that match (a group the person is in, or the
// domain of a verified e-mail) the most privileged wins: the highest role
// (roleRank), then the widest scope, then the first in the file. None
// matching is ErrUnmapped.
func (c *Config) Map(cl Claims) (registry.Actor, error) {
	name := map[string]string{"email": cl.Email, "preferred_username": cl.PreferredUsername, "sub": cl.Subject}[c.PrincipalClaim]
	if c.PrincipalClaim == "email" && !cl.EmailVerified {
		return registry.Actor{}, fmt.Errorf("%w: the provider did not verify this identity's e-mail address (email_verified), which is its registry name", registry.ErrForbidden)
	}
	if name == "" {
		return registry.Actor{}, fmt.Errorf("%w: the ID token has no %s claim, which is this registry's user name (principal_claim)", registry.ErrForbidden, c.PrincipalClaim)
	}
	principal, err := registry.SSOPrincipal(name)
	if err != nil {
		return registry.Actor{}, fmt.Errorf("%w: %v", registry.ErrForbidden, err)
	}
	domain := ""
	if cl.EmailVerified {
		if _, d, ok := strings.Cut(cl.Email, "@"); ok {
			domain = d
		}
	}
	best := -1
	for i, r := range c.Rules {
		match := r.Group != "" && contains(cl.Groups, r.Group) || r.EmailDomain != "" && strings.EqualFold(r.EmailDomain, domain)
		if !match {
			continue
		}
		if best < 0 || better(r, c.Rules[best]) {
			best = i
		}
	}
	if best < 0 {
		return registry.Actor{}, ErrUnmapped
	}
	r := c.Rules[best]
	return registry.Actor{Name: principal, Person: principal, Role: r.Role, ScopeTeam: r.Team, ScopeModel: r.Model}, nil
}

func better(a, b Rule) bool {
	if roleRank[a.Role] != roleRank[b.Role] {
		return roleRank[a.Role] > roleRank[b.Role]
	}
	return scopeRank(a) > scopeRank(b)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// rawClaims decodes the claims Map reads; the groups claim is a list of
// strings or one string (some providers send one group as a string).
type rawClaims struct {
	Issuer            string `json:"iss"`
	Subject           string `json:"sub"`
	Email             string `json:"email"`
	EmailVerified     any    `json:"email_verified"`
	PreferredUsername string `json:"preferred_username"`
}

func decodeClaims(raw json.RawMessage, groupsClaim string) (Claims, error) {
	var rc rawClaims
	if err := json.Unmarshal(raw, &rc); err != nil {
		return Claims{}, err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(raw, &all); err != nil {
		return Claims{}, err
	}
	cl := Claims{Issuer: rc.Issuer, Subject: rc.Subject, Email: rc.Email, PreferredUsername: rc.PreferredUsername}
	// Some providers send the boolean as a string.
	cl.EmailVerified = rc.EmailVerified == true || rc.EmailVerified == "true"
	if g, ok := all[groupsClaim]; ok {
		var list []string
		if err := json.Unmarshal(g, &list); err != nil {
			var one string
			if err := json.Unmarshal(g, &one); err != nil {
				return Claims{}, fmt.Errorf("claim %s: want a list of group names", groupsClaim)
			}
			list = []string{one}
		}
		cl.Groups = list
	}
	return cl, nil
}
