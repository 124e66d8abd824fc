package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Governance (docs/governance.md): accountable owners per lifecycle
// responsibility, decisions (requests gated by policy and approvals),
// rollback and decision records. Every change goes through Service.mutate,
// so it is audited in the same transaction; the store implements the
// GovernanceTx extension, which the service type-asserts (like AuditLogTx).

// Responsibility is one lifecycle duty a model's owners are accountable for
// (a RACI "accountable" column).
type Responsibility string

// Responsibilities.
const (
	RespTrain    Responsibility = "train"
	RespApprove  Responsibility = "approve"
	RespRollback Responsibility = "rollback"
	RespMonitor  Responsibility = "monitor"
	RespRetire   Responsibility = "retire"
)

// Responsibilities lists every responsibility.
var Responsibilities = []Responsibility{RespTrain, RespApprove, RespRollback, RespMonitor, RespRetire}

// ValidResponsibility reports whether r is known.
func ValidResponsibility(r Responsibility) bool { return slices.Contains(Responsibilities, r) }

// StageResponsibility is the responsibility whose owner must exist before a
// version enters stage ("" = none needed: development).
func StageResponsibility(s Stage) Responsibility {
	switch s {
	case StageStaging, StageProduction:
		return RespApprove
	case StageDeprecated, StageRetired:
		return RespRetire
	}
	return ""
}

// Owner is one accountable principal: a user (token) name, or "role:ROLE"
// for every token with that role.
type Owner struct {
	Responsibility Responsibility `json:"responsibility"`
	Principal      string         `json:"principal"`
	CreatedBy      string         `json:"created_by"`
	CreatedAt      time.Time      `json:"created_at"`
}

// ApprovalRule says how many approvals a decision into Stage needs and from
// whom: Approvers are principals or "role:ROLE"; empty means the owners of
// the stage's responsibility.
type ApprovalRule struct {
	Stage     Stage    `json:"stage"`
	Required  int      `json:"required"`
	Approvers []string `json:"approvers,omitempty"`
}

// DefaultApprovalRules apply to a stage with no rule of its own:
// production needs one approval from an approve owner; other stages none.
var DefaultApprovalRules = []ApprovalRule{{Stage: StageProduction, Required: 1}}

// Governance is a model's owners and effective approval rules.
type Governance struct {
	Model         string                      `json:"model"`
	Owners        map[Responsibility][]string `json:"owners"`
	ApprovalRules []ApprovalRule              `json:"approval_rules"`
}

// GovernancePatch changes owners and rules: each responsibility given
// replaces its principals (an empty list clears it); each rule given
// replaces the rule of its stage. Rationale is required when the change
// becomes a decision (governance_floor.go).
type GovernancePatch struct {
	Owners        map[Responsibility][]string `json:"owners,omitempty"`
	ApprovalRules []ApprovalRule              `json:"approval_rules,omitempty"`
	Rationale     string                      `json:"rationale,omitempty"`
}

// GovernanceReader reads governance rows (the SQL store implements it
// outside and inside transactions).
type GovernanceReader interface {
	ListOwners(ctx context.Context, modelID int64) ([]Owner, error)
	ListApprovalRules(ctx context.Context, modelID int64) ([]ApprovalRule, error)
	GetDecisionRequest(ctx context.Context, id int64) (DecisionRequest, error)
	ListDecisionRequests(ctx context.Context, f RequestFilter) ([]DecisionRequest, string, error)
	ListApprovals(ctx context.Context, requestID int64) ([]Approval, error)
	ListDecisionRecords(ctx context.Context, modelID, versionID int64) ([]DecisionRecord, error)
	// ProductionVersion returns the model's production version, or an
	// ErrNotFound error.
	ProductionVersion(ctx context.Context, modelID int64) (Version, error)
	// ListModelAudit returns the audit events whose subject is model/NAME
	// or under it, oldest first.
	ListModelAudit(ctx context.Context, model string, p Page) ([]AuditEvent, string, error)
	// ListExceptions returns up to limit of the model's granted
	// exceptions, newest first.
	ListExceptions(ctx context.Context, modelID int64, limit int) ([]ModelException, error)
}

