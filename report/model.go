package report

import "time"

// Schema identifies version 1 of the JSON report.
const Schema = "https://mlsec.dev/report/v1"

// Report is a model's governance report. Lists are sorted, so the same
// registry data (and GeneratedAt) always renders the same bytes.
type Report struct {
	Schema      string    `json:"schema"`
	GeneratedAt time.Time `json:"generated_at"`
	Model       Model     `json:"model"`
	Summary     Summary   `json:"summary"`
	// Owners has one row per responsibility, in lifecycle order.
	Owners        []OwnerRow     `json:"owners"`
	ApprovalRules []ApprovalRule `json:"approval_rules"`
	// Versions is every version, oldest first, with its decisions.
	Versions []Version `json:"versions"`
	// Assessments is the evidence status of the production version and, if
	// different, the latest version.
	Assessments []Assessment `json:"assessments"`
	// FairnessTrend is the fairness metrics per version with the monitor
	// owners; nil when no version has mlsec fairness metrics.
	FairnessTrend *FairnessTrend `json:"fairness_trend,omitempty"`
	// DriftTrend is each version's newest drift check in numbers, oldest
	// version first (the newest maxDetailVersions versions), empty when
	// none has one.
	DriftTrend []DriftPoint `json:"drift_trend"`
	Exceptions Exceptions   `json:"exceptions"`
	Records    []Record     `json:"records"`
	Audit      Audit        `json:"audit"`
}

// Model is the registered model.
type Model struct {
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Team        string    `json:"team"`
	Tags        []string  `json:"tags"`
	CreatedBy   string    `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
}

// Summary is the box at the top of the report.
type Summary struct {
	// Text is the one-paragraph plain-language summary.
	Text string `json:"text"`
	// Production is the production version number (0: none).
	Production      int        `json:"production"`
	ProductionSince *time.Time `json:"production_since,omitempty"`
	// ApprovedBy are the principals who approved the decision that put the
	// production version there (for a rollback: who rolled back).
	ApprovedBy []string `json:"approved_by"`
	// ViaRollback is true when production was reached by a rollback.
	ViaRollback bool `json:"via_rollback"`
	Latest      int  `json:"latest"`
	// Assessed is the version whose pillars the counts describe
	// (production, else the latest).
	Assessed       int      `json:"assessed"`
	PillarsPassing int      `json:"pillars_passing"`
	PillarsTotal   int      `json:"pillars_total"`
	Missing        []string `json:"missing"`
	Failing        []string `json:"failing"`
}

// OwnerRow is one responsibility of the RACI table.
type OwnerRow struct {
	Responsibility string   `json:"responsibility"`
	Title          string   `json:"title"`
	Meaning        string   `json:"meaning"`
	Principals     []string `json:"principals"`
}

// ApprovalRule is how many approvals a decision into a stage needs.
type ApprovalRule struct {
	Stage     string   `json:"stage"`
	Required  int      `json:"required"`
	Approvers []string `json:"approvers"`
}

// Version is one model version and how it reached its stage.
type Version struct {
	Number    int       `json:"number"`
	Digest    string    `json:"digest"`
	State     string    `json:"state"`
	Stage     string    `json:"stage"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	// Decisions are the version's decision requests, oldest first.
	Decisions []Decision `json:"decisions"`
	// Drift is the version's latest drift check (the newest
	// maxDetailVersions versions only), nil when none was recorded.
	Drift *DriftCheck `json:"drift,omitempty"`
	// Lineage is where the version came from (the newest
	// maxDetailVersions versions only), nil when no edge was recorded.
	Lineage *Lineage `json:"lineage,omitempty"`
	// Denial is why the policy denied the version's newest denied
	// decision (the newest maxDetailVersions versions only), nil when no
	// decision on it was denied.
	Denial *Denial `json:"denial,omitempty"`
}

// DriftCheck is the latest drift evidence of a version, in words.
type DriftCheck struct {
	EvidenceID int64     `json:"evidence_id"`
	At         time.Time `json:"at"`
	Status     Status    `json:"status"`
	Summary    string    `json:"summary"`
}

