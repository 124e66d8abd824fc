package registry

import (
	"context"
	"time"
)

// Page asks for at most Limit rows after the opaque Cursor a previous page
// returned ("" = from the start). Rows come in ascending id order.
type Page struct {
	Limit  int
	Cursor string
}

// Page size bounds.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// ModelFilter selects models.
type ModelFilter struct {
	Page
	Tag  string
	Team string
}

// VersionFilter selects versions of one model (or all with Model "").
type VersionFilter struct {
	Page
	Model string
	State VersionState
	Stage Stage
	// MaxSeverity keeps versions whose latest scan evidence has at least
	// this severity ("none" <= "info" < ... < "critical").
	MinSeverity string
}

// EvidenceFilter selects evidence records.
type EvidenceFilter struct {
	Page
	VersionID     int64
	SubjectDigest string
	Type          string
	MinSeverity   string
}

// JobFilter selects jobs.
type JobFilter struct {
	Page
	VersionID int64
	State     JobState
}

// TokenFilter selects the tokens whose scope Within contains.
type TokenFilter struct {
	Page
	Within Scope
}

// LineageFilter selects the versions whose lineage points at Target by
// an edge of Kind (for example the versions trained on a dataset digest),
// of the models Scope allows (by their current team).
type LineageFilter struct {
	Page
	Kind   LineageKind
	Target string
	Scope  Scope
}

// DatasetFilter selects the datasets Scope allows.
type DatasetFilter struct {
	Page
	Scope Scope
}

// AuditFilter selects audit events; a scoped filter keeps the events about
// the scope's models (by their current team) and datasets.
type AuditFilter struct {
	Page
	Scope Scope
}

// Reader is the read side of the store; Store reads outside a transaction,
// Tx inside one. Get methods return an ErrNotFound error when nothing matches.
type Reader interface {
	GetModel(ctx context.Context, name string) (Model, error)
	ListModels(ctx context.Context, f ModelFilter) ([]Model, string, error)
	GetVersion(ctx context.Context, model string, number int) (Version, error)
	GetVersionByID(ctx context.Context, id int64) (Version, error)
	GetVersionByDigest(ctx context.Context, model, digest string) (Version, error)
	ListVersions(ctx context.Context, f VersionFilter) ([]Version, string, error)
	ListArtifacts(ctx context.Context, versionID int64) ([]Artifact, error)
	GetBlob(ctx context.Context, sha256 string) (Blob, error)
	// BlobUploadedBy reports whether principal (any case) uploaded the blob.
	BlobUploadedBy(ctx context.Context, sha256, principal string) (bool, error)
	// BlobInScope reports whether the blob is a file of a ready version,
	// uploaded rather than registered by reference, of a model s allows.
	BlobInScope(ctx context.Context, sha256 string, s Scope) (bool, error)
	GetEvidence(ctx context.Context, id int64) (Evidence, error)
	ListEvidence(ctx context.Context, f EvidenceFilter) ([]Evidence, string, error)
	ListLineage(ctx context.Context, versionID int64) ([]LineageEdge, error)
	// ListLineageSources lists the versions with a lineage edge of f.Kind
	// to f.Target, of models f.Scope allows, in version id order.
	ListLineageSources(ctx context.Context, f LineageFilter) ([]Version, string, error)
	GetDataset(ctx context.Context, name string) (Dataset, error)
	ListDatasets(ctx context.Context, f DatasetFilter) ([]Dataset, string, error)
	GetTokenByHash(ctx context.Context, hash string) (Token, error)
	GetToken(ctx context.Context, id int64) (Token, error)
	// TokensNamed returns the tokens whose name or person is name,
	// ignoring case.
	TokensNamed(ctx context.Context, name string) ([]Token, error)
	ListTokens(ctx context.Context, f TokenFilter) ([]Token, string, error)
	CountTokens(ctx context.Context) (int, error)
	GetJob(ctx context.Context, id int64) (Job, error)
	ListJobs(ctx context.Context, f JobFilter) ([]Job, string, error)
	ListAudit(ctx context.Context, f AuditFilter) ([]AuditEvent, string, error)
}

// Tx is a read-write transaction. Create methods fill in ids, timestamps
// and revisions; they return ErrExists on a duplicate key. Update methods
// take the revision the caller read and return ErrPrecondition if the row
// changed since.
type Tx interface {
	Reader
	CreateModel(ctx context.Context, m *Model) error
	UpdateModel(ctx context.Context, m *Model, revision int64) error
	CreateVersion(ctx context.Context, v *Version) error
	// SetVersionState moves a version from one state to another; it returns
	// ErrConflict if the version is not in state from.
	SetVersionState(ctx context.Context, id int64, from, to VersionState) error
	// SetVersionStage sets a version's stage if its revision is still
	// revision (ErrPrecondition otherwise) and bumps the revision.
	SetVersionStage(ctx context.Context, id int64, revision int64, stage Stage) error
	// PutBlob records stored content; created is false if it was known.
	PutBlob(ctx context.Context, b Blob) (created bool, err error)
	// RecordBlobUpload records that principal uploaded the blob's bytes;
	// created is false if it had before.
	RecordBlobUpload(ctx context.Context, sha256, principal string) (created bool, err error)
	AddArtifacts(ctx context.Context, versionID int64, as []Artifact) error
	AddEvidence(ctx context.Context, e *Evidence) error
	AddLineage(ctx context.Context, e *LineageEdge) error
	CreateDataset(ctx context.Context, d *Dataset) error
	UpdateDataset(ctx context.Context, d *Dataset, revision int64) error
	CreateToken(ctx context.Context, t *Token) error
	RevokeToken(ctx context.Context, id int64, at time.Time) error
	EnqueueJob(ctx context.Context, j *Job) error
	// ClaimJob leases the oldest runnable job (queued, or running with an
	// expired lease) to worker until now+lease; ok is false if none.
	ClaimJob(ctx context.Context, worker string, now time.Time, lease time.Duration) (j Job, ok bool, err error)
	// FinishJob records the outcome of a job the worker holds: done when
	// jobErr is "", else queued again (retry after retryAt) until
	// MaxAttempts, then failed. It returns ErrConflict if the lease was lost.
	FinishJob(ctx context.Context, id int64, worker, jobErr string, retryAt time.Time) error
	AppendAudit(ctx context.Context, e *AuditEvent) error
}

// Store is a registry database.
type Store interface {
	Reader
	// Tx runs fn in a read-write transaction, committed if fn returns nil.
	Tx(ctx context.Context, fn func(Tx) error) error
	Ping(ctx context.Context) error
	Close() error
}
