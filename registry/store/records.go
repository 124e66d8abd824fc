package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/mlsec/mlsec/registry"
)

// Evidence, lineage, datasets and the audit trail.

const evidenceCols = `id, version_id, type, subject_digest, producer, ts, signed, max_severity, body, created_by, created_at`

func scanEvidence(sc interface{ Scan(...any) error }) (registry.Evidence, error) {
	var e registry.Evidence
	var vid sql.NullInt64
	var body string
	err := sc.Scan(&e.ID, &vid, &e.Type, &e.SubjectDigest, &e.Producer, &e.Timestamp, &e.Signed, &e.MaxSeverity, &body, &e.CreatedBy, &e.CreatedAt)
	e.VersionID, e.Body = vid.Int64, []byte(body)
	e.Timestamp, e.CreatedAt = e.Timestamp.UTC(), e.CreatedAt.UTC()
	return e, err
}

// GetEvidence returns evidence record id.
func (x q) GetEvidence(ctx context.Context, id int64) (registry.Evidence, error) {
	e, err := scanEvidence(x.row(ctx, `SELECT `+evidenceCols+` FROM evidence WHERE id = ?`, id))
	return e, wrap(err, "evidence "+strconv.FormatInt(id, 10))
}

// ListEvidence lists evidence by version, subject digest, type or severity.
func (x q) ListEvidence(ctx context.Context, f registry.EvidenceFilter) ([]registry.Evidence, string, error) {
	var w where
	if f.VersionID != 0 {
		w.add(`version_id = ?`, f.VersionID)
	}
	if f.SubjectDigest != "" {
		w.add(`subject_digest = ?`, f.SubjectDigest)
	}
	if f.Type != "" {
		w.add(`type = ?`, f.Type)
	}
	if f.MinSeverity != "" {
		r := registry.SeverityRank(f.MinSeverity)
		if r < 0 {
			return nil, "", fmt.Errorf("%w: severity %q", registry.ErrInvalid, f.MinSeverity)
		}
		w.add(`severity_rank >= ?`, r)
	}
	limit, err := w.page(f.Page, "id")
	if err != nil {
		return nil, "", err
	}
	rows, err := x.query(ctx, `SELECT `+evidenceCols+` FROM evidence`+w.String()+fmt.Sprintf(` ORDER BY id LIMIT %d`, limit+1), w.args...)
	if err != nil {
		return nil, "", wrap(err, "list evidence")
	}
	es, err := collect(rows, scanEvidence)
	if err != nil {
		return nil, "", wrap(err, "list evidence")
	}
	es, cur := next(es, limit, func(e registry.Evidence) int64 { return e.ID })
	return es, cur, nil
}

