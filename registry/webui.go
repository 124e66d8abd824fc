package registry

import (
	"context"
	"errors"

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

// maxInboxPages bounds the pending pages ListAwaitingRequests reads to
// fill one page.
const maxInboxPages = 20

// ListAwaitingRequests lists the pending requests in a's scope that wait
// for a's vote (AwaitsVote): the web UI's "waiting for me". It reads whole
// pending pages until it has found p.Limit such requests or read
// maxInboxPages pages, so a page may hold fewer or (up to twice) more;
// follow the cursor for the rest.
func (s *Service) ListAwaitingRequests(ctx context.Context, a Actor, p Page) ([]DecisionRequest, string, error) {
	limit := p.Limit
	if limit <= 0 || limit > MaxLimit {
		limit = DefaultLimit
	}
	out := []DecisionRequest{}
	for range maxInboxPages {
		ds, cur, err := s.ListPendingRequests(ctx, a, Page{Limit: limit, Cursor: p.Cursor})
		if err != nil {
			return nil, "", err
		}
		for _, d := range ds {
			if s.AwaitsVote(a, d) == nil {
				out = append(out, d)
			}
		}
		p.Cursor = cur
		if cur == "" || len(out) >= limit {
			break
		}
	}
	return out, p.Cursor, nil
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
