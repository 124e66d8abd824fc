package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/mlsec/mlsec/registry"
)

// Governance rows (migration 0004): owners, approval rules, decision
// requests with their approvals, and decision records.

var (
	_ registry.GovernanceReader = q{}
	_ registry.GovernanceTx     = (*txn)(nil)
)

// ListOwners lists a model's owners by responsibility and principal.
func (x q) ListOwners(ctx context.Context, modelID int64) ([]registry.Owner, error) {
	rows, err := x.query(ctx, `SELECT responsibility, principal, created_by, created_at FROM model_owners
		WHERE model_id = ? ORDER BY responsibility, principal`, modelID)
	if err != nil {
		return nil, wrap(err, "list owners")
	}
	os, err := collect(rows, func(sc interface{ Scan(...any) error }) (registry.Owner, error) {
		var o registry.Owner
		err := sc.Scan(&o.Responsibility, &o.Principal, &o.CreatedBy, &o.CreatedAt)
		o.CreatedAt = o.CreatedAt.UTC()
		return o, err
	})
	return os, wrap(err, "list owners")
}

// ListApprovalRules lists a model's own approval rules by stage.
func (x q) ListApprovalRules(ctx context.Context, modelID int64) ([]registry.ApprovalRule, error) {
	rows, err := x.query(ctx, `SELECT stage, required, approvers FROM approval_rules WHERE model_id = ? ORDER BY stage`, modelID)
	if err != nil {
		return nil, wrap(err, "list approval rules")
	}
	rs, err := collect(rows, func(sc interface{ Scan(...any) error }) (registry.ApprovalRule, error) {
		var r registry.ApprovalRule
		var approvers string
		if err := sc.Scan(&r.Stage, &r.Required, &approvers); err != nil {
			return r, err
		}
		return r, json.Unmarshal([]byte(approvers), &r.Approvers)
	})
	return rs, wrap(err, "list approval rules")
}

const requestCols = `d.id, d.model_id, m.name, COALESCE(d.version_id, 0), COALESCE(v.number, 0), COALESCE(v.digest, ''), d.action, d.stage,
	d.rationale, d.requested_by, d.created_at, d.base_version, d.status, d.policy, d.required, d.approvers, d.outcome, d.decided_by,
	d.decided_at, d.alias, d.exception_rule, d.exception_owner, d.exception_expires, d.change`

// requestFrom: model-level requests (change_governance, unprotect_alias)
// have no version.
const requestFrom = ` FROM decision_requests d JOIN models m ON m.id = d.model_id LEFT JOIN model_versions v ON v.id = d.version_id`

func scanRequest(sc interface{ Scan(...any) error }) (registry.DecisionRequest, error) {
	var d registry.DecisionRequest
	var pol, approvers, change string
	var decided sql.NullTime
	err := sc.Scan(&d.ID, &d.ModelID, &d.Model, &d.VersionID, &d.Version, &d.Digest, &d.Action, &d.Stage, &d.Rationale, &d.RequestedBy,
		&d.CreatedAt, &d.BaseVersion, &d.Status, &pol, &d.Required, &approvers, &d.Outcome, &d.DecidedBy, &decided, &d.Alias,
		&d.Rule, &d.Owner, &d.Expires, &change)
	if err != nil {
		return d, err
	}
	if change != "" {
		d.Change = &registry.GovernancePatch{}
		if err := json.Unmarshal([]byte(change), d.Change); err != nil {
			return d, fmt.Errorf("request %d change: %w", d.ID, err)
		}
	}
	d.CreatedAt, d.DecidedAt = d.CreatedAt.UTC(), timePtr(decided)
	if pol != "" && pol != "{}" {
		d.Policy = &registry.Evaluation{}
		if err := json.Unmarshal([]byte(pol), d.Policy); err != nil {
			return d, fmt.Errorf("request %d policy: %w", d.ID, err)
		}
	}
	if err := json.Unmarshal([]byte(approvers), &d.Approvers); err != nil {
		return d, fmt.Errorf("request %d approvers: %w", d.ID, err)
	}
	return d, nil
}

