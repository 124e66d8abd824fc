package registry

import (
	"fmt"
	"strings"

	"github.com/mlsec/mlsec/internal/lazyre"
)

// Scopes (docs/registry.md "Scopes"). A token may be restricted to one
// team's models and datasets, to one model, or to both (that model while it
// belongs to that team). The scope applies to every permission, admin and
// audit included: a scoped admin manages only tokens and webhooks inside
// its scope, and a scoped auditor reads only its scope's audit events.
// Whole-registry things (the Merkle audit log's entries and proofs, blobs
// nobody in the scope uploaded) are refused to scoped tokens or answered as
// if they did not exist.

// Scope is the part of the registry an actor, token or webhook covers; the
// zero value covers everything.
type Scope struct {
	Team  string `json:"team,omitempty"`
	Model string `json:"model,omitempty"`
}

// Scope returns a's scope.
func (a Actor) Scope() Scope { return Scope{Team: a.ScopeTeam, Model: a.ScopeModel} }

// Scope returns t's scope.
func (t Token) Scope() Scope { return Scope{Team: t.ScopeTeam, Model: t.ScopeModel} }

// Unscoped reports whether s covers the whole registry.
func (s Scope) Unscoped() bool { return s.Team == "" && s.Model == "" }

// AllowsModel reports whether model m is inside s (by its current team).
func (s Scope) AllowsModel(m Model) bool {
	return (s.Team == "" || s.Team == m.Team) && (s.Model == "" || s.Model == m.Name)
}

// AllowsDataset reports whether dataset d is inside s: datasets belong to
// a team, so a model-scoped token sees none.
func (s Scope) AllowsDataset(d Dataset) bool {
	return (s.Team == "" || s.Team == d.Team) && s.Model == ""
}

// Contains reports whether everything o covers is inside s: a scoped admin
// creates and manages only tokens and webhooks whose scope s contains.
func (s Scope) Contains(o Scope) bool {
	return (s.Team == "" || s.Team == o.Team) && (s.Model == "" || s.Model == o.Model)
}

// narrow fills o's empty parts from s, so a scoped admin's new token or
// webhook is scoped like its creator unless it asks for less.
func (s Scope) narrow(o Scope) Scope {
	if o.Team == "" {
		o.Team = s.Team
	}
	if o.Model == "" {
		o.Model = s.Model
	}
	return o
}

func (s Scope) String() string {
	switch {
	case s.Unscoped():
		return "the whole registry"
	case s.Model == "":
		return "team " + s.Team
	case s.Team == "":
		return "model " + s.Model
	}
	return "model " + s.Model + " of team " + s.Team
}

func (s Scope) validate() error {
	if s.Team != "" && !ValidName(s.Team) {
		return invalidf("scope team %q: use lowercase letters, digits, '.', '_', '-'", s.Team)
	}
	if s.Model != "" && !ValidName(s.Model) {
		return invalidf("scope model %q: use lowercase letters, digits, '.', '_', '-'", s.Model)
	}
	return nil
}

// requireContains checks that a may manage something scoped o.
func requireContains(a Actor, o Scope, what string) error {
	if !a.Scope().Contains(o) {
		return fmt.Errorf("%w: %s is scoped to %s, outside the token's scope (%s)", ErrForbidden, what, o, a.Scope())
	}
	return nil
}

// requireUnscoped refuses scoped actors what covers the whole registry.
func requireUnscoped(a Actor, what string) error {
	if !a.Scope().Unscoped() {
		return fmt.Errorf("%w: %s covers the whole registry; the token is scoped to %s", ErrForbidden, what, a.Scope())
	}
	return nil
}

// Principals are the names owners, approvers, requesters and exception
// owners are written in: a person (Token.Person, by default the token's
// name) or role:ROLE. Names are ASCII so that two spellings that look alike
// (Cyrillic a, bidi overrides, a trailing newline) cannot be two people,
// and they are compared without regard to case.
var principalRE = lazyre.New(`^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$`)

// reservedPrincipals are names the registry itself uses in history.
var reservedPrincipals = []string{System.Name}

// ValidatePrincipalName checks a token name or person: 1-128 ASCII
// letters, digits and . _ @ + - (starting with a letter or digit), not a
// reserved name. So no "role:" prefix, control, space or bidi character can
// make a name read as something else in approver lists and history.
func ValidatePrincipalName(what, s string) error {
	if !principalRE.MatchString(s) {
		return invalidf("%s %q: use 1-128 ASCII letters, digits, '.', '_', '@', '+', '-', starting with a letter or digit", what, s)
	}
	for _, r := range reservedPrincipals {
		if strings.EqualFold(s, r) {
			return invalidf("%s %q is reserved", what, s)
		}
	}
	return nil
}

// SSOPrefix starts the principal of a person who signs in through single
// sign-on (package registry/sso): "sso:alice@example.com". Token names and
// persons can never contain ':' (ValidatePrincipalName), so no API token
// can be created in a signed-in person's name: the two namespaces never
// collide. Only the registry's own OIDC exchange (IssueSSOToken) issues a
// token whose person is an SSO principal.
const SSOPrefix = "sso:"

// SSOPrincipal returns the principal of single sign-on user name (the
// configured claim's value), or an ErrInvalid if name cannot be one.
func SSOPrincipal(name string) (string, error) {
	if err := ValidatePrincipalName("single sign-on user name", name); err != nil {
		return "", err
	}
	return SSOPrefix + name, nil
}

// IsSSOPrincipal reports whether p is a single sign-on principal.
func IsSSOPrincipal(p string) bool {
	name, ok := strings.CutPrefix(p, SSOPrefix)
	return ok && ValidatePrincipalName("principal", name) == nil
}

// validPrincipal reports whether p may appear in an owner or approver list.
func validPrincipal(p string) bool {
	if r, ok := strings.CutPrefix(p, "role:"); ok {
		return ValidRole(Role(r))
	}
	if strings.HasPrefix(p, SSOPrefix) {
		return IsSSOPrincipal(p)
	}
	return ValidatePrincipalName("principal", p) == nil
}

// samePrincipal compares two principal names as the registry does.
func samePrincipal(a, b string) bool { return strings.EqualFold(a, b) }
