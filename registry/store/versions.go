package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/mlsec/mlsec/registry"
)

const versionCols = `v.id, v.model_id, m.name, v.number, v.digest, v.state, v.stage, v.source_uri, v.description,
	v.created_by, v.created_at, v.ready_at, v.revision, ` + analysisCol

// analysisCol derives a version's registry.AnalysisState from its analyze
// jobs (see the constants' doc), in the same query, so lists cost no
// extra round trip (jobs_version index).
const analysisCol = `CASE
	WHEN v.source_uri <> '' THEN 'complete'
	WHEN v.state = 'failed' THEN 'failed'
	WHEN v.state <> 'ready' THEN 'pending'
	WHEN EXISTS (SELECT 1 FROM jobs j WHERE j.version_id = v.id AND j.kind = 'analyze' AND j.state = 'done') THEN 'complete'
	WHEN EXISTS (SELECT 1 FROM jobs j WHERE j.version_id = v.id AND j.kind = 'analyze' AND j.state = 'failed') THEN 'failed'
	ELSE 'pending' END`

const versionFrom = ` FROM model_versions v JOIN models m ON m.id = v.model_id`

func scanVersion(sc interface{ Scan(...any) error }) (registry.Version, error) {
	var v registry.Version
	var ready sql.NullTime
	err := sc.Scan(&v.ID, &v.ModelID, &v.Model, &v.Number, &v.Digest, &v.State, &v.Stage, &v.SourceURI, &v.Description,
		&v.CreatedBy, &v.CreatedAt, &ready, &v.Revision, &v.Analysis)
	v.CreatedAt, v.ReadyAt = v.CreatedAt.UTC(), timePtr(ready)
	return v, err
}

// GetVersion returns version number of model.
func (x q) GetVersion(ctx context.Context, model string, number int) (registry.Version, error) {
	v, err := scanVersion(x.row(ctx, `SELECT `+versionCols+versionFrom+` WHERE m.name = ? AND v.number = ?`, model, number))
	return v, wrap(err, fmt.Sprintf("version %s/%d", model, number))
}

// GetVersionByID returns the version with id.
func (x q) GetVersionByID(ctx context.Context, id int64) (registry.Version, error) {
	v, err := scanVersion(x.row(ctx, `SELECT `+versionCols+versionFrom+` WHERE v.id = ?`, id))
	return v, wrap(err, "version "+strconv.FormatInt(id, 10))
}

// GetVersionByDigest returns model's version with the given root digest.
func (x q) GetVersionByDigest(ctx context.Context, model, digest string) (registry.Version, error) {
	v, err := scanVersion(x.row(ctx, `SELECT `+versionCols+versionFrom+` WHERE m.name = ? AND v.digest = ?`, model, digest))
	return v, wrap(err, "version "+model+"@sha256:"+digest)
}

// ListVersions lists versions, filtered by model, state, stage and scan severity.
func (x q) ListVersions(ctx context.Context, f registry.VersionFilter) ([]registry.Version, string, error) {
	var w where
	if f.Model != "" {
		w.add(`m.name = ?`, f.Model)
	}
	if f.State != "" {
		w.add(`v.state = ?`, string(f.State))
	}
	if f.Stage != "" {
		if !registry.ValidStage(f.Stage) {
			return nil, "", fmt.Errorf("%w: stage %q", registry.ErrInvalid, f.Stage)
		}
		w.add(`v.stage = ?`, string(f.Stage))
	}
	if f.MinSeverity != "" {
		r := registry.SeverityRank(f.MinSeverity)
		if r < 0 {
			return nil, "", fmt.Errorf("%w: severity %q", registry.ErrInvalid, f.MinSeverity)
		}
		w.add(`EXISTS (SELECT 1 FROM evidence e WHERE e.version_id = v.id AND e.type = 'scan' AND e.severity_rank >= ?)`, r)
	}
	return x.listVersions(ctx, w, f.Page, "list versions")
}