// GetDecisionRequest returns request id.
func (x q) GetDecisionRequest(ctx context.Context, id int64) (registry.DecisionRequest, error) {
	d, err := scanRequest(x.row(ctx, `SELECT `+requestCols+requestFrom+` WHERE d.id = ?`, id))
	return d, wrap(err, "decision request "+strconv.FormatInt(id, 10))
}

// ListDecisionRequests lists requests in id order.
func (x q) ListDecisionRequests(ctx context.Context, f registry.RequestFilter) ([]registry.DecisionRequest, string, error) {
	var w where
	if f.ModelID != 0 {
		w.add(`d.model_id = ?`, f.ModelID)
	}
	if f.VersionID != 0 {
		w.add(`d.version_id = ?`, f.VersionID)
	}
	if f.Status != "" {
		w.add(`d.status = ?`, string(f.Status))
	}
	limit, err := w.page(f.Page, "d.id")
	if err != nil {
		return nil, "", err
	}
	rows, err := x.query(ctx, `SELECT `+requestCols+requestFrom+w.String()+fmt.Sprintf(` ORDER BY d.id LIMIT %d`, limit+1), w.args...)
	if err != nil {
		return nil, "", wrap(err, "list decision requests")
	}
	ds, err := collect(rows, scanRequest)
	if err != nil {
		return nil, "", wrap(err, "list decision requests")
	}
	ds, cur := next(ds, limit, func(d registry.DecisionRequest) int64 { return d.ID })
	return ds, cur, nil
}

// ListApprovals lists a request's votes in order.
func (x q) ListApprovals(ctx context.Context, requestID int64) ([]registry.Approval, error) {
	rows, err := x.query(ctx, `SELECT request_id, principal, actor, verdict, comment, created_at, kind FROM decision_approvals
		WHERE request_id = ? ORDER BY created_at, principal`, requestID)
	if err != nil {
		return nil, wrap(err, "list approvals")
	}
	as, err := collect(rows, func(sc interface{ Scan(...any) error }) (registry.Approval, error) {
		var a registry.Approval
		err := sc.Scan(&a.RequestID, &a.Principal, &a.Actor, &a.Verdict, &a.Comment, &a.CreatedAt, &a.Kind)
		a.CreatedAt = a.CreatedAt.UTC()
		return a, err
	})
	return as, wrap(err, "list approvals")
}

// ListDecisionRecords lists a model's records (one version's if versionID != 0).
func (x q) ListDecisionRecords(ctx context.Context, modelID, versionID int64) ([]registry.DecisionRecord, error) {
	var w where
	w.add(`v.model_id = ?`, modelID)
	if versionID != 0 {
		w.add(`r.version_id = ?`, versionID)
	}
	rows, err := x.query(ctx, `SELECT r.id, r.version_id, m.name, v.number, r.title, r.body, r.author, r.created_at
		FROM decision_records r JOIN model_versions v ON v.id = r.version_id JOIN models m ON m.id = v.model_id`+w.String()+` ORDER BY r.id`, w.args...)
	if err != nil {
		return nil, wrap(err, "list decision records")
	}
	rs, err := collect(rows, func(sc interface{ Scan(...any) error }) (registry.DecisionRecord, error) {
		var r registry.DecisionRecord
		err := sc.Scan(&r.ID, &r.VersionID, &r.Model, &r.Version, &r.Title, &r.Body, &r.Author, &r.CreatedAt)
		r.CreatedAt = r.CreatedAt.UTC()
		return r, err
	})
	return rs, wrap(err, "list decision records")
}

// ProductionVersion returns the model's production version.
func (x q) ProductionVersion(ctx context.Context, modelID int64) (registry.Version, error) {
	v, err := scanVersion(x.row(ctx, `SELECT `+versionCols+versionFrom+` WHERE v.model_id = ? AND v.stage = 'production'`, modelID))
	return v, wrap(err, "production version of model "+strconv.FormatInt(modelID, 10))
}

