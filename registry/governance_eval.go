package registry

import (
	"context"
	"errors"
	"time"

	"github.com/mlsec/mlsec/evidence"
)

// Evaluator decides a governance action from a version's evidence. The
// registry declares it (the consumer) so neither the service nor its store
// depends on the policy engine: package registry/policyeval implements it
// over policy.Engine, and the wiring (mlsec serve, tests) passes it with
// WithPolicy.
type Evaluator interface {
	// Evaluate decides in under in.Profile ("" = DefaultProfile). An
	// unknown profile is an error, never an allow.
	Evaluate(ctx context.Context, in EvalInput) (*Evaluation, error)
	// Profiles names the profiles Evaluate accepts.
	Profiles() []string
	// DefaultProfile is the profile used when a model and its team set none.
	DefaultProfile() string
}

// ErrNoPolicy is returned by every decision when the service was built
// without an Evaluator: the registry fails closed rather than allow an
// action nothing evaluated.
var ErrNoPolicy = errors.New("no policy evaluator configured")

// EvalInput is what the registry knows about an action on a version, for
// the Evaluator (which turns it into the policy engine's input document).
type EvalInput struct {
	Model  string
	Digest string // the version's OMS root digest (sha256 hex)
	Action DecisionAction
	Stage  Stage
	Actor  string // the requester's principal
	Time   time.Time
	// Evidence are the version's records; FirstParty marks those the
	// server's worker wrote.
	Evidence []evidence.Item
	// Exceptions are the model's granted exceptions (expired ones too, so
	// the policy reports them) and any exception under request.
	Exceptions []Waiver
	// Production is the model's production version when it is another one.
	Production *Baseline
	// Profile is the policy profile that decides: the model's setting, else
	// its team's, else "" (the evaluator's default).
	Profile string
	// Datasets are the version's training data, one per trained_on digest
	// (datasets.go); the policy's input.datasets.
	Datasets []TrainingDataset
}

// Baseline is a version a decision compares against (the production
// version): its number, digest and evidence of BaselineEvidenceTypes.
type Baseline struct {
	Version  int             `json:"version"`
	Digest   string          `json:"digest"`
	Evidence []evidence.Item `json:"evidence"`
}

// Waiver is an exception in the shape the policy takes and reports it: it
// waives one rule id (for one subject and digest) until it expires.
type Waiver struct {
	Rule    string `json:"rule"`
	Owner   string `json:"owner"`
	Expires string `json:"expires"`
	Reason  string `json:"reason,omitempty"`
	Subject string `json:"subject,omitempty"`
	Digest  string `json:"digest,omitempty"`
	Source  string `json:"source,omitempty"`
}

// Evaluation is a request's policy verdict as the registry stores (a JSON
// document) and serves it. It has the JSON shape of the policy engine's
// decision; registry/policyeval converts one into the other and tests that
// no field is lost.
type Evaluation struct {
	Allowed bool `json:"allowed"`
	// Profile is the policy profile that decided (baseline, strict).
	Profile    string         `json:"profile,omitempty"`
	Denies     []PolicyResult `json:"denies"`
	Warnings   []PolicyResult `json:"warnings"`
	Exceptions []PolicyResult `json:"exceptions"`
	Disabled   []string       `json:"disabled,omitempty"`
}

// PolicyResult is one deny, warning or waived result of an Evaluation.
type PolicyResult struct {
	ID          string         `json:"id"`
	Title       string         `json:"title,omitempty"`
	Message     string         `json:"message"`
	Remediation string         `json:"remediation,omitempty"`
	Controls    PolicyControls `json:"controls"`
	Evidence    []string       `json:"evidence,omitempty"`
	Package     string         `json:"package"`
	Waiver      *Waiver        `json:"waiver,omitempty"`
}

// PolicyControls are the framework controls a result maps to.
type PolicyControls struct {
	OWASPML   []string `json:"owasp_ml,omitempty"`
	ATLAS     []string `json:"atlas,omitempty"`
	NISTAIRMF []string `json:"nist_ai_rmf,omitempty"`
}