// listVersions reads one keyset page of the versions w selects.
func (x q) listVersions(ctx context.Context, w where, p registry.Page, what string) ([]registry.Version, string, error) {
	limit, err := w.page(p, "v.id")
	if err != nil {
		return nil, "", err
	}
	rows, err := x.query(ctx, `SELECT `+versionCols+versionFrom+w.String()+fmt.Sprintf(` ORDER BY v.id LIMIT %d`, limit+1), w.args...)
	if err != nil {
		return nil, "", wrap(err, what)
	}
	vs, err := collect(rows, scanVersion)
	if err != nil {
		return nil, "", wrap(err, what)
	}
	vs, cur := next(vs, limit, func(v registry.Version) int64 { return v.ID })
	return vs, cur, nil
}

// CreateVersion inserts v as the model's next version number.
func (t *txn) CreateVersion(ctx context.Context, v *registry.Version) error {
	// Lock the model row so concurrent creators number versions in turn.
	res, err := t.exec(ctx, `UPDATE models SET revision = revision WHERE id = ?`, v.ModelID)
	if err := affected(res, err, "create version"); err != nil {
		return fmt.Errorf("create version: model %d: %w", v.ModelID, registry.ErrNotFound)
	}
	var n int
	if err := t.row(ctx, `SELECT COALESCE(MAX(number), 0) FROM model_versions WHERE model_id = ?`, v.ModelID).Scan(&n); err != nil {
		return wrap(err, "create version")
	}
	if v.State == "" {
		v.State = registry.StatePending
	}
	// Every version starts in development: stages change only through
	// SetVersionStage, which the governance layer gates.
	v.Stage = registry.StageDevelopment
	ts := now()
	var ready *sql.NullTime
	if v.State == registry.StateReady {
		ready = &sql.NullTime{Time: ts, Valid: true}
		v.ReadyAt = &ts
	}
	id, err := t.insertID(ctx, `INSERT INTO model_versions (model_id, number, digest, state, stage, source_uri, description, created_by, created_at, ready_at, revision)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`, v.ModelID, n+1, v.Digest, string(v.State), string(v.Stage), v.SourceURI, v.Description, v.CreatedBy, ts, nullable(ready))
	if err != nil {
		return wrap(err, "create version of model "+strconv.FormatInt(v.ModelID, 10))
	}
	v.ID, v.Number, v.CreatedAt, v.Revision = id, n+1, ts, 1
	v.Analysis = registry.AnalysisPending
	if v.SourceURI != "" {
		v.Analysis = registry.AnalysisComplete
	}
	return nil
}

func nullable(n *sql.NullTime) any {
	if n == nil || !n.Valid {
		return nil
	}
	return n.Time
}

// SetVersionState moves version id from state from to state to.
func (t *txn) SetVersionState(ctx context.Context, id int64, from, to registry.VersionState) error {
	var ready any
	if to == registry.StateReady {
		ready = now()
	}
	res, err := t.exec(ctx, `UPDATE model_versions SET state = ?, ready_at = COALESCE(?, ready_at), revision = revision + 1
		WHERE id = ? AND state = ?`, string(to), ready, id, string(from))
	if err := affected(res, err, "set version state"); err != nil {
		if _, gerr := t.GetVersionByID(ctx, id); gerr != nil {
			return gerr
		}
		return fmt.Errorf("version %d: %w: not %s", id, registry.ErrConflict, from)
	}
	return nil
}

// SetVersionStage sets version id's stage if its revision is still
// revision; a stale revision (or a missing version) is ErrPrecondition.
func (t *txn) SetVersionStage(ctx context.Context, id int64, revision int64, stage registry.Stage) error {
	res, err := t.exec(ctx, `UPDATE model_versions SET stage = ?, revision = revision + 1 WHERE id = ? AND revision = ?`,
		string(stage), id, revision)
	return affected(res, err, "set stage of version "+strconv.FormatInt(id, 10))
}

const artifactCols = `version_id, path, size, sha256, kind`

func scanArtifact(sc interface{ Scan(...any) error }) (registry.Artifact, error) {
	var a registry.Artifact
	err := sc.Scan(&a.VersionID, &a.Path, &a.Size, &a.SHA256, &a.Kind)
	return a, err
}