// GovernanceTx writes governance rows inside a transaction.
type GovernanceTx interface {
	GovernanceReader
	// LockModel holds the model row until the transaction ends, so
	// decisions on one model are serialized (a no-op where the whole
	// database has one writer).
	LockModel(ctx context.Context, modelID int64) error
	SetOwners(ctx context.Context, modelID int64, r Responsibility, principals []string, by string) error
	SetApprovalRule(ctx context.Context, modelID int64, rule ApprovalRule, by string) error
	CreateDecisionRequest(ctx context.Context, d *DecisionRequest) error
	// FinishDecisionRequest moves a pending request to its final status;
	// ErrConflict if it is no longer pending.
	FinishDecisionRequest(ctx context.Context, d *DecisionRequest) error
	// UpdateDecisionPolicy stores a new evaluation of a pending request.
	UpdateDecisionPolicy(ctx context.Context, id int64, dec *Evaluation) error
	AddApproval(ctx context.Context, ap *Approval) error
	AddDecisionRecord(ctx context.Context, r *DecisionRecord) error
	// AddException stores a granted exception and sets its ID and CreatedAt.
	AddException(ctx context.Context, e *ModelException) error
}

func govTx(tx Tx) (GovernanceTx, error) {
	g, ok := tx.(GovernanceTx)
	if !ok {
		return nil, fmt.Errorf("store %T does not support governance", tx)
	}
	return g, nil
}

func (s *Service) govReader() (GovernanceReader, error) {
	g, ok := s.store.(GovernanceReader)
	if !ok {
		return nil, fmt.Errorf("store %T does not support governance", s.store)
	}
	return g, nil
}

// Principal is the name owners and approvals use for a: the person its
// token acts for (Token.Person, by default the token's name), so every
// token of one person counts as that person for separation of duties.
// Actors built without a token ("token:ID:NAME" or a plain name) are NAME.
func (a Actor) Principal() string {
	if a.Person != "" {
		return a.Person
	}
	if rest, ok := strings.CutPrefix(a.Name, "token:"); ok {
		if _, name, ok := strings.Cut(rest, ":"); ok {
			return name
		}
	}
	return a.Name
}

// matches reports whether a is one of principals (a name or role:ROLE). A
// role:ROLE entry matches by role only, never by name, so a principal that
// spells "role:admin" (refused since migration 0007, but possibly stored
// before) is not an admin.
func (a Actor) matches(principals []string) bool {
	for _, p := range principals {
		if r, ok := strings.CutPrefix(p, "role:"); ok {
			if Role(r) == a.Role {
				return true
			}
			continue
		}
		if samePrincipal(p, a.Principal()) {
			return true
		}
	}
	return false
}

func ownersOf(os []Owner, r Responsibility) []string {
	var out []string
	for _, o := range os {
		if o.Responsibility == r {
			out = append(out, o.Principal)
		}
	}
	return out
}

// ruleFor returns the effective approval rule of stage.
func ruleFor(rules []ApprovalRule, stage Stage) ApprovalRule {
	for _, rs := range [][]ApprovalRule{rules, DefaultApprovalRules} {
		for _, r := range rs {
			if r.Stage == stage {
				return r
			}
		}
	}
	return ApprovalRule{Stage: stage}
}

func effectiveRules(rules []ApprovalRule) []ApprovalRule {
	out := make([]ApprovalRule, 0, len(Stages))
	for _, st := range Stages[1:] {
		out = append(out, ruleFor(rules, st))
	}
	return out
}

// GetGovernance returns a model's owners and effective approval rules.
func (s *Service) GetGovernance(ctx context.Context, a Actor, model string) (Governance, error) {
	m, err := s.GetModel(ctx, a, model)
	if err != nil {
		return Governance{}, err
	}
	g, err := s.govReader()
	if err != nil {
		return Governance{}, err
	}
	return loadGovernance(ctx, g, m)
}

func loadGovernance(ctx context.Context, g GovernanceReader, m Model) (Governance, error) {
	os, err := g.ListOwners(ctx, m.ID)
	if err != nil {
		return Governance{}, err
	}
	rules, err := g.ListApprovalRules(ctx, m.ID)
	if err != nil {
		return Governance{}, err
	}
	out := Governance{Model: m.Name, Owners: map[Responsibility][]string{}, ApprovalRules: effectiveRules(rules)}
	for _, r := range Responsibilities {
		out.Owners[r] = ownersOf(os, r)
		if out.Owners[r] == nil {
			out.Owners[r] = []string{}
		}
	}
	return out, nil
}

