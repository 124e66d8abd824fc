package registry

import (
	"encoding/json"
	"time"
)

// Model is a registered model: a named series of versions owned by a team.
type Model struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Tags        []string  `json:"tags"`
	Team        string    `json:"team"`
	CreatedBy   string    `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	// Revision increases on every update; it is the model's ETag and the
	// precondition of UpdateModel (optimistic concurrency).
	Revision int64 `json:"revision"`
}

// VersionState is the lifecycle state of a model version.
type VersionState string

// Version states. A version is created pending, becomes ready once every
// artifact it lists is stored (then it never changes again), or failed.
const (
	StatePending VersionState = "pending"
	StateReady   VersionState = "ready"
	StateFailed  VersionState = "failed"
)

// Version is one immutable version of a model, identified by the OMS root
// digest (SHA-256, hex) of its files.
type Version struct {
	ID      int64  `json:"id"`
	ModelID int64  `json:"model_id"`
	Model   string `json:"model"`
	// Number is monotonic per model, starting at 1.
	Number int          `json:"number"`
	Digest string       `json:"digest"`
	State  VersionState `json:"state"`
	// Stage is the release stage (development for a new version); see
	// Service.SetVersionStage.
	Stage Stage `json:"stage"`
	// SourceURI is where the weights live when the version was registered
	// by reference (no upload); empty for uploaded versions.
	SourceURI   string     `json:"source_uri,omitempty"`
	Description string     `json:"description,omitempty"`
	CreatedBy   string     `json:"created_by"`
	CreatedAt   time.Time  `json:"created_at"`
	ReadyAt     *time.Time `json:"ready_at,omitempty"`
	Revision    int64      `json:"revision"`
}

// Artifact is one file of a version. Its bytes live in the blob store under
// BlobKey, shared by every artifact with the same SHA256.
type Artifact struct {
	VersionID int64  `json:"-"`
	Path      string `json:"path"`
	Size      int64  `json:"size"`
	SHA256    string `json:"sha256"`
	// Kind is "file" for a model file covered by the root digest, or
	// "signature", "bom", "evidence" for attachments pushed with it.
	Kind string `json:"kind"`
}

// Artifact kinds.
const (
	KindFile      = "file"
	KindSignature = "signature"
	KindBOM       = "bom"
	KindEvidence  = "evidence"
)

// Blob is stored content, deduplicated by digest.
type Blob struct {
	SHA256    string    `json:"sha256"`
	Size      int64     `json:"size"`
	Key       string    `json:"key"`
	CreatedAt time.Time `json:"created_at"`
}

// Evidence is a stored evidence record (package evidence's Record) with the
// columns the registry filters on.
type Evidence struct {
	ID int64 `json:"id"`
	// VersionID is the version the subject digest matched when stored, or 0.
	VersionID     int64     `json:"version_id,omitempty"`
	Type          string    `json:"type"`
	SubjectDigest string    `json:"subject_digest"`
	Producer      string    `json:"producer"`
	Timestamp     time.Time `json:"timestamp"`
	Signed        bool      `json:"signed"`
	// MaxSeverity is the highest finding severity of a scan record
	// ("none" when clean), empty for other types.
	MaxSeverity string          `json:"max_severity,omitempty"`
	Body        json.RawMessage `json:"body"`
	CreatedBy   string          `json:"created_by"`
	CreatedAt   time.Time       `json:"created_at"`
}

// LineageKind names a lineage edge's relation.
type LineageKind string

// Lineage kinds: what a version was trained on, derived from, produced by
// and evaluated by.
const (
	TrainedOn   LineageKind = "trained_on"
	DerivedFrom LineageKind = "derived_from"
	ProducedBy  LineageKind = "produced_by"
	EvaluatedBy LineageKind = "evaluated_by"
)

// LineageEdge links a version to a dataset digest, a base version, a run or
// CI URL, or an evaluation.
type LineageEdge struct {
	ID        int64       `json:"id"`
	VersionID int64       `json:"version_id"`
	Kind      LineageKind `json:"kind"`
	// Target is a dataset digest (trained_on), a base version's digest
	// (derived_from), or a URL (produced_by, evaluated_by).
	Target    string    `json:"target"`
	Commit    string    `json:"commit,omitempty"`
	Note      string    `json:"note,omitempty"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// Dataset is a first-class dataset entry identified by its digest. It
