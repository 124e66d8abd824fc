package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/mlsec/mlsec/registry"
)

// Dataset versions and their votes (migration 0009, registry/datasets.go).
// Files, the PII summary, allowed locations and approvers are JSON text
// columns, kept verbatim like evidence bodies.

var (
	_ registry.DatasetVersionTx     = (*txn)(nil)
	_ registry.DatasetVersionReader = q{}
)

const datasetVersionCols = `v.id, v.dataset_id, d.name, d.team, d.owner, v.number, v.digest, v.files, v.classification, v.pii,
	v.lawful_basis, v.retention, v.allowed_locations, v.derived_from, v.status, v.required, v.approvers, v.created_by,
	v.created_at, v.decided_by, v.decided_at`

const datasetVersionFrom = ` FROM dataset_versions v JOIN datasets d ON d.id = v.dataset_id`

func scanDatasetVersion(sc interface{ Scan(...any) error }) (registry.DatasetVersion, error) {
	var v registry.DatasetVersion
	var files, pii, allowed, approvers string
	var decided sql.NullTime
	err := sc.Scan(&v.ID, &v.DatasetID, &v.Dataset, &v.Team, &v.Owner, &v.Number, &v.Digest, &files, &v.Classification, &pii,
		&v.LawfulBasis, &v.Retention, &allowed, &v.DerivedFrom, &v.Status, &v.Required, &approvers, &v.CreatedBy,
		&v.CreatedAt, &v.DecidedBy, &decided)
	if err != nil {
		return v, err
	}
	v.CreatedAt, v.DecidedAt = v.CreatedAt.UTC(), timePtr(decided)
	for _, c := range []struct {
		name, raw string
		into      any
	}{{"files", files, &v.Files}, {"allowed_locations", allowed, &v.AllowedLocations}, {"approvers", approvers, &v.Approvers}} {
		if err := json.Unmarshal([]byte(c.raw), c.into); err != nil {
			return v, fmt.Errorf("dataset version %d %s: %w", v.ID, c.name, err)
		}
	}
	if pii != "" && pii != "null" && pii != "{}" {
		if err := json.Unmarshal([]byte(pii), &v.PII); err != nil {
			return v, fmt.Errorf("dataset version %d pii: %w", v.ID, err)
		}
	}
	return v, nil
}

func (x q) datasetVersions(ctx context.Context, what, where string, args ...any) ([]registry.DatasetVersion, error) {
	rows, err := x.query(ctx, `SELECT `+datasetVersionCols+datasetVersionFrom+` WHERE `+where+` ORDER BY v.id`, args...)
	if err != nil {
		return nil, wrap(err, what)
	}
	vs, err := collect(rows, scanDatasetVersion)
	if vs == nil {
		vs = []registry.DatasetVersion{}
	}
	return vs, wrap(err, what)
}

// GetDatasetVersion returns version number of dataset datasetID.
func (x q) GetDatasetVersion(ctx context.Context, datasetID int64, number int) (registry.DatasetVersion, error) {
	v, err := scanDatasetVersion(x.row(ctx, `SELECT `+datasetVersionCols+datasetVersionFrom+` WHERE v.dataset_id = ? AND v.number = ?`, datasetID, number))
	return v, wrap(err, "dataset version "+strconv.Itoa(number))
}

// ListDatasetVersions lists a dataset's versions, oldest first.
func (x q) ListDatasetVersions(ctx context.Context, datasetID int64) ([]registry.DatasetVersion, error) {
	return x.datasetVersions(ctx, "list dataset versions", `v.dataset_id = ?`, datasetID)
}

// LatestDatasetVersion returns the highest-numbered version of dataset
// datasetID (one row through the (dataset_id, number) index, however many
// versions there are), or ErrNotFound.
func (x q) LatestDatasetVersion(ctx context.Context, datasetID int64) (registry.DatasetVersion, error) {
	v, err := scanDatasetVersion(x.row(ctx, `SELECT `+datasetVersionCols+datasetVersionFrom+` WHERE v.dataset_id = ? ORDER BY v.number DESC LIMIT 1`, datasetID))
	return v, wrap(err, "latest dataset version")
}

// DatasetVersionsByDigest lists the versions whose root digest is digest.
func (x q) DatasetVersionsByDigest(ctx context.Context, digest string) ([]registry.DatasetVersion, error) {
	return x.datasetVersions(ctx, "dataset versions by digest", `v.digest = ?`, digest)
}

