// Package modelclient talks to a served model over HTTP: it sends rows of
// numbers and reads back labels, values or per-class scores. mlsec probe
// uses it to attack and explain a model where it runs, without loading the
// model; the inference gateway and the LLM probes reuse its transport
// (Client.Send: timeouts, retries, a query budget, typed errors, counting).
//
// # Protocols
//
//   - kserve-v2: the KServe v2 / Open Inference Protocol REST API
//     (POST /v2/models/{name}[/versions/{v}]/infer). Rows go as one input
//     tensor of shape [n, d] (datatype FP64 by default, or FP32), flattened
//     row-major. Outputs are read from the tensors the server returns: a
//     tensor of shape [n] or [n, 1] is the answer (labels or values), one of
//     shape [n, k] with k ≥ 2 holds per-class scores; Config.LabelOutput and
//     ScoresOutput name them when the server returns several, and are then
//     requested by name. A tensor whose shape, datatype or element count
//     disagrees with what it holds or with the n inputs sent is ErrShape.
//   - mlflow: the MLflow scoring server (POST /invocations) with the
//     dataframe_split format (column names and rows, the default) or inputs
//     (rows only). MLflow 2 answers {"predictions": [...]}, MLflow 1 a bare
//     list; both are read.
//   - tfserving: TensorFlow Serving's REST API
//     (POST /v1/models/{name}[/versions/{v}]:predict) in its row format
//     ({"instances": [...]}, the default) or columnar format ({"inputs":
//     [...]}); it answers {"predictions": [...]} or {"outputs": ...}.
//   - json: any other JSON API, described by a small Template: the request
//     path, a request body with placeholders ("$rows", "$records",
//     "$columns", "$n") and dot paths to the labels and scores in the
//     answer.
//
// In the list-shaped answers (mlflow, tfserving, json) each element is a
// label or value (number, string or bool), a score vector (a list of two or
// more numbers; the label is then the index of the highest score), a
// one-element list (a value), or an object whose label and score fields are
// named by Config.LabelOutput and ScoresOutput or found under common names
// (label, class, prediction; probabilities, scores, proba).
//
// # Transport
//
// Predict splits rows into batches of Config.BatchSize and sends up to
// Config.Concurrency requests at once. Every attempt has its own timeout
// (Config.Timeout). Attempts that fail on the network, time out, or get
// HTTP 429, 502, 503 or 504 are retried up to Config.Retries times with a
// doubling back-off (Retry-After is honoured, up to 5 s). Every row sent
// is one query, retries included; Config.Budget caps the queries of the
// client's lifetime, and a request that would pass it is refused before it
// is sent (ErrBudget), so a probe's traffic is bounded and known. Stats
// counts requests, queries, retries and failures.
//
// # Errors
//
// Every failure is an *Error naming the request and wrapping one kind,
// checked with errors.Is: ErrTimeout (the server did not answer in time),
// ErrCanceled (the caller gave up), ErrUnavailable (no connection),
// ErrServer (HTTP 5xx), ErrRejected (HTTP 4xx), ErrMalformed (the answer is
// not the protocol's JSON), ErrShape (the answer's shape or type is not
// what was declared or sent) and ErrBudget. Nothing here prints.
//
// # Instrumentation
//
// Config.Transport takes any http.RoundTripper; Observe and WithHeader are
// decorators in the style of promhttp's client instrumentation (which can be
// stacked with them): Observe reports each exchange's status and latency
// (Latencies keeps them for quantiles), WithHeader adds headers such as an
// Authorization token to every request.
//
// Limits: inputs are numbers (a table's text columns must be encoded before
// probing); one model answer per row; the response body is capped at
// Config.MaxResponseBytes (64 MiB by default).
package modelclient
