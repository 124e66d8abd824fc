package registry

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// The governance floor (docs/governance.md "The governance floor"): what
// no model's rules can lower, so that no single person puts a version into
// production.
//
//   - Promotion to production, grant_exception and move_alias always need
//     FloorApprovals approvals by someone other than the requester, whatever
//     the model's approval rule says.
//   - Changing approvers (approve owners, a rule's approvers), rollback
//     owners, or lowering a rule is itself a decision (change_governance)
//     when a maintainer asks for it: an admin or an approve owner other
//     than the requester approves it. Admins change governance directly.
//   - Unprotecting an alias is a decision (unprotect_alias) for everyone,
//     admins included: otherwise one admin could unprotect, move and
//     protect again alone.
//   - Nobody names themselves approver, approve or rollback owner, in any
//     change.
//   - An exception's owner, when not the requester, accepts it (a vote on
//     the request) before it is granted.

// FloorApprovals is the least number of approvals, by someone other than
// the requester, of a promotion to production, an exception, an alias move
// and a governance change.
const FloorApprovals = 1

// Model-level decision actions (no version).
const (
	// ActionChangeGovernance applies its Change (owners and rules).
	ActionChangeGovernance DecisionAction = "change_governance"
	// ActionUnprotectAlias removes the protection of its Alias.
	ActionUnprotectAlias DecisionAction = "unprotect_alias"
)

// floored reports whether d is under the floor.
func floored(d DecisionRequest) bool {
	switch d.Action {
	case ActionGrantException, ActionMoveAlias, ActionChangeGovernance, ActionUnprotectAlias:
		return true
	case ActionPromote:
		return d.Stage == StageProduction
	}
	return false
}

// versioned reports whether d is about a version (model-level requests
// have no version and no policy evaluation).
func (d DecisionRequest) versioned() bool {
	return d.Action != ActionChangeGovernance && d.Action != ActionUnprotectAlias
}

// subject is the audit subject of d's events.
func (d DecisionRequest) subject() string {
	if !d.versioned() {
		return "model/" + d.Model
	}
	return versionSubject(d.Model, d.Version)
}

// mustAccept reports whether d waits for its exception owner's consent.
func mustAccept(d DecisionRequest) bool {
	return d.Action == ActionGrantException && !samePrincipal(d.Owner, d.RequestedBy)
}

// accepted reports whether the exception owner approved d.
func accepted(d DecisionRequest, aps []Approval) bool {
	for _, ap := range aps {
		if ap.Verdict == "approve" && samePrincipal(ap.Principal, d.Owner) {
			return true
		}
	}
	return false
}

// ready reports whether d has all it needs to execute.
func ready(d DecisionRequest, aps []Approval) bool {
	return CountApprovals(aps) >= d.Required && (!mustAccept(d) || accepted(d, aps))
}

// GovernanceChange is what SetGovernance did: applied the patch
// (Governance) or opened a change_governance decision (Request).
type GovernanceChange struct {
	Governance *Governance
	Request    *DecisionRequest
}