// DatasetsByDigest lists the dataset entries whose digest is digest.
func (x q) DatasetsByDigest(ctx context.Context, digest string) ([]registry.Dataset, error) {
	rows, err := x.query(ctx, `SELECT `+datasetCols+` FROM datasets WHERE digest = ? ORDER BY id`, digest)
	if err != nil {
		return nil, wrap(err, "datasets by digest")
	}
	ds, err := collect(rows, scanDataset)
	return ds, wrap(err, "datasets by digest")
}

// ListDatasetVotes lists a version's votes, oldest first.
func (x q) ListDatasetVotes(ctx context.Context, versionID int64) ([]registry.Approval, error) {
	rows, err := x.query(ctx, `SELECT principal, actor, verdict, comment, created_at FROM dataset_votes
		WHERE version_id = ? ORDER BY created_at, principal`, versionID)
	if err != nil {
		return nil, wrap(err, "list dataset votes")
	}
	as, err := collect(rows, func(sc interface{ Scan(...any) error }) (registry.Approval, error) {
		a := registry.Approval{Kind: registry.KindApproval}
		err := sc.Scan(&a.Principal, &a.Actor, &a.Verdict, &a.Comment, &a.CreatedAt)
		a.CreatedAt = a.CreatedAt.UTC()
		return a, err
	})
	if as == nil {
		as = []registry.Approval{}
	}
	return as, wrap(err, "list dataset votes")
}

// CreateDatasetVersion numbers v after the dataset's last version and
// inserts it. On PostgreSQL the dataset row is locked first, so two
// registrations never pick one number.
func (t *txn) CreateDatasetVersion(ctx context.Context, v *registry.DatasetVersion) error {
	if t.d == Postgres {
		var id int64
		if err := t.row(ctx, `SELECT id FROM datasets WHERE id = ? FOR UPDATE`, v.DatasetID).Scan(&id); err != nil {
			return wrap(err, "lock dataset")
		}
	}
	if err := t.row(ctx, `SELECT COALESCE(MAX(number), 0) + 1 FROM dataset_versions WHERE dataset_id = ?`, v.DatasetID).Scan(&v.Number); err != nil {
		return wrap(err, "number dataset version")
	}
	var cols [4][]byte
	for i, x := range []any{v.Files, v.PII, nonNil(v.AllowedLocations), nonNil(v.Approvers)} {
		b, err := json.Marshal(x)
		if err != nil {
			return err
		}
		cols[i] = b
	}
	v.CreatedAt = now()
	var err error
	v.ID, err = t.insertID(ctx, `INSERT INTO dataset_versions (dataset_id, number, digest, files, classification, pii, lawful_basis,
		retention, allowed_locations, derived_from, status, required, approvers, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		v.DatasetID, v.Number, v.Digest, string(cols[0]), v.Classification, string(cols[1]), v.LawfulBasis, v.Retention,
		string(cols[2]), v.DerivedFrom, string(v.Status), v.Required, string(cols[3]), v.CreatedBy, v.CreatedAt)
	return wrap(err, "create dataset version "+v.Ref())
}

// AddDatasetVote records a vote; a second vote of one principal is
// ErrExists.
func (t *txn) AddDatasetVote(ctx context.Context, versionID int64, a *registry.Approval) error {
	a.CreatedAt = now()
	_, err := t.exec(ctx, `INSERT INTO dataset_votes (version_id, principal, actor, verdict, comment, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		versionID, a.Principal, a.Actor, a.Verdict, a.Comment, a.CreatedAt)
	return wrap(err, "add dataset vote")
}

// FinishDatasetVersion moves a pending version to v.Status.
func (t *txn) FinishDatasetVersion(ctx context.Context, v *registry.DatasetVersion) error {
	res, err := t.exec(ctx, `UPDATE dataset_versions SET status = ?, decided_by = ?, decided_at = ? WHERE id = ? AND status = 'pending'`,
		string(v.Status), v.DecidedBy, v.DecidedAt, v.ID)
	err = affected(res, err, "finish dataset version "+v.Ref())
	if errors.Is(err, registry.ErrPrecondition) {
		return fmt.Errorf("%w: dataset version %s is no longer pending", registry.ErrConflict, v.Ref())
	}
	return err
}
