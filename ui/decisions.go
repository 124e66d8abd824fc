package ui

import (
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
	Mine bool // requested by the signed-in person: separation of duties forbids their vote
}

// Decisions is the inbox: pending requests in the actor's scope, with the
// policy verdict and what blocks each, and approve / reject forms.
func (u *UI) Decisions(w http.ResponseWriter, r *http.Request, a registry.Actor) error {
	ds, next, err := u.svc.ListPendingRequests(r.Context(), a, registry.Page{Limit: 50, Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		return err
	}
	items := make([]inboxItem, len(ds))
	me := a.Principal()
	for i, d := range ds {
		items[i] = inboxItem{d, strings.EqualFold(d.RequestedBy, me) || strings.EqualFold(principalOf(d.RequestedBy), me)}
	}
	nextURL := ""
	if next != "" {
		nextURL = "/decisions?cursor=" + url.QueryEscape(next)
	}
	return u.render(w, r, http.StatusOK, "decisions", "Decisions", "decisions", a,
		struct {
			Items []inboxItem
			Next  string
		}{items, nextURL})
}

// principalOf is the person of an actor name as the registry records it.
func principalOf(actor string) string { return registry.Actor{Name: actor}.Principal() }

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
