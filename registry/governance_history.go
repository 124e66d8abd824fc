package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// GetDecisionRequest returns a request with its approvals and what blocks it.
func (s *Service) GetDecisionRequest(ctx context.Context, a Actor, id int64) (DecisionRequest, error) {
	if err := require(a, PermRead, nil); err != nil {
		return DecisionRequest{}, err
	}
	g, err := s.govReader()
	if err != nil {
		return DecisionRequest{}, err
	}
	d, err := g.GetDecisionRequest(ctx, id)
	if err != nil {
		return d, err
	}
	if _, err := s.GetModel(ctx, a, d.Model); err != nil {
		return DecisionRequest{}, err
	}
	return s.decorate(ctx, d)
}

// ListDecisionRequests lists a model's requests, newest last.
func (s *Service) ListDecisionRequests(ctx context.Context, a Actor, model string, f RequestFilter) ([]DecisionRequest, string, error) {
	m, err := s.GetModel(ctx, a, model)
	if err != nil {
		return nil, "", err
	}
	g, err := s.govReader()
	if err != nil {
		return nil, "", err
	}
	f.ModelID = m.ID
	ds, cur, err := g.ListDecisionRequests(ctx, f)
	if err != nil {
		return nil, "", err
	}
	for i := range ds {
		if ds[i], err = s.decorate(ctx, ds[i]); err != nil {
			return nil, "", err
		}
	}
	return ds, cur, nil
}

// decorate fills a request's approvals and BlockedBy.
func (s *Service) decorate(ctx context.Context, d DecisionRequest) (DecisionRequest, error) {
	g, err := s.govReader()
	if err != nil {
		return d, err
	}
	if d.Approvals, err = g.ListApprovals(ctx, d.ID); err != nil {
		return d, err
	}
	d.BlockedBy = nil
	if d.Status != RequestPending && d.Status != RequestDenied {
		return d, nil
	}
	if d.Policy != nil {
		for _, r := range d.Policy.Denies {
			d.BlockedBy = append(d.BlockedBy, fmt.Sprintf("policy %s: %s", r.ID, r.Message))
		}
	}
	if n := d.Required - CountApprovals(d.Approvals); n > 0 && d.Status == RequestPending {
		d.BlockedBy = append(d.BlockedBy, fmt.Sprintf("approvals: %d more needed from %s (not the requester %s)",
			n, listOrNone(d.Approvers), d.RequestedBy))
	}
	if mustAccept(d) && !accepted(d, d.Approvals) && d.Status == RequestPending {
		d.BlockedBy = append(d.BlockedBy, fmt.Sprintf("acceptance: %s, the exception's owner, must accept it ('mlsec approve %d' as %s)",
			d.Owner, d.ID, d.Owner))
	}
	return d, nil
}

// RollbackOptions configure a rollback's re-verification.
type RollbackOptions struct {
	// BlobExists, if set, checks that the blob store still holds content.
	BlobExists func(ctx context.Context, sha256 string) (bool, error)
}

