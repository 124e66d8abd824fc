// Package ui is the registry's web UI, served by mlsec serve at /: the
// models with their posture per pillar, a model's versions, owners,
// decisions and exceptions, a version's files, findings, signature, BOM,
// evidence and lineage, the decisions inbox (approve or reject), the
// audit log with "verify now" and inclusion proofs, datasets, and the
// governance report as a page.
//
// Why server-rendered: the people who approve and audit need pages that
// load anywhere, print, work with JavaScript off and need no build step.
// Pages are html/template (every registry string escaped) with one
// embedded stylesheet; charts and the lineage graph are server-side SVG
// (internal/chart). There is no JavaScript at all, and the
// Content-Security-Policy forbids it.
//
// Authorization is not done here. Every page is a route of the server's
// route table (registry/server, page: true): the server resolves the
// session (registry/server/session) to the same registry.Actor a bearer
// token gives, checks the route's permission and scope and the CSRF
// defences, and only then calls the page method, which calls the same
// registry.Service methods as the API (which check the scope again). A
// page returns its error; the server maps it to a status as for the API
// and calls UI.Error to render it.
//
// Limits: the models page search matches names over at most
// maxSearchModels models; the audit page filters a bounded window of the
// log (maxAuditScan entries) per page.
package ui