// belongs to a team and is scoped like that team's models.
type Dataset struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Digest      string    `json:"digest"`
	Team        string    `json:"team"`
	Owner       string    `json:"owner"`
	Description string    `json:"description"`
	URI         string    `json:"uri,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	Revision    int64     `json:"revision"`
}

// NewDataset is the body of POST /api/v1/datasets. A team-scoped writer's
// dataset belongs to its team when Team is empty.
type NewDataset struct {
	Name        string `json:"name"`
	Digest      string `json:"digest"`
	Team        string `json:"team,omitempty"`
	Owner       string `json:"owner,omitempty"`
	Description string `json:"description,omitempty"`
	URI         string `json:"uri,omitempty"`
}

// Role is what a token may do.
type Role string

// Roles, most powerful first. Auditors read everything including the audit
// trail; reviewers read and add evidence; maintainers also push and edit.
const (
	RoleAdmin      Role = "admin"
	RoleMaintainer Role = "maintainer"
	RoleReviewer   Role = "reviewer"
	RoleAuditor    Role = "auditor"
)

// Token is an API token. Only the SHA-256 of the secret is stored.
type Token struct {
	ID int64 `json:"id"`
	// Name is unique regardless of case.
	Name string `json:"name"`
	// Person is the principal the token acts for: owners, approvals and
	// separation of duties name people, so two tokens of one person never
	// approve each other's request. Default: the token's name.
	Person string `json:"person"`
	// Hash is the hex SHA-256 of the secret; never serialised.
	Hash string `json:"-"`
	Role Role   `json:"role"`
	// ScopeTeam and ScopeModel restrict the token to one team's models or
	// one model; empty means unrestricted.
	ScopeTeam  string     `json:"scope_team,omitempty"`
	ScopeModel string     `json:"scope_model,omitempty"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
}

// NewToken is the body of POST /api/v1/tokens. A scoped admin's token is
// scoped like its creator unless it asks for less (ScopeTeam, ScopeModel).
type NewToken struct {
	Name string `json:"name"`
	// Person says whose token this is (a second token of an existing
	// person must name that person); default: Name.
	Person     string     `json:"person,omitempty"`
	Role       Role       `json:"role"`
	ScopeTeam  string     `json:"scope_team,omitempty"`
	ScopeModel string     `json:"scope_model,omitempty"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
}

// CreatedToken answers POST /api/v1/tokens: the token and its secret,
// which the server shows only in this answer.
type CreatedToken struct {
	Token
	Secret string `json:"secret"`
}

// JobState is a background job's state.
type JobState string

// Job states.
const (
	JobQueued  JobState = "queued"
	JobRunning JobState = "running"
	JobDone    JobState = "done"
	JobFailed  JobState = "failed"
)

// Job is a durable background job. A running job whose lease expired (its
// worker died) is claimable again, so a restart resumes it.
type Job struct {
	ID          int64           `json:"id"`
	Kind        string          `json:"kind"`
	VersionID   int64           `json:"version_id,omitempty"`
	Payload     json.RawMessage `json:"payload,omitempty"`
	State       JobState        `json:"state"`
	Attempts    int             `json:"attempts"`
	MaxAttempts int             `json:"max_attempts"`
	RunAfter    time.Time       `json:"run_after"`
	LockedBy    string          `json:"locked_by,omitempty"`
	LockedUntil *time.Time      `json:"locked_until,omitempty"`
	Error       string          `json:"error,omitempty"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
}

// AuditEvent is one state change, appended in the same transaction as the
// change. Seq is assigned by the store.
type AuditEvent struct {
	Seq     int64           `json:"seq"`
	At      time.Time       `json:"at"`
	Actor   string          `json:"actor"`
	Action  string          `json:"action"`
	Subject string          `json:"subject"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// Severities are the scan finding severities, lowest first, after "none".
var Severities = []string{"none", "info", "low", "medium", "high", "critical"}

// SeverityRank orders severities ("none" is 0, "critical" 5); -1 means
// unknown.
func SeverityRank(s string) int {
	for i, v := range Severities {
		if v == s {
			return i
		}
	}
	return -1
}
