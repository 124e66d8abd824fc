package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mlsec/mlsec/evidence"
)

// DecisionAction is what a decision request asks for.
type DecisionAction string

// Decision actions. Rollback requests are made by Service.Rollback only.
const (
	ActionPromote   DecisionAction = "promote"
	ActionRollback  DecisionAction = "rollback"
	ActionDeprecate DecisionAction = "deprecate"
	ActionRetire    DecisionAction = "retire"
)

// RequestStatus is where a decision request is.
type RequestStatus string

// Request statuses. Only pending changes; the others are final.
const (
	RequestPending    RequestStatus = "pending"
	RequestExecuted   RequestStatus = "executed"
	RequestDenied     RequestStatus = "denied"     // the policy denied it
	RequestRejected   RequestStatus = "rejected"   // an approver rejected it
	RequestSuperseded RequestStatus = "superseded" // production moved since it was made
)

// DecisionRequest is one decision: the request with its rationale, the
// policy evaluation of the version's evidence, the approvals it needs and
// got, and the outcome.
type DecisionRequest struct {
	ID        int64          `json:"id"`
	ModelID   int64          `json:"-"`
	Model     string         `json:"model"`
	VersionID int64          `json:"-"`
	Version   int            `json:"version"`
	Digest    string         `json:"digest"`
	Action    DecisionAction `json:"action"`
	Stage     Stage          `json:"stage"`
	// Alias is the alias a move_alias request moves (aliases.go).
	Alias string `json:"alias,omitempty"`
	// Rule, Owner and Expires are the exception a grant_exception
	// request asks for (governance_exceptions.go).
	Rule    string `json:"rule,omitempty"`
	Owner   string `json:"owner,omitempty"`
	Expires string `json:"expires,omitempty"`
	// Change is the owners and rules a change_governance request sets
	// (governance_floor.go).
	Change      *GovernancePatch `json:"change,omitempty"`
	Rationale   string           `json:"rationale"`
	RequestedBy string           `json:"requested_by"`
	CreatedAt   time.Time        `json:"created_at"`
	// BaseVersion is the production version (0: none) when a request into
	// production was made, or the alias's version for move_alias; it
	// executes only if production (the alias) is still there.
	BaseVersion int           `json:"base_version"`
	Status      RequestStatus `json:"status"`
	Policy      *Evaluation   `json:"policy"`
	Required    int           `json:"required_approvals"`
	Approvers   []string      `json:"approvers"`
	Approvals   []Approval    `json:"approvals"`
	// BlockedBy says what stops a pending or denied request: policy rule
	// ids and missing approvals.
	BlockedBy []string   `json:"blocked_by,omitempty"`
	Outcome   string     `json:"outcome,omitempty"`
	DecidedBy string     `json:"decided_by,omitempty"`
	DecidedAt *time.Time `json:"decided_at,omitempty"`
}

