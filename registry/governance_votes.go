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
		aps, err := g.ListApprovals(ctx, id)
		if err != nil {
			return err
		}
		kind, err := voteRight(a, d, aps, verdict)
		if err != nil {
			return err
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

// voteRight is the one rule of who may vote on request d, whose votes so
// far are aps: the request is pending; never its requester (separation of
// duties, by person); an approver, or a grant_exception's owner accepting
// it; once. It returns the kind of vote a casts. Approve and Reject
// enforce it in their transaction; AwaitsVote answers it for the inbox.
func voteRight(a Actor, d DecisionRequest, aps []Approval, verdict string) (string, error) {
	if d.Status != RequestPending {
		return "", fmt.Errorf("%w: request %d is %s", ErrConflict, d.ID, d.Status)
	}
	// The exception's owner consents without being an approver.
	owner := mustAccept(d) && samePrincipal(a.Principal(), d.Owner)
	approver, err := checkVote(a, voteSubject{fmt.Sprintf("decision %d", d.ID), fmt.Sprintf("request %d", d.ID)}, d.RequestedBy, d.Approvers, aps, verdict, owner)
	if err != nil {
		return "", err
	}
	if !approver {
		return KindAcceptance, nil
	}
	return KindApproval, nil
}

// voteSubject names what is voted on in refusals: requested is the
// separation-of-duties message's ("decision 12"), ref the others'
// ("request 12"); a dataset version is "dataset version adult@2" in both.
type voteSubject struct{ requested, ref string }

// checkVote is the one rule of who may vote, for decisions (voteRight)
// and dataset versions (voteDataset): never the requester (separation of
// duties, by person); an approver, or, when other is true, someone the
// subject lets vote without being one (an exception's owner accepting it);
// once per person. approver says which of the two a is.
func checkVote(a Actor, what voteSubject, requester string, approvers []string, votes []Approval, verdict string, other bool) (approver bool, err error) {
	if samePrincipal(a.Principal(), requester) {
		return false, fmt.Errorf("%w: %w: %s requested %s and cannot %s it", ErrForbidden, ErrSelfVote, requester, what.requested, verdict)
	}
	approver = a.matches(approvers)
	if !approver && !other {
		return false, fmt.Errorf("%w: %s is not an approver of %s (approvers: %s)", ErrForbidden, a.Principal(), what.ref, listOrNone(approvers))
	}
	for _, ap := range votes {
		if samePrincipal(ap.Principal, a.Principal()) {
			return false, fmt.Errorf("%w: %s already voted on %s", ErrConflict, ap.Principal, what.ref)
		}
	}
	return approver, nil
}

// ErrSelfVote is the separation-of-duties refusal (with ErrForbidden):
// the requester voting on their own request.
var ErrSelfVote = errors.New("separation of duties")

// ErrVoteNotNeeded is AwaitsVote's answer when a may vote but the request
// does not need the vote: the approvals it needs are in (an approver), or
// the owner already accepted (an exception owner).
var ErrVoteNotNeeded = errors.New("vote not needed")

// AwaitsVote reports whether request d, as a's listing returned it with
// its approvals (ListPendingRequests, GetDecisionRequest: both check the
// scope), waits for a's vote: nil when a may vote on it by the same rule
// Approve and Reject enforce (voteRight) and the vote is still needed
// (quorum not reached, or the owner's acceptance missing). Otherwise the
// error says why not (ErrForbidden with ErrSelfVote for the requester,
// ErrForbidden, ErrConflict or ErrVoteNotNeeded). The answer is for
// display; the vote itself is checked again in its transaction.
func (s *Service) AwaitsVote(a Actor, d DecisionRequest) error {
	kind, err := voteRight(a, d, d.Approvals, "vote on")
	if err != nil {
		return err
	}
	if kind == KindAcceptance || (mustAccept(d) && samePrincipal(a.Principal(), d.Owner) && !accepted(d, d.Approvals)) {
		return nil
	}
	if CountApprovals(d.Approvals) >= d.Required {
		return fmt.Errorf("%w: request %d has the %d approval(s) it needs", ErrVoteNotNeeded, d.ID, d.Required)
	}
	return nil
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
