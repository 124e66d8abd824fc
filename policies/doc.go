// Package policies embeds mlsec's default Rego policy bundle (package
// mlsec.gate and its helpers in mlsec.lib) so the binary needs no files at
// run time. The .rego files in this folder are the readable source; their
// *_test.rego unit tests run inside 'go test ./policy/'.
//
// The profiles (profiles/baseline.json, profiles/strict.json) are data, not
// code: each sets the few data.mlsec keys that decide whether a rule warns
// or denies (documentation_action, fairness_drift_action,
// drift_deny_comparisons), so the rules are written once and a profile is a
// line per choice.
package policies
