// Package policy decides lifecycle actions (e.g. promote to production) from
// evidence with policy as code: Rego policies evaluated by an embedded OPA
// (github.com/open-policy-agent/opa/v1/rego), Conftest-style deny/warn/
// exception results, and a default bundle embedded from policies/.
//
// We embed OPA rather than shell out to it so the gate works offline with
// one binary, queries are prepared once per Engine, and a broken policy can
// never turn into an allow: every load, compile or evaluation error is an
// error, and an undefined result is an error too.
//
// Typical use (what 'mlsec gate' does):
//
//	eng, err := policy.New(ctx, policy.Options{Dirs: dirs, DataFiles: data})
//	dec, err := eng.Evaluate(ctx, policy.Input{Subject: ..., Evidence: items, Action: policy.Action{Name: "promote", Stage: "production"}})
//	if !dec.Allowed { ... print dec.Denies ... }
package policy
