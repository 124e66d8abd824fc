package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Votes on decision requests: approvals, rejections and an exception
// owner's acceptance; a request executes in the vote that completes it.

// Approve records a's approval of request id. Only the request's
// approvers may approve, never its requester (separation of duties, by
// person); a grant_exception request's owner, when not the requester, also
// votes to accept it. The policy is evaluated again on the current
// evidence; once it allows, enough approvals are in and the owner has
// accepted, the request executes in the same transaction. If production
// (or the alias) moved since the request, it is marked superseded and the
// error is ErrConflict.
func (s *Service) Approve(ctx context.Context, a Actor, id int64, comment string) (DecisionRequest, error) {
	return s.vote(ctx, a, id, "approve", comment)
}

// Reject records a's rejection: the request ends rejected.
func (s *Service) Reject(ctx context.Context, a Actor, id int64, comment string) (DecisionRequest, error) {
	return s.vote(ctx, a, id, "reject", comment)
}

func (s *Service) vote(ctx context.Context, a Actor, id int64, verdict, comment string) (DecisionRequest, error) {
	var err error
	if comment, err = checkText("comment", comment, false); err != nil {
		return DecisionRequest{}, err
	}
	d, err := s.GetDecisionRequest(ctx, a, id)
	if err != nil {
		return d, err
	}
	var dec *Evaluation
	if verdict == "approve" && d.Status == RequestPending && d.versioned() {
		_, v, err := s.versionFor(ctx, s.store, a, PermRead, d.Model, d.Version)
		if err != nil {
			return d, err
		}
		var extra []Waiver
		if d.Action == ActionGrantException {
			extra = append(extra, requestedException(d))
		}
		if dec, err = s.evaluate(ctx, v, d.Action, d.Stage, a, extra...); err != nil {
			return d, err
		}
	}
	err = s.mutate(ctx, a, "decision."+verdict, d.subject(), func() any {
		return map[string]any{"request": id, "comment": comment, "status": d.Status, "outcome": d.Outcome}
	}, func(tx Tx) error {
		g, _, err := s.lockModel(ctx, tx, a, PermRead, d.Model)
		if err != nil {
			return err
		}
		if d, err = g.GetDecisionRequest(ctx, id); err != nil {
			return err
		}
		if d.Status != RequestPending {
			return fmt.Errorf("%w: request %d is %s", ErrConflict, id, d.Status)
		}
		aps, err := g.ListApprovals(ctx, id)
		if err != nil {
			return err
		}
		if err := checkVoter(a, d.RequestedBy, aps, fmt.Sprintf("request %d", id), verdict); err != nil {
			return err
		}
		kind := KindApproval
		if !a.matches(d.Approvers) {
			if !mustAccept(d) || !samePrincipal(a.Principal(), d.Owner) {
				return fmt.Errorf("%w: %s is not an approver of request %d (approvers: %s)", ErrForbidden, a.Principal(), id, listOrNone(d.Approvers))
			}
			kind = KindAcceptance // the exception's owner consents
		}
		ap := Approval{RequestID: id, Principal: a.Principal(), Actor: a.Name, Verdict: verdict, Comment: comment, Kind: kind}
		if err := g.AddApproval(ctx, &ap); err != nil {
			return err
		}
		if verdict == "reject" {
			return s.finish(ctx, g, a, &d, RequestRejected, fmt.Sprintf("rejected by %s", a.Principal()))
		}
		if d.versioned() {
			d.Policy = dec
			if err := g.UpdateDecisionPolicy(ctx, id, dec); err != nil {
				return err
			}
			if !dec.Allowed {
				return s.finish(ctx, g, a, &d, RequestDenied, "denied by policy: "+strings.Join(ruleIDs(dec.Denies), ", "))
			}
		}
		if ready(d, append(aps, ap)) {
			return s.execute(ctx, tx, g, a, &d)
		}
		return nil
	})
	var sup *errSuperseded
	if errors.As(err, &sup) {
		// The transaction rolled back; record the supersession on its own.
		return d, s.supersede(ctx, a, d, sup)
	}
	if err != nil {
		return d, err
	}
	return s.decorate(ctx, d)
}

// supersede marks request d superseded (audited) and returns the conflict.
func (s *Service) supersede(ctx context.Context, a Actor, d DecisionRequest, sup *errSuperseded) error {
	id := d.ID
	err := s.mutate(ctx, a, "decision.superseded", d.subject(), func() any {
		return map[string]any{"request": id, "outcome": sup.msg}
	}, func(tx Tx) error {
		g, err := govTx(tx)
		if err != nil {
			return err
		}
		d, err := g.GetDecisionRequest(ctx, id)
		if err != nil || d.Status != RequestPending {
			return errors.Join(err, errNoChange)
		}
		return s.finish(ctx, g, a, &d, RequestSuperseded, sup.msg)
	})
	if err != nil && !errors.Is(err, errNoChange) {
		return errors.Join(sup, err)
	}
	return sup
}

// checkVoter applies the rules every vote obeys, on model decisions and
// dataset versions alike: separation of duties (the requester never votes
// on their own request, by person) and one vote per person.
func checkVoter(a Actor, requester string, votes []Approval, what, verdict string) error {
	if samePrincipal(a.Principal(), requester) {
		return fmt.Errorf("%w: separation of duties: %s requested %s and cannot %s it", ErrForbidden, requester, what, verdict)
	}
	for _, ap := range votes {
		if samePrincipal(ap.Principal, a.Principal()) {
			return fmt.Errorf("%w: %s already voted on %s", ErrConflict, ap.Principal, what)
		}
	}
	return nil
}

// CountApprovals counts the approvals toward a request's rule (not an
// exception owner's acceptance, nor rejections).
func CountApprovals(aps []Approval) int {
	n := 0
	for _, ap := range aps {
		if ap.Verdict == "approve" && ap.Kind != KindAcceptance {
			n++
		}
	}
	return n
}