// likeEscape escapes LIKE wildcards with backslash.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// ListModelAudit lists the audit events of model/NAME and its sub-subjects.
func (x q) ListModelAudit(ctx context.Context, model string, p registry.Page) ([]registry.AuditEvent, string, error) {
	var w where
	w.add(`(subject = ? OR subject LIKE ? ESCAPE '\')`, "model/"+model, likeEscape("model/"+model+"/")+"%")
	return x.listAudit(ctx, w, p, "list model audit")
}

// LockModel locks the model row (PostgreSQL); SQLite transactions already
// hold the database's single write lock (BEGIN IMMEDIATE).
func (t *txn) LockModel(ctx context.Context, modelID int64) error {
	if t.d != Postgres {
		return nil
	}
	var id int64
	err := t.row(ctx, `SELECT id FROM models WHERE id = ? FOR UPDATE`, modelID).Scan(&id)
	return wrap(err, "lock model "+strconv.FormatInt(modelID, 10))
}

// SetOwners replaces the principals of one responsibility.
func (t *txn) SetOwners(ctx context.Context, modelID int64, r registry.Responsibility, principals []string, by string) error {
	if _, err := t.exec(ctx, `DELETE FROM model_owners WHERE model_id = ? AND responsibility = ?`, modelID, string(r)); err != nil {
		return wrap(err, "set owners")
	}
	ts := now()
	for _, p := range principals {
		if _, err := t.exec(ctx, `INSERT INTO model_owners (model_id, responsibility, principal, created_by, created_at) VALUES (?, ?, ?, ?, ?)`,
			modelID, string(r), p, by, ts); err != nil {
			return wrap(err, "set owners")
		}
	}
	return nil
}

// SetApprovalRule replaces the rule of rule.Stage.
func (t *txn) SetApprovalRule(ctx context.Context, modelID int64, rule registry.ApprovalRule, by string) error {
	approvers, err := json.Marshal(nonNil(rule.Approvers))
	if err != nil {
		return err
	}
	if _, err := t.exec(ctx, `DELETE FROM approval_rules WHERE model_id = ? AND stage = ?`, modelID, string(rule.Stage)); err != nil {
		return wrap(err, "set approval rule")
	}
	_, err = t.exec(ctx, `INSERT INTO approval_rules (model_id, stage, required, approvers, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		modelID, string(rule.Stage), rule.Required, string(approvers), by, now())
	return wrap(err, "set approval rule")
}

func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// policyJSON is the stored document of a request's evaluation.
func policyJSON(d *registry.Evaluation) (string, error) {
	if d == nil {
		return "{}", nil
	}
	b, err := json.Marshal(d)
	return string(b), err
}

// CreateDecisionRequest inserts d and sets its ID and CreatedAt.
func (t *txn) CreateDecisionRequest(ctx context.Context, d *registry.DecisionRequest) error {
	pol, err := policyJSON(d.Policy)
	if err != nil {
		return err
	}
	approvers, err := json.Marshal(nonNil(d.Approvers))
	if err != nil {
		return err
	}
	change := ""
	if d.Change != nil {
		b, err := json.Marshal(d.Change)
		if err != nil {
			return err
		}
		change = string(b)
	}
	var version any // NULL for model-level requests
	if d.VersionID != 0 {
		version = d.VersionID
	}
	d.CreatedAt = now()
	d.ID, err = t.insertID(ctx, `INSERT INTO decision_requests (model_id, version_id, action, stage, rationale, requested_by, created_at,
		base_version, status, policy, required, approvers, outcome, alias, exception_rule, exception_owner, exception_expires, change)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.ModelID, version, string(d.Action), string(d.Stage), d.Rationale, d.RequestedBy, d.CreatedAt,
		d.BaseVersion, string(d.Status), pol, d.Required, string(approvers), d.Outcome, d.Alias, d.Rule, d.Owner, d.Expires, change)
	return wrap(err, "create decision request")
}

