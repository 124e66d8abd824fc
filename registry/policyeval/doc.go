// Package policyeval is the registry's policy evaluator: it implements
// registry.Evaluator over the OPA policy engine (package policy), so the
// registry and its store never import the engine (internal/archtest
// forbids it) and the wiring layer (mlsec serve, tests) chooses it.
//
// It keeps one compiled engine per policy profile: the server default one
// is built by New (so a broken --policy or --data fails the start), the
// others on first use, from the same policy folders and data files. A
// decision's profile is the model's setting, else its team's, else the
// default (registry.Service resolves it); an unknown profile is an error
// wrapping policy.ErrProfile, never an allow.
//
// Limits: each engine holds its compiled policies (a few MB with the
// default bundle); there are as many as profiles used.
package policyeval