// SetGovernance changes a model's owners and approval rules (admins and
// maintainers in scope), audited as owners.set. A maintainer's change that
// touches approvers or rollback owners or lowers a rule opens a
// change_governance decision instead (p.Rationale required), applied once
// an admin or approve owner other than the requester approves it. Nobody
// names themselves approver or approve or rollback owner.
func (s *Service) SetGovernance(ctx context.Context, a Actor, model string, p GovernancePatch) (GovernanceChange, error) {
	if err := require(a, PermWrite, nil); err != nil {
		return GovernanceChange{}, err
	}
	if err := validatePatch(&p); err != nil {
		return GovernanceChange{}, err
	}
	m, err := s.GetModel(ctx, a, model)
	if err != nil {
		return GovernanceChange{}, err
	}
	if err := require(a, PermWrite, &m); err != nil {
		return GovernanceChange{}, err
	}
	g, err := s.govReader()
	if err != nil {
		return GovernanceChange{}, err
	}
	cur, err := loadGovernance(ctx, g, m)
	if err != nil {
		return GovernanceChange{}, err
	}
	if err := noSelfNomination(a.Principal(), cur, p); err != nil {
		return GovernanceChange{}, err
	}
	if why := sensitiveChanges(cur, p); len(why) > 0 && !a.Can(PermAdmin) {
		if p.Rationale == "" {
			return GovernanceChange{}, invalidf("this change (%s) is a decision another person approves: give a rationale", strings.Join(why, "; "))
		}
		d, err := s.requestModelDecision(ctx, a, model, DecisionRequest{Action: ActionChangeGovernance, Change: &p, Rationale: p.Rationale},
			func(cur Governance) error {
				if len(sensitiveChanges(cur, p)) == 0 {
					return fmt.Errorf("%w: the governance of %s changed meanwhile; run the command again", ErrConflict, model)
				}
				return noSelfNomination(a.Principal(), cur, p)
			})
		return GovernanceChange{Request: &d}, err
	}
	var out Governance
	err = s.mutate(ctx, a, "owners.set", "model/"+model, func() any { return p }, func(tx Tx) error {
		g, m, cur, err := s.lockedGovernance(ctx, tx, a, model)
		if err != nil {
			return err
		}
		if err := noSelfNomination(a.Principal(), cur, p); err != nil {
			return err
		}
		if len(sensitiveChanges(cur, p)) > 0 && !a.Can(PermAdmin) {
			return fmt.Errorf("%w: the governance of %s changed meanwhile; run the command again", ErrConflict, model)
		}
		if err := applyPatch(ctx, g, m, p, a.Name); err != nil {
			return err
		}
		out, err = loadGovernance(ctx, g, m)
		return err
	})
	return GovernanceChange{Governance: &out}, err
}

// lockedGovernance locks model for a writer in tx and reads its governance.
func (s *Service) lockedGovernance(ctx context.Context, tx Tx, a Actor, model string) (GovernanceTx, Model, Governance, error) {
	g, m, err := s.lockModel(ctx, tx, a, PermWrite, model)
	if err != nil {
		return nil, m, Governance{}, err
	}
	cur, err := loadGovernance(ctx, g, m)
	return g, m, cur, err
}

// sensitiveChanges says how p changes who approves or rolls back, or
// lowers a rule, compared to cur (empty: p only adds duties or raises
// rules, which anyone who may write applies directly).
func sensitiveChanges(cur Governance, p GovernancePatch) []string {
	var why []string
	for _, r := range []Responsibility{RespApprove, RespRollback} {
		if ps, ok := p.Owners[r]; ok && !samePrincipals(ps, cur.Owners[r]) {
			why = append(why, "changes the "+string(r)+" owners")
		}
	}
	for _, r := range p.ApprovalRules {
		old := ruleFor(cur.ApprovalRules, r.Stage)
		if r.Required < old.Required {
			why = append(why, fmt.Sprintf("lowers %s from %d to %d approvals", r.Stage, old.Required, r.Required))
		}
		if !samePrincipals(r.Approvers, old.Approvers) {
			why = append(why, "changes the approvers of "+string(r.Stage))
		}
	}
	return why
}

// noSelfNomination refuses a change that adds principal to the approve or
// rollback owners or to a rule's approvers.
func noSelfNomination(principal string, cur Governance, p GovernancePatch) error {
	added := func(next, before []string) bool {
		return containsPrincipal(next, principal) && !containsPrincipal(before, principal)
	}
	for _, r := range []Responsibility{RespApprove, RespRollback} {
		if ps, ok := p.Owners[r]; ok && added(ps, cur.Owners[r]) {
			return fmt.Errorf("%w: separation of duties: %s cannot name themselves %s owner; ask someone else to", ErrForbidden, principal, r)
		}
	}
	for _, r := range p.ApprovalRules {
		if added(r.Approvers, ruleFor(cur.ApprovalRules, r.Stage).Approvers) {
			return fmt.Errorf("%w: separation of duties: %s cannot name themselves approver of %s; ask someone else to", ErrForbidden, principal, r.Stage)
		}
	}
	return nil
}

func containsPrincipal(l []string, p string) bool {
	return slices.ContainsFunc(l, func(x string) bool { return samePrincipal(x, p) })
}

