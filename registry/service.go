package registry

import (
	"context"
	"crypto/cipher"
	"encoding/json"
	"fmt"
	"time"
)

// Actor is the authenticated caller of a service method.
type Actor struct {
	Name string
	// Person is the principal the actor's token acts for ("" = derived
	// from Name; see Principal).
	Person     string
	Role       Role
	ScopeTeam  string
	ScopeModel string
	TokenID    int64
}

// System is the actor of the server's own background work.
var System = Actor{Name: "system", Role: RoleAdmin}

// Auditor records an AuditEvent inside the transaction of the change it
// describes, so the change and its record commit or roll back together.
// The default appends to the audit_events table; the governance layer
// replaces it with a hash-chained log.
type Auditor interface {
	Record(ctx context.Context, tx Tx, e *AuditEvent) error
}

// TableAuditor appends events to the store's audit table unchanged.
type TableAuditor struct{}

// Record implements Auditor.
func (TableAuditor) Record(ctx context.Context, tx Tx, e *AuditEvent) error {
	return tx.AppendAudit(ctx, e)
}

// Interface guards.
var (
	_ Auditor = TableAuditor{}
	_ Auditor = (*MerkleAuditor)(nil)
)

// Service is the registry's single entry point for reads and state
// changes. It authorizes the actor, validates input and writes every change
// together with its audit event.
type Service struct {
	store   Store
	auditor Auditor
	now     func() time.Time
	tokens  *tokenCache
	gov     governanceConfig // policy engine of decisions (governance_decisions.go)
	seal    cipher.AEAD      // seals webhook secrets at rest (secrets.go)
	sealErr error
}

// Option configures a Service.
type Option func(*Service)

// WithAuditor replaces the TableAuditor.
func WithAuditor(a Auditor) Option { return func(s *Service) { s.auditor = a } }

// WithClock replaces time.Now (tests).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// NewService returns a Service over st.
func NewService(st Store, opts ...Option) *Service {
	s := &Service{store: st, auditor: TableAuditor{}, now: time.Now, tokens: newTokenCache()}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Store returns the underlying store (health checks, job workers).
func (s *Service) Store() Store { return s.store }

// mutate runs fn in a transaction and records what it did as one audit
// event: every state change of the registry goes through here.
func (s *Service) mutate(ctx context.Context, a Actor, action, subject string, payload func() any, fn func(Tx) error) error {
	return s.store.Tx(ctx, func(tx Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		var raw json.RawMessage
		if payload != nil {
			b, err := json.Marshal(payload())
			if err != nil {
				return fmt.Errorf("audit payload: %w", err)
			}
			raw = b
		}
		return s.record(ctx, tx, &AuditEvent{At: s.now(), Actor: a.Name, Action: action, Subject: subject, Payload: raw})
	})
}

// Permission is an action class checked against roles.
type Permission int

// Permissions, from least to most privileged.
const (
	PermRead     Permission = iota // read models, versions, evidence, lineage, jobs
	PermEvidence                   // add evidence
	PermWrite                      // create and edit models, versions, datasets, lineage; upload
	PermAudit                      // read the audit trail
	PermAdmin                      // manage tokens
)

var rolePerms = map[Role][]Permission{
	RoleAdmin:      {PermRead, PermEvidence, PermWrite, PermAudit, PermAdmin},
	RoleMaintainer: {PermRead, PermEvidence, PermWrite},
	RoleReviewer:   {PermRead, PermEvidence},
	RoleAuditor:    {PermRead, PermAudit},
}

// ValidRole reports whether r is a known role.
func ValidRole(r Role) bool { _, ok := rolePerms[r]; return ok }

// Can reports whether a's role grants p (scope is checked separately).
func (a Actor) Can(p Permission) bool {
	for _, q := range rolePerms[a.Role] {
		if q == p {
			return true
		}
	}
	return false
}

// require checks a's role and, when m is given, that m is in a's scope.
func require(a Actor, p Permission, m *Model) error {
	if !a.Can(p) {
		return fmt.Errorf("%w: role %s may not do this", ErrForbidden, a.Role)
	}
	if m != nil && !a.Scope().AllowsModel(*m) {
		return fmt.Errorf("%w: model %s is outside the token's scope (%s)", ErrForbidden, m.Name, a.Scope())
	}
	return nil
}