// AddEvidence stores e verbatim. Evidence is append-only.
func (t *txn) AddEvidence(ctx context.Context, e *registry.Evidence) error {
	var vid any
	if e.VersionID != 0 {
		vid = e.VersionID
	}
	ts := now()
	e.Timestamp = norm(e.Timestamp)
	id, err := t.insertID(ctx, `INSERT INTO evidence (version_id, type, subject_digest, producer, ts, signed, max_severity, severity_rank, body, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, vid, e.Type, e.SubjectDigest, e.Producer, e.Timestamp, e.Signed,
		e.MaxSeverity, registry.SeverityRank(e.MaxSeverity), string(e.Body), e.CreatedBy, ts)
	if err != nil {
		return wrap(err, "add evidence")
	}
	e.ID, e.CreatedAt = id, ts
	return nil
}

const lineageCols = `id, version_id, kind, target, commit_sha, note, created_by, created_at`

func scanLineage(sc interface{ Scan(...any) error }) (registry.LineageEdge, error) {
	var l registry.LineageEdge
	err := sc.Scan(&l.ID, &l.VersionID, &l.Kind, &l.Target, &l.Commit, &l.Note, &l.CreatedBy, &l.CreatedAt)
	l.CreatedAt = l.CreatedAt.UTC()
	return l, err
}

// ListLineage lists a version's lineage edges.
func (x q) ListLineage(ctx context.Context, versionID int64) ([]registry.LineageEdge, error) {
	rows, err := x.query(ctx, `SELECT `+lineageCols+` FROM lineage_edges WHERE version_id = ? ORDER BY id`, versionID)
	if err != nil {
		return nil, wrap(err, "list lineage")
	}
	ls, err := collect(rows, scanLineage)
	return ls, wrap(err, "list lineage")
}

// ListLineageSources lists the versions with an edge of f.Kind to f.Target
// of models f.Scope allows. The lineage_target index finds the edges.
func (x q) ListLineageSources(ctx context.Context, f registry.LineageFilter) ([]registry.Version, string, error) {
	var w where
	w.add(`v.id IN (SELECT l.version_id FROM lineage_edges l WHERE l.target = ? AND l.kind = ?)`, f.Target, string(f.Kind))
	if f.Scope.Team != "" {
		w.add(`m.team = ?`, f.Scope.Team)
	}
	if f.Scope.Model != "" {
		w.add(`m.name = ?`, f.Scope.Model)
	}
	return x.listVersions(ctx, w, f.Page, "list lineage sources")
}

// AddLineage records an edge; the same (version, kind, target) twice is
// ErrExists.
func (t *txn) AddLineage(ctx context.Context, l *registry.LineageEdge) error {
	ts := now()
	id, err := t.insertID(ctx, `INSERT INTO lineage_edges (version_id, kind, target, commit_sha, note, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, l.VersionID, string(l.Kind), l.Target, l.Commit, l.Note, l.CreatedBy, ts)
	if err != nil {
		return wrap(err, "add lineage")
	}
	l.ID, l.CreatedAt = id, ts
	return nil
}

const datasetCols = `id, name, digest, team, owner, description, uri, created_at, updated_at, revision`

func scanDataset(sc interface{ Scan(...any) error }) (registry.Dataset, error) {
	var d registry.Dataset
	err := sc.Scan(&d.ID, &d.Name, &d.Digest, &d.Team, &d.Owner, &d.Description, &d.URI, &d.CreatedAt, &d.UpdatedAt, &d.Revision)
	d.CreatedAt, d.UpdatedAt = d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	return d, err
}

// GetDataset returns the dataset called name.
func (x q) GetDataset(ctx context.Context, name string) (registry.Dataset, error) {
	d, err := scanDataset(x.row(ctx, `SELECT `+datasetCols+` FROM datasets WHERE name = ?`, name))
	return d, wrap(err, "dataset "+name)
}

// ListDatasets lists the datasets f.Scope allows.
func (x q) ListDatasets(ctx context.Context, f registry.DatasetFilter) ([]registry.Dataset, string, error) {
	if f.Scope.Model != "" {
		return []registry.Dataset{}, "", nil // datasets belong to teams, not models
	}
	var w where
	if f.Scope.Team != "" {
		w.add(`team = ?`, f.Scope.Team)
	}
	limit, err := w.page(f.Page, "id")
	if err != nil {
		return nil, "", err
	}
	rows, err := x.query(ctx, `SELECT `+datasetCols+` FROM datasets`+w.String()+fmt.Sprintf(` ORDER BY id LIMIT %d`, limit+1), w.args...)
	if err != nil {
		return nil, "", wrap(err, "list datasets")
	}
	ds, err := collect(rows, scanDataset)
	if err != nil {
		return nil, "", wrap(err, "list datasets")
	}
	ds, cur := next(ds, limit, func(d registry.Dataset) int64 { return d.ID })
	return ds, cur, nil
}

// CreateDataset inserts d.
func (t *txn) CreateDataset(ctx context.Context, d *registry.Dataset) error {
	ts := now()
	id, err := t.insertID(ctx, `INSERT INTO datasets (name, digest, team, owner, description, uri, created_at, updated_at, revision)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)`, d.Name, d.Digest, d.Team, d.Owner, d.Description, d.URI, ts, ts)
	if err != nil {
		return wrap(err, "create dataset "+d.Name)
	}
	d.ID, d.CreatedAt, d.UpdatedAt, d.Revision = id, ts, ts, 1
	return nil
}

// UpdateDataset writes d's mutable fields if its revision is still revision.
func (t *txn) UpdateDataset(ctx context.Context, d *registry.Dataset, revision int64) error {
	ts := now()
	res, err := t.exec(ctx, `UPDATE datasets SET digest = ?, team = ?, owner = ?, description = ?, uri = ?, updated_at = ?, revision = revision + 1
		WHERE id = ? AND revision = ?`, d.Digest, d.Team, d.Owner, d.Description, d.URI, ts, d.ID, revision)
	if err := affected(res, err, "update dataset "+d.Name); err != nil {
		return err
	}
	d.UpdatedAt, d.Revision = ts, revision+1
	return nil
}

// ListAudit lists audit events in sequence order; a scoped filter keeps
// those about the scope's models (by their current team) and, for a team
// scope, its datasets.
func (x q) ListAudit(ctx context.Context, f registry.AuditFilter) ([]registry.AuditEvent, string, error) {
	var w where
	if s := f.Scope; !s.Unscoped() {
		// subject is model/NAME or under it: compare the prefix exactly
		// (no LIKE, whose wildcards model names could contain).
		models := `EXISTS (SELECT 1 FROM models m WHERE (m.team = ? OR ? = '') AND (m.name = ? OR ? = '')
			AND (audit_events.subject = 'model/' || m.name OR substr(audit_events.subject, 1, length(m.name) + 7) = 'model/' || m.name || '/'))`
		args := []any{s.Team, s.Team, s.Model, s.Model}
		if s.Model == "" {
			models = `(` + models + ` OR EXISTS (SELECT 1 FROM datasets d WHERE d.team = ? AND audit_events.subject = 'dataset/' || d.name))`
			args = append(args, s.Team)
		}
		w.add(models, args...)
	}
	return x.listAudit(ctx, w, f.Page, "list audit")
}

// listAudit lists the audit events matching w in sequence order.
func (x q) listAudit(ctx context.Context, w where, p registry.Page, op string) ([]registry.AuditEvent, string, error) {
	limit, err := w.page(p, "seq")
	if err != nil {
		return nil, "", err
	}
	rows, err := x.query(ctx, `SELECT seq, at, actor, action, subject, payload FROM audit_events`+w.String()+
		fmt.Sprintf(` ORDER BY seq LIMIT %d`, limit+1), w.args...)
	if err != nil {
		return nil, "", wrap(err, op)
	}
	es, err := collect(rows, func(sc interface{ Scan(...any) error }) (registry.AuditEvent, error) {
		var e registry.AuditEvent
		var payload string
		err := sc.Scan(&e.Seq, &e.At, &e.Actor, &e.Action, &e.Subject, &payload)
		e.At = e.At.UTC()
		if payload != "" {
			e.Payload = []byte(payload)
		}
		return e, err
	})
	if err != nil {
		return nil, "", wrap(err, op)
	}
	es, cur := next(es, limit, func(e registry.AuditEvent) int64 { return e.Seq })
	return es, cur, nil
}

// AppendAudit appends e and sets its Seq and At.
func (t *txn) AppendAudit(ctx context.Context, e *registry.AuditEvent) error {
	if e.At.IsZero() {
		e.At = now()
	}
	e.At = norm(e.At)
	var seq int64
	err := t.row(ctx, `INSERT INTO audit_events (at, actor, action, subject, payload) VALUES (?, ?, ?, ?, ?) RETURNING seq`,
		e.At, e.Actor, e.Action, e.Subject, string(e.Payload)).Scan(&seq)
	if err != nil {
		return wrap(err, "append audit")
	}
	e.Seq = seq
	return nil
}
