package registry

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// API tokens, datasets and the audit trail, each scoped (scope.go): a
// scoped admin issues, lists and revokes only tokens inside its scope, and
// a scoped reader sees only its scope's datasets and audit events.

// TokenPrefix starts every token secret, so leaked tokens are greppable.
const TokenPrefix = "mlsec_"

// HashToken returns the stored form of a token secret.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// CreateToken issues a token and returns its secret, which is shown once
// and never stored. A scoped admin's token is scoped like its creator
// unless it asks for less, and never for more.
func (s *Service) CreateToken(ctx context.Context, a Actor, t Token) (Token, string, error) {
	if err := require(a, PermAdmin, nil); err != nil {
		return t, "", err
	}
	sc := a.Scope().narrow(t.Scope())
	t.ScopeTeam, t.ScopeModel = sc.Team, sc.Model
	if err := requireContains(a, sc, "the new token"); err != nil {
		return t, "", err
	}
	return s.issueToken(ctx, a, t, "", "token.create", nil)
}

// issueToken stores t with secret ("" = a new random one), audited as
// action with extra fields in the event's payload.
func (s *Service) issueToken(ctx context.Context, a Actor, t Token, secret, action string, extra map[string]any) (Token, string, error) {
	if !ValidRole(t.Role) {
		return t, "", invalidf("role %q (want admin, maintainer, reviewer or auditor)", t.Role)
	}
	if err := ValidatePrincipalName("token name", t.Name); err != nil {
		return t, "", err
	}
	switch {
	case t.Person == "":
		t.Person = t.Name
	case action == actionSSOExchange && IsSSOPrincipal(t.Person):
		// the one way to a token of a single sign-on person (scope.go)
	default:
		if err := ValidatePrincipalName("person", t.Person); err != nil {
			return t, "", err
		}
	}
	if err := t.Scope().validate(); err != nil {
		return t, "", err
	}
	if t.ExpiresAt != nil && !t.ExpiresAt.After(s.now()) {
		return t, "", invalidf("expires_at is in the past")
	}
	if secret == "" {
		var err error
		if secret, err = NewTokenSecret(); err != nil {
			return t, "", err
		}
	}
	t.Hash, t.CreatedBy = HashToken(secret), a.Name
	err := s.mutate(ctx, a, action, "token/"+t.Name, func() any {
		p := map[string]any{"name": t.Name, "person": t.Person, "role": t.Role, "scope_team": t.ScopeTeam, "scope_model": t.ScopeModel}
		for k, v := range extra {
			p[k] = v
		}
		return p
	}, func(tx Tx) error {
		if err := checkPrincipals(ctx, tx, &t); err != nil {
			return err
		}
		return tx.CreateToken(ctx, &t)
	})
	return t, secret, err
}

// checkPrincipals keeps one namespace of token names and persons: a name
// is taken by another token regardless of case, and a name or person never
// means two people (a token named bob of person alice, and a person bob).
// A person that exists is spelled as it was first.
func checkPrincipals(ctx context.Context, r Reader, t *Token) error {
	named, err := r.TokensNamed(ctx, t.Name)
	if err != nil {
		return err
	}
	for _, o := range named {
		if samePrincipal(o.Name, t.Name) {
			return fmt.Errorf("%w: token name %q is taken by token %d (%s); names are unique regardless of case", ErrExists, t.Name, o.ID, o.Name)
		}
		if !samePrincipal(o.Person, t.Person) { // t.Name is another person's name
			return fmt.Errorf("%w: %q names person %s; a token named so must belong to that person (person: %s)", ErrExists, t.Name, o.Person, o.Person)
		}
	}
	persons, err := r.TokensNamed(ctx, t.Person)
	if err != nil {
		return err
	}
	for _, o := range persons {
		if samePrincipal(o.Person, t.Person) {
			t.Person = o.Person
			continue
		}
		return fmt.Errorf("%w: person %q is the name of token %d of person %s", ErrExists, t.Person, o.ID, o.Person)
	}
	return nil
}

// Bootstrap issues the first admin token if no token exists yet; ok is
// false (and secret empty) when tokens already exist.
func (s *Service) Bootstrap(ctx context.Context) (secret string, ok bool, err error) {
	return s.BootstrapWith(ctx, "")
}

