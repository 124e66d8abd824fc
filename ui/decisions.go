package ui

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/mlsec/mlsec/registry"
)

// maxComment bounds a decision comment from the form.
const maxComment = 4000

// inboxItem is a pending request as the inbox shows it.
type inboxItem struct {
	registry.DecisionRequest
	// Waiting is true when the request waits for the signed-in person's
	// vote (registry.Service.AwaitsVote); Why says why not otherwise.
	Waiting bool
	Why     string
}

// Decisions is the inbox: by default the pending requests waiting for the
// signed-in person's vote (registry.Service.ListAwaitingRequests: in
// scope, not the requester, an approver who has not voted, quorum not
// reached); with show=all every pending request in scope, each saying
// whether it waits for them. Both show the policy verdict and what blocks
// each, and approve / reject forms.
func (u *UI) Decisions(w http.ResponseWriter, r *http.Request, a registry.Actor) error {
	q := r.URL.Query()
	all := q.Get("show") == "all"
	p := registry.Page{Limit: 50, Cursor: q.Get("cursor")}
	var ds []registry.DecisionRequest
	var next string
	var err error
	if all {
		ds, next, err = u.svc.ListPendingRequests(r.Context(), a, p)
	} else {
		ds, next, err = u.svc.ListAwaitingRequests(r.Context(), a, p)
	}
	if err != nil {
		return err
	}
	items := make([]inboxItem, len(ds))
	for i, d := range ds {
		why := u.svc.AwaitsVote(a, d)
		items[i] = inboxItem{DecisionRequest: d, Waiting: why == nil, Why: notWaiting(why)}
	}
	nextURL := ""
	if next != "" {
		v := url.Values{"cursor": {next}}
		if all {
			v.Set("show", "all")
		}
		nextURL = "/decisions?" + v.Encode()
	}
	return u.render(w, r, http.StatusOK, "decisions", "Decisions", "decisions", a,
		struct {
			Items []inboxItem
			All   bool
			Next  string
		}{items, all, nextURL})
}

// notWaiting words the service's reason a request does not wait for the
// signed-in person.
func notWaiting(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, registry.ErrSelfVote):
		return "You asked for this: another person must decide it."
	case errors.Is(err, registry.ErrVoteNotNeeded):
		return "It has the approvals it needs; it waits for something else (see what blocks it)."
	case errors.Is(err, registry.ErrConflict):
		return "You have already voted on it."
	case errors.Is(err, registry.ErrForbidden):
		return "You are not one of its approvers."
	}
	return err.Error()
}

// Decide approves or rejects request {id} with the form's comment, through
// the same service call as POST /api/v1/requests/{id}/approve|reject (so
// the same separation of duties and approver checks apply).
func (u *UI) Decide(w http.ResponseWriter, r *http.Request, a registry.Actor) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return fmt.Errorf("%w: request id %q", registry.ErrInvalid, r.PathValue("id"))
	}
	comment := strings.TrimSpace(r.PostFormValue("comment"))
	if len(comment) > maxComment {
		return fmt.Errorf("%w: the comment is over %d characters", registry.ErrInvalid, maxComment)
	}
	var d registry.DecisionRequest
	switch v := r.PostFormValue("verdict"); v {
	case "approve":
		d, err = u.svc.Approve(r.Context(), a, id, comment)
	case "reject":
		d, err = u.svc.Reject(r.Context(), a, id, comment)
	default:
		return fmt.Errorf("%w: verdict %q (approve or reject)", registry.ErrInvalid, v)
	}
	if err != nil {
		return err
	}
	done := fmt.Sprintf("Request %d (%s of %s version %d) is now %s.", d.ID, d.Action, d.Model, d.Version, d.Status)
	http.Redirect(w, r, "/decisions?done="+url.QueryEscape(done), http.StatusSeeOther)
	return nil
}