// Rollback returns production to version to of model: allowed to a
// rollback owner without a second approval, audited, and only after the
// version is re-verified: its root digest is recomputed from its recorded
// file digests and every blob must still be stored. The version must have
// been in production before (through an executed decision), and the policy
// is evaluated on its evidence like any decision; a deny ends the rollback
// as a denied request.
func (s *Service) Rollback(ctx context.Context, a Actor, model string, to int, reason string, o RollbackOptions) (DecisionRequest, error) {
	var d DecisionRequest
	reason, err := checkText("reason", reason, true)
	if err != nil {
		return d, err
	}
	_, v, err := s.versionFor(ctx, s.store, a, PermRead, model, to)
	if err != nil {
		return d, err
	}
	if err := s.reverify(ctx, v, o); err != nil {
		return d, err
	}
	dec, err := s.evaluate(ctx, v, ActionRollback, StageProduction, a)
	if err != nil {
		return d, err
	}
	err = s.mutate(ctx, a, "decision.rollback", versionSubject(model, to), func() any {
		return map[string]any{"request": d.ID, "reason": reason, "status": d.Status, "outcome": d.Outcome,
			"digest_verified": v.Digest, "policy_allowed": dec.Allowed, "policy_profile": dec.Profile, "denies": ruleIDs(dec.Denies)}
	}, func(tx Tx) error {
		g, m, err := s.lockModel(ctx, tx, a, PermRead, model)
		if err != nil {
			return err
		}
		owners, err := g.ListOwners(ctx, m.ID)
		if err != nil {
			return err
		}
		ro := ownersOf(owners, RespRollback)
		if len(ro) == 0 {
			return fmt.Errorf("%w: model %s has no rollback owner; name one with 'mlsec owners %s --set rollback=NAME'", ErrConflict, model, model)
		}
		if !a.matches(ro) {
			return fmt.Errorf("%w: only rollback owners of %s may roll it back (%s)", ErrForbidden, model, strings.Join(ro, ", "))
		}
		if v, err = tx.GetVersionByID(ctx, v.ID); err != nil {
			return err
		}
		if v.Stage == StageProduction {
			return fmt.Errorf("%w: version %s/%d is already in production", ErrConflict, model, to)
		}
		if v.Stage == StageRetired {
			return fmt.Errorf("%w: version %s/%d is retired", ErrConflict, model, to)
		}
		was, err := s.executedIntoProduction(ctx, g, m.ID, v.ID)
		if err != nil {
			return err
		}
		if len(was) == 0 {
			return fmt.Errorf("%w: version %s/%d was never in production through a decision; promote it with 'mlsec request'", ErrConflict, model, to)
		}
		d = DecisionRequest{ModelID: m.ID, Model: model, VersionID: v.ID, Version: v.Number, Digest: v.Digest, Action: ActionRollback,
			Stage: StageProduction, Rationale: reason, RequestedBy: a.Principal(), Status: RequestPending, Policy: dec, Approvers: ro}
		if d.BaseVersion, err = productionNumber(ctx, g, m.ID); err != nil {
			return err
		}
		if err := g.CreateDecisionRequest(ctx, &d); err != nil {
			return err
		}
		if !dec.Allowed {
			return s.finish(ctx, g, a, &d, RequestDenied, "denied by policy: "+strings.Join(ruleIDs(dec.Denies), ", "))
		}
		return s.execute(ctx, tx, g, a, &d)
	})
	if err != nil {
		return d, err
	}
	return s.decorate(ctx, d)
}

// executedIntoProduction returns the executed requests that put versionID
// into production (at most a page).
func (s *Service) executedIntoProduction(ctx context.Context, g GovernanceReader, modelID, versionID int64) ([]DecisionRequest, error) {
	ds, _, err := g.ListDecisionRequests(ctx, RequestFilter{Page: Page{Limit: MaxLimit}, ModelID: modelID, VersionID: versionID, Status: RequestExecuted})
	if err != nil {
		return nil, err
	}
	var out []DecisionRequest
	for _, d := range ds {
		if d.Stage == StageProduction {
			out = append(out, d)
		}
	}
	return out, nil
}

// reverify recomputes v's root digest from its recorded file digests and
// checks every artifact's blob is still stored (versions registered by
// reference have no blobs).
func (s *Service) reverify(ctx context.Context, v Version, o RollbackOptions) error {
	if v.State != StateReady {
		return fmt.Errorf("version %s/%d is %s: %w", v.Model, v.Number, v.State, ErrConflict)
	}
	arts, err := s.store.ListArtifacts(ctx, v.ID)
	if err != nil {
		return err
	}
	root, err := RootDigest(arts)
	if err != nil {
		return err
	}
	if root != v.Digest {
		return fmt.Errorf("%w: version %s/%d: its files give root digest %s, not the recorded %s", ErrDigestMismatch, v.Model, v.Number, root, v.Digest)
	}
	if v.SourceURI != "" {
		return nil
	}
	for _, art := range arts {
		b, err := s.store.GetBlob(ctx, art.SHA256)
		if errors.Is(err, ErrNotFound) || (err == nil && b.Size != art.Size) {
			return fmt.Errorf("%w: version %s/%d: blob of %s (sha256:%s) is missing", ErrConflict, v.Model, v.Number, art.Path, art.SHA256)
		}
		if err != nil {
			return err
		}
		if o.BlobExists != nil {
			ok, err := o.BlobExists(ctx, art.SHA256)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("%w: version %s/%d: the blob store lost %s (sha256:%s)", ErrConflict, v.Model, v.Number, art.Path, art.SHA256)
			}
		}
	}
	return nil
}