// Approval is one vote on a request: an approver's verdict, or an
// exception owner's acceptance (Kind).
type Approval struct {
	RequestID int64     `json:"-"`
	Principal string    `json:"principal"`
	Actor     string    `json:"actor"`
	Verdict   string    `json:"verdict"` // approve or reject
	Comment   string    `json:"comment,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	// Kind is KindApproval (counts toward the approval rule) or
	// KindAcceptance (an exception owner who is not an approver consents).
	Kind string `json:"kind"`
}

// Vote kinds.
const (
	KindApproval   = "approval"
	KindAcceptance = "acceptance"
)

// RequestFilter selects decision requests.
type RequestFilter struct {
	Page
	ModelID   int64
	VersionID int64
	Status    RequestStatus
}

// NewRequest is the body of a decision request.
type NewRequest struct {
	Action DecisionAction `json:"action"`
	Stage  Stage          `json:"stage"`
	Alias  string         `json:"alias,omitempty"` // move_alias only
	// Rule, Owner (default: the requester) and Expires: grant_exception only.
	Rule      string `json:"rule,omitempty"`
	Owner     string `json:"owner,omitempty"`
	Expires   string `json:"expires,omitempty"`
	Rationale string `json:"rationale"`
}

// MaxRationale bounds rationales, comments and record bodies.
const MaxRationale = 16 << 10

type governanceConfig struct {
	eval Evaluator
}

// WithPolicy sets the evaluator that decides governance actions
// (registry/policyeval.New over the policy engine). Without one, every
// decision fails with ErrNoPolicy.
func WithPolicy(e Evaluator) Option { return func(s *Service) { s.gov.eval = e } }

func (s *Service) evaluator() (Evaluator, error) {
	if s.gov.eval == nil {
		return nil, fmt.Errorf("%w: the registry refuses decisions it cannot evaluate (wire one with registry.WithPolicy)", ErrNoPolicy)
	}
	return s.gov.eval, nil
}

// maxPolicyEvidence bounds the evidence records one evaluation reads.
const maxPolicyEvidence = 5000

// PolicyInput builds the evaluator's input for action on version v from
// its stored evidence. Records the server's worker wrote (actor system) are
// first-party; others count as signed only if their attestation verified
// when posted. The model's granted exceptions are input exceptions, and the
// production version (when it is another one) is input.production, and
// each dataset the version was trained on (trained_on lineage) is an entry
// of input.datasets with its registration, approval and PII (datasets.go).
func (s *Service) PolicyInput(ctx context.Context, v Version, action DecisionAction, stage Stage, a Actor) (EvalInput, error) {
	in := EvalInput{Model: v.Model, Digest: v.Digest, Action: action, Stage: stage, Actor: a.Principal(), Time: s.now().UTC()}
	excs, err := s.policyExceptions(ctx, v.ModelID)
	if err != nil {
		return in, err
	}
	in.Exceptions = excs
	if in.Production, err = s.productionBaseline(ctx, v); err != nil {
		return in, err
	}
	if in.Profile, err = s.modelProfile(ctx, v.Model); err != nil {
		return in, err
	}
	if in.Datasets, err = s.datasetFacts(ctx, v); err != nil {
		return in, err
	}
	f := EvidenceFilter{Page: Page{Limit: MaxLimit}, VersionID: v.ID}
	for {
		es, cur, err := s.store.ListEvidence(ctx, f)
		if err != nil {
			return in, err
		}
		for _, e := range es {
			var rec evidence.Record
			if err := json.Unmarshal(e.Body, &rec); err != nil {
				return in, fmt.Errorf("evidence %d: %w", e.ID, err)
			}
			in.Evidence = append(in.Evidence, evidence.Item{Record: rec, Signed: e.Signed,
				FirstParty: e.CreatedBy == System.Name, Source: fmt.Sprintf("registry evidence #%d by %s", e.ID, e.CreatedBy)})
		}
		if cur == "" || len(in.Evidence) >= maxPolicyEvidence {
			return in, nil
		}
		f.Cursor = cur
	}
}

// evaluate decides action on v; extra are exceptions under request (a
// grant_exception request is evaluated with its exception applied).
func (s *Service) evaluate(ctx context.Context, v Version, action DecisionAction, stage Stage, a Actor, extra ...Waiver) (*Evaluation, error) {
	ev, err := s.evaluator()
	if err != nil {
		return nil, err
	}
	in, err := s.PolicyInput(ctx, v, action, stage, a)
	if err != nil {
		return nil, err
	}
	in.Exceptions = append(in.Exceptions, extra...)
	dec, err := ev.Evaluate(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	return dec, nil
}

func targetStage(r NewRequest) (Stage, error) {
	switch r.Action {
	case ActionPromote:
		switch r.Stage {
		case "":
			return StageProduction, nil
		case StageStaging, StageProduction:
			return r.Stage, nil
		}
		return "", invalidf("promote: stage %q (want staging or production)", r.Stage)
	case ActionDeprecate:
		return StageDeprecated, nil
	case ActionRetire:
		return StageRetired, nil
	case ActionMoveAlias:
		// Gated like a promotion to production: its policy and approvals.
		if !ValidAliasName(r.Alias) {
			return "", invalidf("move_alias: alias %q: want 1-63 of a-z, 0-9, '.', '_', '-'", r.Alias)
		}
		return StageProduction, nil
	case ActionGrantException:
		// Gated like a promotion to production: its policy and approvals.
		return StageProduction, nil
	case ActionRollback:
		return "", invalidf("a rollback is not requested: run 'mlsec rollback MODEL --to VERSION --reason ...'")
	}
	return "", invalidf("action %q (want promote, deprecate, retire, move_alias or grant_exception)", r.Action)
}

func checkText(what, s string, required bool) (string, error) {
	s = strings.TrimSpace(s)
	if required && s == "" {
		return "", invalidf("%s is required: say why", what)
	}
	if len(s) > MaxRationale {
		return "", invalidf("%s longer than %d bytes", what, MaxRationale)
	}
	return s, nil
}

func versionSubject(model string, n int) string { return fmt.Sprintf("model/%s/versions/%d", model, n) }

// RequestDecision asks for a decision on a version (admins and
// maintainers). The policy is evaluated on the version's evidence at once:
// a deny makes the request denied. Otherwise it waits for its approvals,
// or executes at once when its stage needs none.
func (s *Service) RequestDecision(ctx context.Context, a Actor, model string, number int, in NewRequest) (DecisionRequest, error) {
	var d DecisionRequest
	stage, err := targetStage(in)
	if err != nil {
		return d, err
	}
	if in.Rationale, err = checkText("rationale", in.Rationale, true); err != nil {
		return d, err
	}
	if in.Action == ActionGrantException {
		if err := s.checkException(a, &in); err != nil {
			return d, err
		}
	} else if in.Rule != "" || in.Owner != "" || in.Expires != "" {
		return d, invalidf("rule, owner and expires are for grant_exception only")
	}
	_, v, err := s.versionFor(ctx, s.store, a, PermWrite, model, number)
	if err != nil {
		return d, err
	}
	// Evidence the server is still producing must not turn into a denial
	// that stays in the history: refuse, record nothing, let the caller
	// retry (the HTTP server first waits a bounded time, WaitAnalysis).
	if v.Analysis == AnalysisPending {
		return d, fmt.Errorf("%w: version %s/%d: the server's scan, BOM and signature check are still running", ErrAnalysisPending, model, number)
	}
	var extra []Waiver
	if in.Action == ActionGrantException {
		extra = append(extra, requestedException(DecisionRequest{Model: model, Digest: v.Digest, Rule: in.Rule, Owner: in.Owner,
			Expires: in.Expires, Rationale: in.Rationale}))
	}
	dec, err := s.evaluate(ctx, v, in.Action, stage, a, extra...)
	if err != nil {
		return d, err
	}
	err = s.mutate(ctx, a, "decision.request", versionSubject(model, number), func() any {
		return map[string]any{"request": d.ID, "action": d.Action, "stage": d.Stage, "alias": d.Alias, "rationale": d.Rationale,
			"rule": d.Rule, "owner": d.Owner, "expires": d.Expires,
			"status": d.Status, "policy_allowed": dec.Allowed, "policy_profile": dec.Profile, "denies": ruleIDs(dec.Denies), "outcome": d.Outcome}
	}, func(tx Tx) error {
		g, m, err := s.lockModel(ctx, tx, a, PermWrite, model)
		if err != nil {
			return err
		}
		if v, err = tx.GetVersion(ctx, model, number); err != nil {
			return err
		}
		if v.State != StateReady {
			return fmt.Errorf("version %s/%d is %s: %w: only a ready version changes stage", model, number, v.State, ErrConflict)
		}
		if v.Stage == stage && in.Action != ActionMoveAlias && in.Action != ActionGrantException {
			return fmt.Errorf("%w: version %s/%d is already in %s", ErrConflict, model, number, stage)
		}
		if err := requireOwner(ctx, g, m, stage); err != nil {
			return err
		}
		d = DecisionRequest{ModelID: m.ID, Model: model, VersionID: v.ID, Version: v.Number, Digest: v.Digest, Action: in.Action,
			Stage: stage, Rationale: in.Rationale, RequestedBy: a.Principal(), Status: RequestPending, Policy: dec,
			Rule: in.Rule, Owner: in.Owner, Expires: in.Expires}
		if err := s.fillApprovalRule(ctx, g, m, &d); err != nil {
			return err
		}
		if in.Action == ActionMoveAlias {
			d.Alias = in.Alias
			if d.BaseVersion, err = aliasBase(ctx, tx, m.ID, in.Alias); err != nil {
				return err
			}
			if d.BaseVersion == v.Number {
				return fmt.Errorf("%w: alias %s of %s already points to version %d", ErrConflict, in.Alias, model, number)
			}
		} else if in.Action == ActionGrantException {
			d.BaseVersion = 0 // an exception moves nothing
		} else if d.BaseVersion, err = productionNumber(ctx, g, m.ID); err != nil {
			return err
		}
		if err := g.CreateDecisionRequest(ctx, &d); err != nil {
			return err
		}
		if !dec.Allowed {
			return s.finish(ctx, g, a, &d, RequestDenied, "denied by policy: "+strings.Join(ruleIDs(dec.Denies), ", "))
		}
		if d.Status == RequestPending && ready(d, nil) {
			return s.execute(ctx, tx, g, a, &d)
		}
		return nil
	})
	if err != nil {
		return d, err
	}
	return s.decorate(ctx, d)
}

// lockModel loads model in a transaction, checks p on it and locks it.
func (s *Service) lockModel(ctx context.Context, tx Tx, a Actor, p Permission, model string) (GovernanceTx, Model, error) {
	g, err := govTx(tx)
	if err != nil {
		return nil, Model{}, err
	}
	m, err := tx.GetModel(ctx, model)
	if err != nil {
		return nil, m, err
	}
	if err := require(a, p, &m); err != nil {
		return nil, m, err
	}
	return g, m, g.LockModel(ctx, m.ID)
}

func (s *Service) fillApprovalRule(ctx context.Context, g GovernanceReader, m Model, d *DecisionRequest) error {
	rules, err := g.ListApprovalRules(ctx, m.ID)
	if err != nil {
		return err
	}
	r := ruleFor(rules, d.Stage)
	d.Required, d.Approvers = r.Required, r.Approvers
	if floored(*d) {
		d.Required = max(d.Required, FloorApprovals) // a rule stored before the floor, or for another stage
	}
	if len(d.Approvers) == 0 {
		os, err := g.ListOwners(ctx, m.ID)
		if err != nil {
			return err
		}
		d.Approvers = ownersOf(os, StageResponsibility(d.Stage))
	}
	if d.Approvers == nil {
		d.Approvers = []string{}
	}
	return nil
}

func productionNumber(ctx context.Context, g GovernanceReader, modelID int64) (int, error) {
	cur, err := g.ProductionVersion(ctx, modelID)
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	return cur.Number, err
}

func ruleIDs(rs []PolicyResult) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		if !containsStr(out, r.ID) {
			out = append(out, r.ID)
		}
	}
	return out
}

func containsStr(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// errSuperseded ends an execution whose base moved: the transaction rolls
// back, then the request is marked superseded and the caller gets
// ErrConflict.
type errSuperseded struct{ msg string }

func (e *errSuperseded) Error() string { return e.msg }
func (e *errSuperseded) Unwrap() error { return ErrConflict }

// execute performs an allowed, approved request inside tx: into production
// it first checks production is still at the request's base version and
// moves that version to deprecated; then it moves the version.
func (s *Service) execute(ctx context.Context, tx Tx, g GovernanceTx, a Actor, d *DecisionRequest) error {
	switch d.Action {
	case ActionMoveAlias:
		return s.executeAliasMove(ctx, tx, g, a, d)
	case ActionGrantException:
		return s.executeGrantException(ctx, tx, g, a, d)
	case ActionChangeGovernance:
		return s.executeGovernanceChange(ctx, tx, g, a, d)
	case ActionUnprotectAlias:
		return s.executeUnprotect(ctx, tx, g, a, d)
	}
	v, err := tx.GetVersionByID(ctx, d.VersionID)
	if err != nil {
		return err
	}
	why := map[string]any{"request": d.ID, "action": d.Action}
	if d.Stage == StageProduction {
		cur, err := g.ProductionVersion(ctx, d.ModelID)
		curNum := cur.Number
		if errors.Is(err, ErrNotFound) {
			curNum, err = 0, nil
		}
		if err != nil {
			return err
		}
		if curNum != d.BaseVersion {
			return &errSuperseded{msg: fmt.Sprintf("production of %s moved from version %d to %d since request %d was made; make a new request",
				d.Model, d.BaseVersion, curNum, d.ID)}
		}
		if curNum != 0 && cur.ID != v.ID {
			w := map[string]any{"request": d.ID, "reason": fmt.Sprintf("replaced in production by version %d", v.Number)}
			if _, err := s.moveStage(ctx, tx, a, cur, StageDeprecated, w); err != nil {
				return err
			}
		}
	}
	if v.Stage == d.Stage {
		return fmt.Errorf("%w: version %s/%d is already in %s", ErrConflict, d.Model, d.Version, d.Stage)
	}
	if _, err := s.moveStage(ctx, tx, a, v, d.Stage, why); err != nil {
		return err
	}
	return s.finish(ctx, g, a, d, RequestExecuted, fmt.Sprintf("version %d: %s -> %s", v.Number, v.Stage, d.Stage))
}

func (s *Service) finish(ctx context.Context, g GovernanceTx, a Actor, d *DecisionRequest, st RequestStatus, outcome string) error {
	at := s.now().UTC().Truncate(time.Microsecond)
	d.Status, d.Outcome, d.DecidedBy, d.DecidedAt = st, outcome, a.Principal(), &at
	return g.FinishDecisionRequest(ctx, d)
}

func listOrNone(l []string) string {
	if len(l) == 0 {
		return "none"
	}
	return strings.Join(l, ", ")
}
