package registry

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/mlsec/mlsec/internal/lazyre"
)

// Exceptions granted by a decision (docs/governance.md): a grant_exception
// request is gated like a promotion to production (its policy evaluation
// and approval rule, never approved by its requester); once executed it is
// stored as a waiver of one policy rule bound to the version's digest, and
// every later evaluation of that model passes it to the policy engine as an
// input exception, so it waives the rule until it expires (then the engine
// reports MLSEC-EXC-001 and the rule applies again).

// ActionGrantException is the decision that waives one policy rule for the
// request's version until an expiry.
const ActionGrantException DecisionAction = "grant_exception"

// MaxExceptionTerm bounds how far ahead an exception may expire.
const MaxExceptionTerm = 366 * 24 * time.Hour

// maxModelExceptions bounds the exceptions one evaluation reads.
const maxModelExceptions = 1000

// ModelException is a granted waiver of Rule for the version with Digest.
type ModelException struct {
	ID        int64  `json:"id"`
	ModelID   int64  `json:"-"`
	Model     string `json:"model"`
	VersionID int64  `json:"-"`
	Version   int    `json:"version"`
	Digest    string `json:"digest"`
	Rule      string `json:"rule"`
	Owner     string `json:"owner"`
	// Expires is a date (the end of that day, UTC) or an RFC 3339 time.
	Expires   string    `json:"expires"`
	Rationale string    `json:"rationale"`
	RequestID int64     `json:"request"`
	GrantedBy string    `json:"granted_by"`
	CreatedAt time.Time `json:"created_at"`
	// Active is whether it still waives the rule (set when read).
	Active bool `json:"active"`
}

var ruleIDRe = lazyre.New(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// exceptionExpiry parses an expiry like the policy engine does: a date
// means the end of that day, UTC.
func exceptionExpiry(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.AddDate(0, 0, 1), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, invalidf("expires %q: want YYYY-MM-DD or an RFC 3339 time", s)
	}
	return t, nil
}

// checkException validates a grant_exception request: a rule id, an owner
// (default: the requester) and an expiry in the future, at most
// MaxExceptionTerm ahead.
func (s *Service) checkException(a Actor, in *NewRequest) error {
	in.Rule, in.Owner, in.Expires = strings.TrimSpace(in.Rule), strings.TrimSpace(in.Owner), strings.TrimSpace(in.Expires)
	if !ruleIDRe.MatchString(in.Rule) {
		return invalidf("grant_exception: rule %q: want a policy rule id such as MLSEC-SCAN-002", in.Rule)
	}
	if in.Owner == "" {
		in.Owner = a.Principal()
	}
	if !validPrincipal(in.Owner) || strings.HasPrefix(in.Owner, "role:") {
		return invalidf("grant_exception: owner %q: want a user name", in.Owner)
	}
	if in.Expires == "" {
		return invalidf("grant_exception: expires is required (YYYY-MM-DD or RFC 3339)")
	}
	exp, err := exceptionExpiry(in.Expires)
	if err != nil {
		return err
	}
	now := s.now()
	if !exp.After(now) {
		return invalidf("grant_exception: expires %s is not in the future", in.Expires)
	}
	if exp.Sub(now) > MaxExceptionTerm {
		return invalidf("grant_exception: expires %s is more than %d days ahead", in.Expires, int(MaxExceptionTerm.Hours()/24))
	}
	return nil
}

// asWaiver is e in the shape the policy takes.
func (e ModelException) asWaiver() Waiver {
	return Waiver{Rule: e.Rule, Owner: e.Owner, Expires: e.Expires, Subject: e.Model, Digest: e.Digest,
		Reason: fmt.Sprintf("granted by request %d: %s", e.RequestID, e.Rationale)}
}

// requestedException is the exception a grant_exception request asks for,
// as the policy engine takes it (so its own evaluation shows the version
// with the rule waived).
func requestedException(d DecisionRequest) Waiver {
	return ModelException{Model: d.Model, Digest: d.Digest, Rule: d.Rule, Owner: d.Owner, Expires: d.Expires,
		RequestID: d.ID, Rationale: d.Rationale}.asWaiver()
}

// policyExceptions returns the granted exceptions of model modelID for the
// policy input: expired ones too, so the engine reports them (MLSEC-EXC-001).
func (s *Service) policyExceptions(ctx context.Context, modelID int64) ([]Waiver, error) {
	g, err := s.govReader()
	if err != nil {
		return nil, err
	}
	es, err := g.ListExceptions(ctx, modelID, maxModelExceptions)
	if err != nil {
		return nil, err
	}
	out := make([]Waiver, 0, len(es))
	for _, e := range es {
		out = append(out, e.asWaiver())
	}
	return out, nil
}

// ListExceptions returns a model's granted exceptions, newest first, each
// marked active or not at the service's clock.
func (s *Service) ListExceptions(ctx context.Context, a Actor, model string) ([]ModelException, error) {
	m, err := s.GetModel(ctx, a, model)
	if err != nil {
		return nil, err
	}
	g, err := s.govReader()
	if err != nil {
		return nil, err
	}
	es, err := g.ListExceptions(ctx, m.ID, maxModelExceptions)
	if err != nil {
		return nil, err
	}
	now := s.now()
	for i := range es {
		exp, err := exceptionExpiry(es[i].Expires)
		es[i].Active = err == nil && now.Before(exp)
	}
	if es == nil {
		es = []ModelException{}
	}
	return es, nil
}

// executeGrantException stores the exception an approved request grants
// and audits it as exception.grant.
func (s *Service) executeGrantException(ctx context.Context, tx Tx, g GovernanceTx, a Actor, d *DecisionRequest) error {
	e := ModelException{ModelID: d.ModelID, Model: d.Model, VersionID: d.VersionID, Version: d.Version, Digest: d.Digest,
		Rule: d.Rule, Owner: d.Owner, Expires: d.Expires, Rationale: d.Rationale, RequestID: d.ID, GrantedBy: a.Principal()}
	if err := g.AddException(ctx, &e); err != nil {
		return err
	}
	if err := s.auditIn(ctx, tx, a, "exception.grant", versionSubject(d.Model, d.Version), map[string]any{
		"exception": e.ID, "request": d.ID, "rule": e.Rule, "owner": e.Owner, "expires": e.Expires, "digest": e.Digest,
		"rationale": e.Rationale, "requested_by": d.RequestedBy}); err != nil {
		return err
	}
	return s.finish(ctx, g, a, d, RequestExecuted, fmt.Sprintf("exception %d: rule %s waived for version %d until %s (owner %s)",
		e.ID, e.Rule, d.Version, e.Expires, e.Owner))
}