// DecisionRecord is a free-text record of a choice that shaped a version
// ("what data did we exclude and why"), with its author.
type DecisionRecord struct {
	ID        int64     `json:"id"`
	VersionID int64     `json:"-"`
	Model     string    `json:"model"`
	Version   int       `json:"version"`
	Title     string    `json:"title"`
	Body      string    `json:"body"`
	Author    string    `json:"author"`
	CreatedAt time.Time `json:"created_at"`
}

// AddDecisionRecord links a record to a version (admins, maintainers and
// reviewers), audited as record.add.
func (s *Service) AddDecisionRecord(ctx context.Context, a Actor, model string, number int, title, body string) (DecisionRecord, error) {
	var r DecisionRecord
	var err error
	if title, err = checkText("title", title, true); err != nil {
		return r, err
	}
	if len(title) > 200 {
		return r, invalidf("title longer than 200 bytes")
	}
	if body, err = checkText("body", body, true); err != nil {
		return r, err
	}
	err = s.mutate(ctx, a, "record.add", versionSubject(model, number), func() any {
		return map[string]any{"record": r.ID, "title": title}
	}, func(tx Tx) error {
		g, err := govTx(tx)
		if err != nil {
			return err
		}
		_, v, err := s.versionFor(ctx, tx, a, PermEvidence, model, number)
		if err != nil {
			return err
		}
		r = DecisionRecord{VersionID: v.ID, Model: model, Version: number, Title: title, Body: body, Author: a.Principal()}
		return g.AddDecisionRecord(ctx, &r)
	})
	return r, err
}

// ListDecisionRecords lists a model's records (of one version if number > 0).
func (s *Service) ListDecisionRecords(ctx context.Context, a Actor, model string, number int) ([]DecisionRecord, error) {
	m, err := s.GetModel(ctx, a, model)
	if err != nil {
		return nil, err
	}
	g, err := s.govReader()
	if err != nil {
		return nil, err
	}
	var vid int64
	if number > 0 {
		v, err := s.store.GetVersion(ctx, model, number)
		if err != nil {
			return nil, err
		}
		vid = v.ID
	}
	return g.ListDecisionRecords(ctx, m.ID, vid)
}

// HistoryEntry is one thing that happened to a model: who, when, what and
// why (rationale, comment, reason or record), from the audit trail.
type HistoryEntry struct {
	Seq     int64     `json:"seq"`
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"`
	Action  string    `json:"action"`
	Version int       `json:"version,omitempty"`
	Request int64     `json:"request,omitempty"`
	What    string    `json:"what"`
	Why     string    `json:"why,omitempty"`
	// Profile is the policy profile a decision was evaluated under.
	Profile string `json:"profile,omitempty"`
}

// maxHistory bounds the events one history reads.
const maxHistory = 10000

// History answers "who did what, when and why" for a model across its
// versions, from its audit events (decisions, approvals, stage moves,
// rollbacks, owner changes and records are all audited with their reasons).
func (s *Service) History(ctx context.Context, a Actor, model string) ([]HistoryEntry, error) {
	if _, err := s.GetModel(ctx, a, model); err != nil {
		return nil, err
	}
	g, err := s.govReader()
	if err != nil {
		return nil, err
	}
	records, err := s.ListDecisionRecords(ctx, a, model, 0)
	if err != nil {
		return nil, err
	}
	bodies := map[int64]string{}
	for _, r := range records {
		bodies[r.ID] = r.Body
	}
	out := []HistoryEntry{}
	p := Page{Limit: MaxLimit}
	for len(out) < maxHistory {
		es, cur, err := g.ListModelAudit(ctx, model, p)
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			out = append(out, historyEntry(e, bodies))
		}
		if cur == "" {
			break
		}
		p.Cursor = cur
	}
	return out, nil
}