// ListArtifacts lists a version's artifacts in path order.
func (x q) ListArtifacts(ctx context.Context, versionID int64) ([]registry.Artifact, error) {
	rows, err := x.query(ctx, `SELECT `+artifactCols+` FROM artifacts WHERE version_id = ? ORDER BY path`, versionID)
	if err != nil {
		return nil, wrap(err, "list artifacts")
	}
	as, err := collect(rows, scanArtifact)
	return as, wrap(err, "list artifacts")
}

// AddArtifacts records a version's artifacts. A version that is not
// pending is immutable: adding to it is ErrConflict.
func (t *txn) AddArtifacts(ctx context.Context, versionID int64, as []registry.Artifact) error {
	v, err := t.GetVersionByID(ctx, versionID)
	if err != nil {
		return err
	}
	if v.State != registry.StatePending {
		return fmt.Errorf("version %s/%d is %s: %w: versions are immutable once ready", v.Model, v.Number, v.State, registry.ErrConflict)
	}
	for _, a := range as {
		if a.Kind == "" {
			a.Kind = registry.KindFile
		}
		if _, err := t.exec(ctx, `INSERT INTO artifacts (`+artifactCols+`) VALUES (?, ?, ?, ?, ?)`,
			versionID, a.Path, a.Size, a.SHA256, a.Kind); err != nil {
			return wrap(err, "add artifact "+a.Path)
		}
	}
	return nil
}

// GetBlob returns the stored blob with digest sha256.
func (x q) GetBlob(ctx context.Context, sha256 string) (registry.Blob, error) {
	var b registry.Blob
	err := x.row(ctx, `SELECT sha256, size, blob_key, created_at FROM blobs WHERE sha256 = ?`, sha256).
		Scan(&b.SHA256, &b.Size, &b.Key, &b.CreatedAt)
	b.CreatedAt = b.CreatedAt.UTC()
	return b, wrap(err, "blob sha256:"+sha256)
}

// PutBlob records a stored blob; it is a no-op if the digest is known.
func (t *txn) PutBlob(ctx context.Context, b registry.Blob) (bool, error) {
	res, err := t.exec(ctx, `INSERT INTO blobs (sha256, size, blob_key, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (sha256) DO NOTHING`, b.SHA256, b.Size, b.Key, now())
	if err != nil {
		return false, wrap(err, "put blob")
	}
	n, err := res.RowsAffected()
	return n == 1, wrap(err, "put blob")
}

// RecordBlobUpload records that principal uploaded (proved it holds) the
// blob; created is false if it had before.
func (t *txn) RecordBlobUpload(ctx context.Context, sha256, principal string) (bool, error) {
	res, err := t.exec(ctx, `INSERT INTO blob_uploads (sha256, principal, created_at) VALUES (?, ?, ?)
		ON CONFLICT (sha256, principal) DO NOTHING`, sha256, principal, now())
	if err != nil {
		return false, wrap(err, "record blob upload")
	}
	n, err := res.RowsAffected()
	return n == 1, wrap(err, "record blob upload")
}

// BlobUploadedBy reports whether principal (any case) uploaded the blob.
func (x q) BlobUploadedBy(ctx context.Context, sha256, principal string) (bool, error) {
	var n int
	err := x.row(ctx, `SELECT COUNT(*) FROM blob_uploads WHERE sha256 = ? AND lower(principal) = lower(?)`, sha256, principal).Scan(&n)
	return n > 0, wrap(err, "blob uploads")
}

// BlobInScope reports whether the blob is a file of a ready, uploaded
// (not by reference) version of a model that s allows.
func (x q) BlobInScope(ctx context.Context, sha256 string, s registry.Scope) (bool, error) {
	var n int
	err := x.row(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM artifacts a JOIN model_versions v ON v.id = a.version_id JOIN models m ON m.id = v.model_id
		WHERE a.sha256 = ? AND v.state = 'ready' AND v.source_uri = '' AND (? = '' OR m.team = ?) AND (? = '' OR m.name = ?) LIMIT 1) x`,
		sha256, s.Team, s.Team, s.Model, s.Model).Scan(&n)
	return n > 0, wrap(err, "blob scope")
}
