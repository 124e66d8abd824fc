// Package report builds a model's governance report from the registry API
// and renders it as HTML (for boards, auditors and other non-engineers) or
// JSON (the same model, for tools).
//
// We compose the existing registry endpoints on the client side (model,
// versions, owners, decision requests, evidence, history, audit
// checkpoint) rather than adding a report endpoint, so any token that can
// read a model can produce its report and the server stays unchanged. The
// HTML is self-contained (embedded CSS, no JavaScript, no external assets)
// and printable; every string from the registry is escaped by html/template.
// See docs/report.md.
package report
