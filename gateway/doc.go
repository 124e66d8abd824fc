// Package gateway is mlsec's inference gateway: a reverse proxy in front of
// model servers that logs every exchange after redaction, enforces
// retention, and watches the served model for drift (docs/gateway.md).
//
// One route per model: KServe v2 / Open Inference Protocol, MLflow
// /invocations, OpenAI-compatible /v1/chat/completions (server-sent events
// passed through and flushed as they arrive) and generic JSON. Each route
// names the registry model and version (or digest) it serves, so what the
// gateway records becomes evidence for that exact version.
//
// The proxy is net/http/httputil's ReverseProxy with caddy's lessons: the
// incoming request is never mutated (the outgoing one is a clone),
// hop-by-hop headers are stripped, and upstream failures answer 502 (down or
// refused), 504 (timeout) or 499 (the client went away) with a JSON body
// and a counter. Clients authenticate with API keys stored as SHA-256
// hashes (NewKey, HashKey), each with its own token-bucket rate limit;
// bodies over the limit are refused with 413 before anything is logged.
//
// Privacy is the invariant everything else serves: request and response
// bodies live in memory only until package pii has redacted them; the log
// store (package logstore), the operational slog output, the metric labels
// and every error body see redacted text or nothing. Malformed JSON is
// redacted as text. When the store cannot take a record (full disk,
// database down) the gateway fails closed for logging: it refuses traffic
// with 503 (log.on_failure: refuse) or serves without logging and counts
// it (proxy); it never falls back to writing anywhere else.
//
// Records are acknowledged only after their group commit: the client gets
// its answer once its record is durable, so a kill -9 loses no answered
// exchange. Retention is per route: queries hide expired records at once,
// and a periodic sweeper deletes them in bounded batches, each batch
// reported (counts and time range, never content) to the registry's audit
// log. Readers (mlsec logs, GET /_mlsec/logs) are authorized by the
// registry with their own registry token: auditors and admins, within
// their scope. Pseudonyms cannot be reversed; encrypted values need the
// pii key.
//
// Live drift: a route with a reference profile (mlsec drift profile, or a
// dataset registered in the registry, its digest checked) adds
// each request's inputs and the model's predictions to a streaming drift
// profile of the current tumbling window (every N requests or T time).
// Replicas sharing a PostgreSQL store flush partial profiles that the
// leader merges when it closes the window; closed windows publish
// Prometheus gauges (mlsec_drift_score{model,version,feature,method}) and
// post a drift and a monitoring evidence record to the served version;
// drift and error-rate thresholds raise Alertmanager alerts.
//
// Periodic and durable work (window closing, retention sweeps, evidence,
// audit and alert delivery) runs on River, in the log store's database:
// deliveries are inserted in the same transaction as the window or the
// deletion they report.
//
// Hooks (WithHooks) are the seam for request and response scanners such as
// LLM guardrails: they see clear text in memory, may refuse a request or
// wrap a response stream, and what they let through is what is logged,
// after redaction. A route's guard: block (package guard: injection, PII,
// banned terms, length, leakage, JSON answers; streams through FilterSSE)
// and extraction: block (package extraction: per-client detectors that
// count, log and alert, then alert, throttle with a token bucket or block
// per detector until the flag expires: flagged.go) are built into hooks at
// start (guardhook.go, extracthook.go). GET /_mlsec/clients (clientsapi.go)
// lists the flagged clients to registry tokens that may read the route's
// logs. Alerts raised between windows (extraction) are retried in process
// with bounded back-off; window alerts are River jobs. The gateway imports
// guard and extraction; they never import it.
//
// Limits: one upstream per route (no load balancing or retries: a retried
// inference is not idempotent in general); bodies are buffered up to
// limits.max_request_bytes so they can be redacted and logged; streamed
// responses are logged up to log.max_body_log.
package gateway