// FinishDecisionRequest moves a pending request to d.Status.
func (t *txn) FinishDecisionRequest(ctx context.Context, d *registry.DecisionRequest) error {
	res, err := t.exec(ctx, `UPDATE decision_requests SET status = ?, outcome = ?, decided_by = ?, decided_at = ?
		WHERE id = ? AND status = 'pending'`, string(d.Status), d.Outcome, d.DecidedBy, nullTime(d.DecidedAt), d.ID)
	if err := affected(res, err, "finish decision request "+strconv.FormatInt(d.ID, 10)); err != nil {
		return fmt.Errorf("%w: %w", registry.ErrConflict, err)
	}
	return nil
}

// UpdateDecisionPolicy stores a new evaluation of a pending request.
func (t *txn) UpdateDecisionPolicy(ctx context.Context, id int64, dec *registry.Evaluation) error {
	pol, err := policyJSON(dec)
	if err != nil {
		return err
	}
	res, err := t.exec(ctx, `UPDATE decision_requests SET policy = ? WHERE id = ? AND status = 'pending'`, pol, id)
	return affected(res, err, "update decision policy "+strconv.FormatInt(id, 10))
}

// AddApproval records a vote; a second vote by the same principal is ErrExists.
func (t *txn) AddApproval(ctx context.Context, a *registry.Approval) error {
	a.CreatedAt = now()
	if a.Kind == "" {
		a.Kind = registry.KindApproval
	}
	_, err := t.exec(ctx, `INSERT INTO decision_approvals (request_id, principal, actor, verdict, comment, created_at, kind) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		a.RequestID, a.Principal, a.Actor, a.Verdict, a.Comment, a.CreatedAt, a.Kind)
	return wrap(err, "add approval")
}

// AddDecisionRecord inserts r and sets its ID and CreatedAt.
func (t *txn) AddDecisionRecord(ctx context.Context, r *registry.DecisionRecord) error {
	r.CreatedAt = now()
	var err error
	r.ID, err = t.insertID(ctx, `INSERT INTO decision_records (version_id, title, body, author, created_at) VALUES (?, ?, ?, ?, ?)`,
		r.VersionID, r.Title, r.Body, r.Author, r.CreatedAt)
	return wrap(err, "add decision record")
}

// ListExceptions lists up to limit of a model's granted exceptions (migration
// 0006), newest first.
func (x q) ListExceptions(ctx context.Context, modelID int64, limit int) ([]registry.ModelException, error) {
	rows, err := x.query(ctx, `SELECT e.id, e.model_id, m.name, e.version_id, v.number, e.digest, e.rule, e.owner, e.expires,
		e.rationale, e.request_id, e.granted_by, e.created_at
		FROM model_exceptions e JOIN models m ON m.id = e.model_id JOIN model_versions v ON v.id = e.version_id
		WHERE e.model_id = ? ORDER BY e.id DESC LIMIT `+strconv.Itoa(max(limit, 1)), modelID)
	if err != nil {
		return nil, wrap(err, "list exceptions")
	}
	es, err := collect(rows, func(sc interface{ Scan(...any) error }) (registry.ModelException, error) {
		var e registry.ModelException
		err := sc.Scan(&e.ID, &e.ModelID, &e.Model, &e.VersionID, &e.Version, &e.Digest, &e.Rule, &e.Owner, &e.Expires,
			&e.Rationale, &e.RequestID, &e.GrantedBy, &e.CreatedAt)
		e.CreatedAt = e.CreatedAt.UTC()
		return e, err
	})
	return es, wrap(err, "list exceptions")
}

// AddException inserts a granted exception and sets its ID and CreatedAt.
func (t *txn) AddException(ctx context.Context, e *registry.ModelException) error {
	e.CreatedAt = now()
	var err error
	e.ID, err = t.insertID(ctx, `INSERT INTO model_exceptions (model_id, version_id, digest, rule, owner, expires, rationale,
		request_id, granted_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ModelID, e.VersionID, e.Digest, e.Rule, e.Owner, e.Expires, e.Rationale, e.RequestID, e.GrantedBy, e.CreatedAt)
	return wrap(err, "add exception")
}
