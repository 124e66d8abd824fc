package policyeval

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/mlsec/mlsec/policy"
	"github.com/mlsec/mlsec/registry"
)

// Evaluator decides registry actions with the policy engine.
type Evaluator struct {
	opts    policy.Options
	def     string
	mu      sync.Mutex
	engines map[string]*policy.Engine
}

var _ registry.Evaluator = (*Evaluator)(nil)

// New compiles the policies of opts under opts.Profile (policy.DefaultProfile
// when empty), the server default; any load or compile error wraps
// policy.ErrPolicy.
func New(ctx context.Context, opts policy.Options) (*Evaluator, error) {
	e := &Evaluator{opts: opts, def: cmp.Or(opts.Profile, policy.DefaultProfile), engines: map[string]*policy.Engine{}}
	if _, err := e.engine(ctx, e.def); err != nil {
		return nil, err
	}
	return e, nil
}

// DefaultProfile implements registry.Evaluator.
func (e *Evaluator) DefaultProfile() string { return e.def }

// Profiles implements registry.Evaluator: the built-in profiles.
func (e *Evaluator) Profiles() []string { return policy.Profiles() }

// engine returns the compiled engine of profile, building it once.
func (e *Evaluator) engine(ctx context.Context, profile string) (*policy.Engine, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if eng, ok := e.engines[profile]; ok {
		return eng, nil
	}
	if !slices.Contains(policy.Profiles(), profile) {
		_, err := policy.ProfileData(profile) // the error that names the profiles
		return nil, err
	}
	o := e.opts
	o.Profile = profile
	eng, err := policy.New(ctx, o)
	if err != nil {
		return nil, err
	}
	e.engines[profile] = eng
	return eng, nil
}

// Evaluate implements registry.Evaluator.
func (e *Evaluator) Evaluate(ctx context.Context, in registry.EvalInput) (*registry.Evaluation, error) {
	eng, err := e.engine(ctx, cmp.Or(in.Profile, e.def))
	if err != nil {
		return nil, err
	}
	dec, err := eng.Evaluate(ctx, Input(in))
	if err != nil {
		return nil, err
	}
	return Verdict(dec)
}

// Input is in as the policy engine's input document (what policies see as
// input, docs/policy.md): the actor is a user, the environment "registry".
func Input(in registry.EvalInput) policy.Input {
	out := policy.Input{
		Subject:  policy.Subject{Name: in.Model, Digest: map[string]string{"sha256": in.Digest}},
		Evidence: in.Evidence,
		Action:   policy.Action{Name: string(in.Action), Stage: string(in.Stage)},
		Actor:    policy.Actor{Name: in.Actor, Kind: "user"},
		Context:  policy.Context{Environment: "registry"},
	}
	if !in.Time.IsZero() {
		out.Context.Time = in.Time.UTC().Format(time.RFC3339)
	}
	for _, w := range in.Exceptions {
		out.Exceptions = append(out.Exceptions, policy.Exception(w))
	}
	if b := in.Production; b != nil {
		out.Production = &policy.Baseline{Version: b.Version, Digest: b.Digest, Evidence: b.Evidence}
	}
	for _, d := range in.Datasets {
		out.Datasets = append(out.Datasets, policy.Dataset(d))
	}
	return out
}

// Verdict is dec as the registry stores it. The two types share their
// JSON shape, so the conversion goes through JSON (TestVerdictKeepsEveryField
// fails if a field of the decision is ever lost).
func Verdict(dec *policy.Decision) (*registry.Evaluation, error) {
	raw, err := json.Marshal(dec)
	if err != nil {
		return nil, fmt.Errorf("policy decision: %w", err)
	}
	var out registry.Evaluation
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("policy decision: %w", err)
	}
	return &out, nil
}