// samePrincipals compares two principal lists as sets.
func samePrincipals(a, b []string) bool {
	for _, x := range a {
		if !containsPrincipal(b, x) {
			return false
		}
	}
	for _, x := range b {
		if !containsPrincipal(a, x) {
			return false
		}
	}
	return true
}

// governanceApprovers approve a model-level decision: admins and the
// model's approve owners (never the requester: vote checks that).
func governanceApprovers(cur Governance) []string {
	out := []string{"role:" + string(RoleAdmin)}
	for _, p := range cur.Owners[RespApprove] {
		if !containsPrincipal(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// requestModelDecision opens a model-level decision d (action, rationale
// and its change or alias set) for the approvers of governance changes;
// check runs in the transaction on the model's governance then.
func (s *Service) requestModelDecision(ctx context.Context, a Actor, model string, d DecisionRequest, check func(Governance) error) (DecisionRequest, error) {
	err := s.mutate(ctx, a, "decision.request", "model/"+model, func() any {
		return map[string]any{"request": d.ID, "action": d.Action, "alias": d.Alias, "rationale": d.Rationale, "change": d.Change, "status": d.Status}
	}, func(tx Tx) error {
		g, m, cur, err := s.lockedGovernance(ctx, tx, a, model)
		if err != nil {
			return err
		}
		if err := check(cur); err != nil {
			return err
		}
		d.ModelID, d.Model, d.RequestedBy, d.Status = m.ID, m.Name, a.Principal(), RequestPending
		d.Required, d.Approvers = FloorApprovals, governanceApprovers(cur)
		return g.CreateDecisionRequest(ctx, &d)
	})
	if err != nil {
		return d, err
	}
	return s.decorate(ctx, d)
}

// executeGovernanceChange applies an approved change_governance request,
// audited as owners.set with the request.
func (s *Service) executeGovernanceChange(ctx context.Context, tx Tx, g GovernanceTx, a Actor, d *DecisionRequest) error {
	m, err := tx.GetModel(ctx, d.Model)
	if err != nil {
		return err
	}
	cur, err := loadGovernance(ctx, g, m)
	if err != nil {
		return err
	}
	if d.Change == nil {
		return fmt.Errorf("request %d: no change recorded", d.ID)
	}
	if err := noSelfNomination(d.RequestedBy, cur, *d.Change); err != nil {
		return err
	}
	if err := applyPatch(ctx, g, m, *d.Change, d.RequestedBy); err != nil {
		return err
	}
	if err := s.auditIn(ctx, tx, a, "owners.set", "model/"+d.Model, map[string]any{
		"owners": d.Change.Owners, "approval_rules": d.Change.ApprovalRules, "rationale": d.Rationale,
		"request": d.ID, "requested_by": d.RequestedBy}); err != nil {
		return err
	}
	return s.finish(ctx, g, a, d, RequestExecuted, "governance changed as requested")
}

// executeUnprotect removes an alias's protection once approved, audited as
// alias.protect with the request.
func (s *Service) executeUnprotect(ctx context.Context, tx Tx, g GovernanceTx, a Actor, d *DecisionRequest) error {
	at, err := aliasTx(tx)
	if err != nil {
		return err
	}
	al, err := at.GetAlias(ctx, d.ModelID, d.Alias)
	if err != nil {
		return err
	}
	if !al.Protected {
		return &errSuperseded{msg: fmt.Sprintf("alias %s of %s was unprotected since request %d was made", d.Alias, d.Model, d.ID)}
	}
	al.Protected = false
	if err := s.putAlias(ctx, at, a, &al, al.Version, d.ID, d.Rationale, false); err != nil {
		return err
	}
	if err := s.auditIn(ctx, tx, a, "alias.protect", aliasSubject(d.Model, d.Alias), map[string]any{
		"alias": d.Alias, "protected": false, "request": d.ID, "reason": d.Rationale}); err != nil {
		return err
	}
	return s.finish(ctx, g, a, d, RequestExecuted, fmt.Sprintf("alias %s unprotected", d.Alias))
}