// BootstrapWith is Bootstrap with the secret an operator supplied (a
// mounted secret file or an environment variable; "" = a new random one),
// so the first admin token need not be printed. The secret must pass
// ValidateTokenSecret.
func (s *Service) BootstrapWith(ctx context.Context, secret string) (string, bool, error) {
	if secret != "" {
		if err := ValidateTokenSecret(secret); err != nil {
			return "", false, err
		}
	}
	n, err := s.store.CountTokens(ctx)
	if err != nil || n > 0 {
		return "", false, err
	}
	_, secret, err = s.issueToken(ctx, System, Token{Name: "bootstrap-admin", Role: RoleAdmin}, secret, "token.create", nil)
	return secret, err == nil, err
}

// NewTokenSecret returns a new random token secret (256 bits).
func NewTokenSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return TokenPrefix + hex.EncodeToString(b), nil
}

// MinTokenSecret is the shortest supplied secret accepted after the
// prefix: 32 characters of [A-Za-z0-9_-] are at least 190 bits when
// random, as 'openssl rand -hex 32' or a generated token gives.
const MinTokenSecret = 32

// ValidateTokenSecret checks a secret an operator supplies: TokenPrefix,
// then MinTokenSecret to 200 characters of letters, digits, '_' and '-'.
// The prefix keeps leaked secrets greppable like generated ones.
func ValidateTokenSecret(secret string) error {
	rest, ok := strings.CutPrefix(secret, TokenPrefix)
	if !ok {
		return invalidf("a token secret starts with %q (generate one: echo %s$(openssl rand -hex 32))", TokenPrefix, TokenPrefix)
	}
	if len(rest) < MinTokenSecret || len(rest) > 200 {
		return invalidf("a token secret has %d to 200 characters after %q, this one %d", MinTokenSecret, TokenPrefix, len(rest))
	}
	for _, c := range rest {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return invalidf("a token secret holds letters, digits, '_' and '-' only")
		}
	}
	return nil
}

// Recovery is the actor of a token issued by RecoverToken: someone with
// access to the database itself, not to the API.
var Recovery = Actor{Name: "local-recovery", Role: RoleAdmin}

// RecoverToken issues a token without an API caller, for an operator who
// lost the last admin token and can reach the database (mlsec token create
// --database). It is audited as token.recover by Recovery, with operator
// (who ran it, where) in the event, in the same tamper-evident log as
// every change.
func (s *Service) RecoverToken(ctx context.Context, t Token, operator string) (Token, string, error) {
	return s.issueToken(ctx, Recovery, t, "", "token.recover", map[string]any{"operator": operator})
}

// RevokeToken revokes token id (admins, inside their scope).
func (s *Service) RevokeToken(ctx context.Context, a Actor, id int64) error {
	if err := require(a, PermAdmin, nil); err != nil {
		return err
	}
	s.tokens.forget(id)
	defer s.tokens.forget(id) // after the commit too: no request re-caches the old row
	return s.mutate(ctx, a, "token.revoke", fmt.Sprintf("token/%d", id), nil, func(tx Tx) error {
		t, err := tx.GetToken(ctx, id)
		if err != nil {
			return err
		}
		if err := requireContains(a, t.Scope(), fmt.Sprintf("token %d", id)); err != nil {
			return err
		}
		return tx.RevokeToken(ctx, id, s.now())
	})
}

// ListTokens lists the tokens inside the actor's scope (never secrets).
func (s *Service) ListTokens(ctx context.Context, a Actor, p Page) ([]Token, string, error) {
	if err := require(a, PermAdmin, nil); err != nil {
		return nil, "", err
	}
	return s.store.ListTokens(ctx, TokenFilter{Page: p, Within: a.Scope()})
}

// Authenticate resolves a bearer secret to an actor. Unknown, revoked and
// expired tokens are all ErrUnauthenticated with the same message.
func (s *Service) Authenticate(ctx context.Context, secret string) (Actor, error) {
	bad := errBadToken
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) > 256 {
		return Actor{}, bad
	}
	hash := HashToken(secret)
	now := s.now()
	t, cached, gen := s.tokens.get(hash, now)
	if !cached {
		var err error
		t, err = s.store.GetTokenByHash(ctx, hash)
		if errors.Is(err, ErrNotFound) {
			return Actor{}, bad
		}
		if err != nil {
			return Actor{}, err
		}
		if t.RevokedAt == nil {
			s.tokens.put(hash, t, gen, now)
		}
	}
	return s.tokenActor(t)
}

