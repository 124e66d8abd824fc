package registry

import (
	"context"
	"errors"
	"time"

	"github.com/mlsec/mlsec/audit"
)

// ListPendingRequests lists the pending decision requests of every model
// inside a's scope, oldest first: the web UI's decisions inbox. Requests
// of models outside the scope are left out of the page, so a scoped
// page may hold fewer than p.Limit items; follow the cursor for more.
func (s *Service) ListPendingRequests(ctx context.Context, a Actor, p Page) ([]DecisionRequest, string, error) {
	if err := require(a, PermRead, nil); err != nil {
		return nil, "", err
	}
	g, err := s.govReader()
	if err != nil {
		return nil, "", err
	}
	ds, cur, err := g.ListDecisionRequests(ctx, RequestFilter{Page: p, Status: RequestPending})
	if err != nil {
		return nil, "", err
	}
	inScope := map[string]bool{}
	out := ds[:0]
	for _, d := range ds {
		in, seen := inScope[d.Model]
		if !seen {
			_, err := s.GetModel(ctx, a, d.Model)
			switch {
			case err == nil:
				in = true
			case errors.Is(err, ErrForbidden), errors.Is(err, ErrNotFound):
			default:
				return nil, "", err
			}
			inScope[d.Model] = in
		}
		if !in {
			continue
		}
		if d, err = s.decorate(ctx, d); err != nil {
			return nil, "", err
		}
		out = append(out, d)
	}
	return out, cur, nil
}

// ReadAuditLogAs is ReadAuditLog for actor a through the service: the
// whole Merkle log, for an unscoped auditor only (the web UI's "verify
// now" runs audit.Verify on it, as 'mlsec audit verify --database' does).
func (s *Service) ReadAuditLogAs(ctx context.Context, a Actor) (*audit.Log, error) {
	m, r, err := s.auditLog(a, true)
	if err != nil {
		return nil, err
	}
	if err := s.flushLog(ctx, m); err != nil {
		return nil, err
	}
	return ReadAuditLog(ctx, r)
}

// RecordUISignIn appends the audit event of a one-time web UI sign-in
// link (action ui.login_link.create when issued, ui.login_link.use when
// redeemed) for a, with the link's expiry.
func (s *Service) RecordUISignIn(ctx context.Context, a Actor, action string, expires time.Time) error {
	return s.mutate(ctx, a, action, "principal/"+a.Principal(), func() any {
		return map[string]any{"expires_at": expires.UTC()}
	}, func(Tx) error { return nil })
}