// validatePatch checks a governance patch on its own: known
// responsibilities, stages and roles, valid principals, bounds, and the
// floor (production keeps at least one approval).
func validatePatch(p *GovernancePatch) error {
	if len(p.Owners) == 0 && len(p.ApprovalRules) == 0 {
		return invalidf("nothing to change: give owners or approval_rules")
	}
	for r, ps := range p.Owners {
		if !ValidResponsibility(r) {
			return invalidf("responsibility %q (want one of train, approve, rollback, monitor, retire)", r)
		}
		if len(ps) > 100 {
			return invalidf("at most 100 owners per responsibility")
		}
		for _, pr := range ps {
			if !validPrincipal(pr) {
				return invalidf("owner %q: want a user name or role:ROLE with a known role", pr)
			}
		}
	}
	seen := map[Stage]bool{}
	for _, r := range p.ApprovalRules {
		if !ValidStage(r.Stage) || r.Stage == StageDevelopment {
			return invalidf("approval rule stage %q (want staging, production, deprecated or retired)", r.Stage)
		}
		if seen[r.Stage] {
			return invalidf("approval rule %s given twice", r.Stage)
		}
		seen[r.Stage] = true
		if r.Required < 0 || r.Required > 20 || len(r.Approvers) > 100 {
			return invalidf("approval rule %s: required must be 0..20, at most 100 approvers", r.Stage)
		}
		if r.Stage == StageProduction && r.Required < FloorApprovals {
			return invalidf("approval rule production: required %d is below the governance floor: production always needs %d approval by someone other than the requester", r.Required, FloorApprovals)
		}
		for _, pr := range r.Approvers {
			if !validPrincipal(pr) {
				return invalidf("approver %q: want a user name or role:ROLE with a known role", pr)
			}
		}
	}
	var err error
	p.Rationale, err = checkText("rationale", p.Rationale, false)
	return err
}

// applyPatch writes p's owners and rules for model m in tx.
func applyPatch(ctx context.Context, g GovernanceTx, m Model, p GovernancePatch, by string) error {
	for _, r := range Responsibilities { // fixed order: deterministic writes
		if ps, ok := p.Owners[r]; ok {
			ps = slices.Compact(slices.Sorted(slices.Values(ps)))
			if err := g.SetOwners(ctx, m.ID, r, ps, by); err != nil {
				return err
			}
		}
	}
	for _, r := range p.ApprovalRules {
		if err := g.SetApprovalRule(ctx, m.ID, r, by); err != nil {
			return err
		}
	}
	return nil
}

// requireOwner checks that model m has an accountable owner for the stage
// a version is about to enter.
func requireOwner(ctx context.Context, g GovernanceReader, m Model, stage Stage) error {
	r := StageResponsibility(stage)
	if r == "" {
		return nil
	}
	os, err := g.ListOwners(ctx, m.ID)
	if err != nil {
		return err
	}
	if len(ownersOf(os, r)) == 0 {
		return fmt.Errorf("%w: model %s has no %s owner, so no version can enter %s; name one with 'mlsec owners %s --set %s=NAME'",
			ErrConflict, m.Name, r, stage, m.Name, r)
	}
	return nil
}

// auditIn records an extra audit event inside a transaction that already
// records its own (a decision that also moves stages).
func (s *Service) auditIn(ctx context.Context, tx Tx, a Actor, action, subject string, payload any) error {
	raw, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("audit payload: %w", err)
	}
	return s.record(ctx, tx, &AuditEvent{At: s.now(), Actor: a.Name, Action: action, Subject: subject, Payload: raw})
}

// moveStage changes v's stage inside tx (the one place stages change, for
// SetVersionStage and executed decisions) and audits it as version.stage.
func (s *Service) moveStage(ctx context.Context, tx Tx, a Actor, v Version, to Stage, why map[string]any) (Version, error) {
	if v.State != StateReady {
		return v, fmt.Errorf("version %s/%d is %s: %w: only a ready version changes stage", v.Model, v.Number, v.State, ErrConflict)
	}
	if err := tx.SetVersionStage(ctx, v.ID, v.Revision, to); err != nil {
		return v, err
	}
	payload := map[string]any{"from": v.Stage, "to": to, "revision": v.Revision}
	for k, x := range why {
		payload[k] = x
	}
	if err := s.auditIn(ctx, tx, a, "version.stage", fmt.Sprintf("model/%s/versions/%d", v.Model, v.Number), payload); err != nil {
		return v, err
	}
	return tx.GetVersionByID(ctx, v.ID)
}