// errBadToken is the one answer to an unknown, revoked or expired token.
var errBadToken = fmt.Errorf("%w: invalid, expired or revoked token", ErrUnauthenticated)

// tokenActor is the actor of token t, or errBadToken if t is revoked or
// expired: the one place that decides whether a token row still acts.
func (s *Service) tokenActor(t Token) (Actor, error) {
	if t.RevokedAt != nil || (t.ExpiresAt != nil && !t.ExpiresAt.After(s.now())) {
		return Actor{}, errBadToken
	}
	return Actor{Name: fmt.Sprintf("token:%d:%s", t.ID, t.Name), Person: t.Person, Role: t.Role,
		ScopeTeam: t.ScopeTeam, ScopeModel: t.ScopeModel, TokenID: t.ID}, nil
}

// Reauthenticate re-resolves an actor that a web UI session stored when
// it signed in: a token's actor is rebuilt from the token's row now, so a
// revoked or expired token ends its sessions (ErrUnauthenticated); an
// actor with no token (an OIDC sign-in) is returned unchanged.
func (s *Service) Reauthenticate(ctx context.Context, a Actor) (Actor, error) {
	if a.TokenID == 0 {
		return a, nil
	}
	t, err := s.store.GetToken(ctx, a.TokenID)
	if errors.Is(err, ErrNotFound) {
		return Actor{}, errBadToken
	}
	if err != nil {
		return Actor{}, err
	}
	return s.tokenActor(t)
}

// CreateDataset registers a dataset. A team-scoped actor creates it in its
// team; a model-scoped one may not (datasets belong to teams).
func (s *Service) CreateDataset(ctx context.Context, a Actor, d Dataset) (Dataset, error) {
	if err := require(a, PermWrite, nil); err != nil {
		return d, err
	}
	if d.Team == "" {
		d.Team = a.ScopeTeam
	}
	d.Digest = strings.TrimPrefix(d.Digest, "sha256:")
	if !ValidName(d.Name) || !ValidDigest(d.Digest) {
		return d, invalidf("dataset needs a valid name and a sha256 digest")
	}
	if d.Team != "" && !ValidName(d.Team) {
		return d, invalidf("team name %q", d.Team)
	}
	if err := requireDataset(a, d); err != nil {
		return d, err
	}
	err := s.mutate(ctx, a, "dataset.create", "dataset/"+d.Name, func() any { return d }, func(tx Tx) error {
		return tx.CreateDataset(ctx, &d)
	})
	return d, err
}

func requireDataset(a Actor, d Dataset) error {
	if !a.Scope().AllowsDataset(d) {
		return fmt.Errorf("%w: dataset %s (team %q) is outside the token's scope (%s)", ErrForbidden, d.Name, d.Team, a.Scope())
	}
	return nil
}

// GetDataset returns a dataset the actor's scope allows.
func (s *Service) GetDataset(ctx context.Context, a Actor, name string) (Dataset, error) {
	if err := require(a, PermRead, nil); err != nil {
		return Dataset{}, err
	}
	d, err := s.store.GetDataset(ctx, name)
	if err != nil {
		return d, err
	}
	return d, requireDataset(a, d)
}

// ListDatasets lists the datasets the actor's scope allows.
func (s *Service) ListDatasets(ctx context.Context, a Actor, p Page) ([]Dataset, string, error) {
	if err := require(a, PermRead, nil); err != nil {
		return nil, "", err
	}
	return s.store.ListDatasets(ctx, DatasetFilter{Page: p, Scope: a.Scope()})
}

// ListAudit lists the audit trail: all of it for unscoped auditors and
// admins, the events about the scope's models and datasets for scoped ones.
func (s *Service) ListAudit(ctx context.Context, a Actor, p Page) ([]AuditEvent, string, error) {
	if err := require(a, PermAudit, nil); err != nil {
		return nil, "", err
	}
	return s.store.ListAudit(ctx, AuditFilter{Page: p, Scope: a.Scope()})
}