func historyEntry(e AuditEvent, bodies map[int64]string) HistoryEntry {
	h := HistoryEntry{Seq: e.Seq, At: e.At, Actor: Actor{Name: e.Actor}.Principal(), Action: e.Action}
	if i := strings.Index(e.Subject, "/versions/"); i >= 0 {
		h.Version, _ = strconv.Atoi(e.Subject[i+len("/versions/"):])
	}
	var p map[string]any
	_ = json.Unmarshal(e.Payload, &p)
	str := func(k string) string { s, _ := p[k].(string); return s }
	num := func(k string) int64 { f, _ := p[k].(float64); return int64(f) }
	if h.Version == 0 {
		h.Version = int(num("number"))
	}
	h.Request = num("request")
	h.Why = firstOf(str("rationale"), str("reason"), str("comment"))
	h.Profile = str("policy_profile")
	switch e.Action {
	case "version.create":
		h.What = fmt.Sprintf("registered version %d (sha256:%s)", h.Version, str("digest"))
	case "version.ready":
		h.What = "upload complete, version ready"
	case "version.stage":
		h.What = fmt.Sprintf("stage %s -> %s", str("from"), str("to"))
		if h.Why == "" && h.Request > 0 {
			h.Why = fmt.Sprintf("by decision request %d", h.Request)
		}
	case "decision.request":
		h.What = fmt.Sprintf("requested %s to %s: %s", str("action"), str("stage"), str("status"))
		switch al := str("alias"); {
		case DecisionAction(str("action")) == ActionChangeGovernance:
			b, _ := json.Marshal(p["change"])
			h.What = fmt.Sprintf("requested a governance change: %s", str("status"))
			h.Why = firstOf(h.Why, string(b))
		case DecisionAction(str("action")) == ActionUnprotectAlias:
			h.What = fmt.Sprintf("requested unprotecting alias %s: %s", al, str("status"))
		case al != "":
			h.What = fmt.Sprintf("requested %s of alias %s: %s", str("action"), al, str("status"))
		}
		if o := str("outcome"); o != "" {
			h.What += " (" + o + ")"
		}
	case "decision.approve", "decision.reject":
		h.What = fmt.Sprintf("%s request %d: %s", map[string]string{"decision.approve": "approved", "decision.reject": "rejected"}[e.Action], h.Request, str("status"))
		if o := str("outcome"); o != "" {
			h.What += " (" + o + ")"
		}
	case "decision.rollback":
		h.What = fmt.Sprintf("rolled production back to version %d (digest re-verified): %s", h.Version, str("status"))
		if o := str("outcome"); o != "" {
			h.What += " (" + o + ")"
		}
	case "decision.superseded":
		h.What = str("outcome")
	case "alias.move":
		h.What = fmt.Sprintf("alias %s: version %d -> %d", str("alias"), num("from"), num("to"))
		h.Version = int(num("to"))
	case "alias.protect":
		h.What = fmt.Sprintf("alias %s: protected %v", str("alias"), p["protected"])
	case "owners.set":
		b, _ := json.Marshal(p)
		h.What = "owners/approval rules set: " + string(b)
	case "profile.set", "profile.unset":
		h.What = fmt.Sprintf("policy profile of %s %s: %s -> %s (now decided under %s)", str("kind"), str("name"),
			firstOf(str("old"), "unset"), firstOf(str("new"), "unset"), str("effective"))
	case "record.add":
		h.What = "decision record: " + str("title")
		h.Why = bodies[num("record")]
	default:
		h.What = string(e.Payload)
	}
	return h
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