// Decision is one decision request (promotion, rollback, deprecation,
// retirement) with its rationale, policy verdict and approvals.
type Decision struct {
	ID      int64  `json:"id"`
	Version int    `json:"version"`
	Action  string `json:"action"`
	Stage   string `json:"stage"`
	// Alias is the named alias a move_alias decision points at the version.
	Alias       string     `json:"alias,omitempty"`
	Status      string     `json:"status"`
	Rationale   string     `json:"rationale"`
	RequestedBy string     `json:"requested_by"`
	RequestedAt time.Time  `json:"requested_at"`
	DecidedBy   string     `json:"decided_by,omitempty"`
	DecidedAt   *time.Time `json:"decided_at,omitempty"`
	Outcome     string     `json:"outcome,omitempty"`
	Required    int        `json:"required_approvals"`
	Approvers   []string   `json:"approvers"`
	Approvals   []Approval `json:"approvals"`
	BlockedBy   []string   `json:"blocked_by"`
	// Policy is the policy verdict stored with the request (nil: none).
	Policy *PolicyVerdict `json:"policy,omitempty"`
}

// Approval is one approver's vote.
type Approval struct {
	Principal string    `json:"principal"`
	Verdict   string    `json:"verdict"`
	Comment   string    `json:"comment,omitempty"`
	At        time.Time `json:"at"`
}

// PolicyVerdict is the policy evaluation of a decision.
type PolicyVerdict struct {
	Allowed bool `json:"allowed"`
	// Profile is the policy profile that decided (baseline, strict; empty
	// for decisions recorded before profiles).
	Profile  string       `json:"profile,omitempty"`
	Denies   []PolicyRule `json:"denies"`
	Warnings []PolicyRule `json:"warnings"`
	Waived   []PolicyRule `json:"waived"`
	Disabled []string     `json:"disabled"`
}

// PolicyRule is one rule result.
type PolicyRule struct {
	ID      string `json:"id"`
	Message string `json:"message"`
}

// Status is a pillar's evidence status.
type Status string

// Pillar statuses: passing (evidence shows the check passed), failing
// (evidence shows it failed), present (evidence exists but does not settle
// it), missing (no evidence).
const (
	Passing Status = "passing"
	Failing Status = "failing"
	Present Status = "present"
	Missing Status = "missing"
)

// Assessment is the evidence status of one version across the pillars.
type Assessment struct {
	Version int      `json:"version"`
	Stage   string   `json:"stage"`
	Digest  string   `json:"digest"`
	Role    string   `json:"role"` // production, latest, or "production and latest"
	Pillars []Pillar `json:"pillars"`
}

// Pillar is one area of assurance and the evidence behind its status.
type Pillar struct {
	ID       string        `json:"id"`
	Title    string        `json:"title"`
	Question string        `json:"question"`
	Status   Status        `json:"status"`
	Detail   string        `json:"detail"`
	Evidence []EvidenceRef `json:"evidence"`
}

// EvidenceRef is one evidence record a pillar status is based on.
type EvidenceRef struct {
	ID       int64     `json:"id,omitempty"`
	Type     string    `json:"type"`
	Producer string    `json:"producer"`
	At       time.Time `json:"at"`
	// Trust is signed (an attestation a server key verified), first-party
	// (written by the registry itself) or unsigned.
	Trust string `json:"trust"`
}

// Exceptions are the policy waivers applied in the model's decisions.
type Exceptions struct {
	// Note explains what the list covers ("none recorded" when empty).
	Note  string      `json:"note"`
	Items []Exception `json:"items"`
}

// Exception is one waiver: which rule, who owns it, until when.
type Exception struct {
	Rule    string `json:"rule"`
	Owner   string `json:"owner"`
	Expires string `json:"expires"`
	Reason  string `json:"reason,omitempty"`
	// Open is false once Expires is before the report's generation time.
	Open bool `json:"open"`
	// Decision is the request whose evaluation applied it.
	Decision int64 `json:"decision"`
	Version  int   `json:"version"`
}

// Record is a decision record ("what data did we exclude and why").
type Record struct {
	Version int       `json:"version"`
	Title   string    `json:"title"`
	Body    string    `json:"body"`
	Author  string    `json:"author"`
	At      time.Time `json:"at"`
}

// Audit is the audit-log checkpoint the report was produced at.
type Audit struct {
	Available bool `json:"available"`
	// Reason says why it is not available.
	Reason   string `json:"reason,omitempty"`
	Origin   string `json:"origin,omitempty"`
	TreeSize uint64 `json:"tree_size,omitempty"`
	// RootHash is the base64 Merkle root, as in the checkpoint.
	RootHash string `json:"root_hash,omitempty"`
	// Note is the signed checkpoint note, verbatim.
	Note string `json:"note,omitempty"`
}
