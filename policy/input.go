package policy

import (
	"time"

	"github.com/mlsec/mlsec/evidence"
)

// Input is the document policies see as input (docs/policy.md).
type Input struct {
	Subject  Subject         `json:"subject"`
	Evidence []evidence.Item `json:"evidence"`
	Action   Action          `json:"action"`
	Actor    Actor           `json:"actor"`
	Context  Context         `json:"context"`
	// Exceptions are waivers granted for this evaluation (e.g. by a
	// registry decision), in the shape of data.mlsec.exceptions; they
	// apply and expire exactly like those.
	Exceptions []Exception `json:"exceptions,omitempty"`
	// Production is the version currently in production when the subject
	// is another version (the registry fills it), for rules that compare a
	// candidate with it (bias drift, MLSEC-FAIR-003).
	Production *Baseline `json:"production,omitempty"`
	// Datasets are the training data of the subject: one entry per
	// trained_on digest, with what the registry knows of it (the registry
	// fills it for its decisions, 'mlsec gate --dataset' for a training
	// run). The MLSEC-DATA rules read it.
	Datasets []Dataset `json:"datasets,omitempty"`
}

// Dataset is one training dataset version as the policy sees it.
// Registered is false when no registered dataset has the digest (then the
// other fields are empty). Approval is approved, pending, rejected, or
// none (a dataset entry registered without versions, which cannot be
// approved). PIIScanned is false when no PII summary was recorded or the
// scan did not analyse every file: what was not read may hold anything.
type Dataset struct {
	Digest         string `json:"digest"`
	Registered     bool   `json:"registered"`
	Name           string `json:"name,omitempty"`
	Version        int    `json:"version,omitempty"`
	Team           string `json:"team,omitempty"`
	Owner          string `json:"owner,omitempty"`
	Classification string `json:"classification,omitempty"`
	Approval       string `json:"approval,omitempty"`
	// ApprovedBy is who completed the approval (or the rejection).
	ApprovedBy string `json:"approved_by,omitempty"`
	// ApprovedAt is when (nil while pending, or for none).
	ApprovedAt *time.Time `json:"approved_at,omitempty"`
	PIIScanned bool       `json:"pii_scanned"`
	// Entities counts the values holding each PII entity type.
	Entities map[string]int64 `json:"entities,omitempty"`
	// SensitiveAttributes are the columns reported as sensitive attributes.
	SensitiveAttributes []string `json:"sensitive_attributes,omitempty"`
}

// Baseline is a model version the decision compares against: its number,
// OMS root digest and the evidence recorded for it (only the types the
// comparison rules read, see registry.BaselineEvidenceTypes).
type Baseline struct {
	Version  int             `json:"version"`
	Digest   string          `json:"digest"`
	Evidence []evidence.Item `json:"evidence"`
}

// Subject is the model the decision is about: name, OMS root digest, and
// what the owner declares about it.
type Subject struct {
	Name   string            `json:"name"`
	Digest map[string]string `json:"digest"`
	// RiskTier is the declared risk tier (e.g. low, medium, high).
	RiskTier string `json:"risk_tier,omitempty"`
	// SensitiveAttributes are the protected attributes the model's
	// decisions may depend on (e.g. sex, age); they call for fairness evidence.
	SensitiveAttributes []string          `json:"sensitive_attributes,omitempty"`
	Labels              map[string]string `json:"labels,omitempty"`
}

// Action is the lifecycle action being decided.
type Action struct {
	Name  string `json:"name"`            // e.g. promote, deploy, publish
	Stage string `json:"stage,omitempty"` // e.g. staging, production
}

// Actor is who asks for the action.
type Actor struct {
	Name   string   `json:"name,omitempty"`
	Email  string   `json:"email,omitempty"`
	Groups []string `json:"groups,omitempty"`
	// Kind is "user" or "ci" (or anything the policy distinguishes).
	Kind string `json:"kind,omitempty"`
}

// Context describes where and when the decision is made. Time (RFC 3339)
// is the reference for evidence freshness and exception expiry; Evaluate
// sets it to the current time when empty.
type Context struct {
	Environment string `json:"environment,omitempty"`
	Time        string `json:"time"`
}
