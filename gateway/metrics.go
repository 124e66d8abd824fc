package gateway

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mlsec/mlsec/gateway/logstore"
)

// metrics are the gateway's Prometheus collectors. Every label takes values
// from a bounded set: route and client names from the configuration (plus
// "unmatched", "unauthenticated", "anonymous"), status codes folded into a
// fixed list, entity types from package pii, drift features from the
// reference profile, failure reasons from fixed lists. No label ever holds
// request content.
type metrics struct {
	requests      *prometheus.CounterVec   // route, client, code
	latency       *prometheus.HistogramVec // route
	upstreamErr   *prometheus.CounterVec   // route, reason
	pii           *prometheus.CounterVec   // route, entity
	logFailures   *prometheus.CounterVec   // reason
	unlogged      *prometheus.CounterVec   // route
	retention     *prometheus.CounterVec   // route
	rateLimited   *prometheus.CounterVec   // client
	driftScore    *prometheus.GaugeVec     // model, version, feature, method
	driftDetected *prometheus.GaugeVec     // model, version, feature, method
	driftThresh   *prometheus.GaugeVec     // model, version, feature, method
	driftShare    *prometheus.GaugeVec     // model, version
	windowErrRate *prometheus.GaugeVec     // model, version
	windows       *prometheus.CounterVec   // route
	alerts        *prometheus.CounterVec   // alert, outcome
	deliveries    *prometheus.CounterVec   // kind, outcome
	modelInfo     *prometheus.GaugeVec     // route, model, version, digest
	guard         *prometheus.CounterVec   // route, scanner, rule, action, stage
	extraction    *prometheus.CounterVec   // route, detector, action
	// The log store's group commit, to see where a request's logging time
	// goes: per record from Append to its commit's acknowledgement, per
	// batch its size and its transaction's duration.
	logAppend prometheus.Histogram
	logBatch  prometheus.Histogram
	logCommit prometheus.Histogram
	logBegin  prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mlsec_gateway_requests_total", Help: "Requests answered, by route, client and status code.",
		}, []string{"route", "client", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "mlsec_gateway_request_duration_seconds", Help: "Time from request to logged answer, by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route"}),
		upstreamErr: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mlsec_gateway_upstream_errors_total", Help: "Upstream failures (down, timeout, client gone, answer too large), by route.",
		}, []string{"route", "reason"}),
		pii: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mlsec_gateway_pii_redactions_total", Help: "Personal data and secrets redacted from logged exchanges, by route and entity type.",
		}, []string{"route", "entity"}),
		logFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mlsec_gateway_log_failures_total", Help: "Log records the store could not take, by reason.",
		}, []string{"reason"}),
		unlogged: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mlsec_gateway_unlogged_requests_total", Help: "Requests served without a log record (log.on_failure: proxy).",
		}, []string{"route"}),
		retention: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mlsec_gateway_retention_deleted_total", Help: "Expired log records deleted by the retention sweeper.",
		}, []string{"route"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mlsec_gateway_rate_limited_total", Help: "Requests refused with 429, by client.",
		}, []string{"client"}),
		driftScore: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "mlsec_drift_score", Help: "Drift score of a column in the last closed window (p-value or distance, see method).",
		}, []string{"model", "version", "feature", "method"}),
		driftDetected: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "mlsec_drift_detected", Help: "1 when the column drifted in the last closed window.",
		}, []string{"model", "version", "feature", "method"}),
		driftThresh: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "mlsec_drift_threshold", Help: "Threshold the column's drift score is judged against.",
		}, []string{"model", "version", "feature", "method"}),
		driftShare: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "mlsec_dataset_drift_share", Help: "Share of drifted columns in the last closed window.",
		}, []string{"model", "version"}),
		windowErrRate: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "mlsec_gateway_window_error_rate", Help: "Share of failed answers in the last closed window.",
		}, []string{"model", "version"}),
		windows: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mlsec_gateway_windows_total", Help: "Monitoring windows closed, by route.",
		}, []string{"route"}),
		alerts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mlsec_gateway_alerts_total", Help: "Alerts sent to Alertmanager, by alert name and outcome (sent; error: given up or, for window alerts, an attempt the job queue retries; retry: a failed attempt of an extraction alert that will be retried).",
		}, []string{"alert", "outcome"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mlsec_gateway_deliveries_total", Help: "Evidence and audit deliveries to the registry, by kind and outcome.",
		}, []string{"kind", "outcome"}),
		modelInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "mlsec_model_info", Help: "The model version each route serves (always 1).",
		}, []string{"route", "model", "version", "digest"}),
		guard: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mlsec_gateway_guard_decisions_total",
			Help: "Guardrail decisions (package guard), by route, scanner, rule, action (block, redact, flag) and stage (request, response, stream).",
		}, []string{"route", "scanner", "rule", "action", "stage"}),
		extraction: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mlsec_gateway_extraction_flags_total",
			Help: "Extraction detections (package extraction), by route, detector and action (flag: a client newly flagged; throttle: a request refused 429; block: a request refused 403).",
		}, []string{"route", "detector", "action"}),
		logAppend: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "mlsec_gateway_log_append_seconds", Help: "Time from handing a record to the log store to its commit, per record.",
			Buckets: logTimeBuckets,
		}),
		logBatch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "mlsec_gateway_log_batch_records", Help: "Records per log store transaction (group commit).",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256},
		}),
		logCommit: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "mlsec_gateway_log_commit_seconds", Help: "Duration of one log store transaction (begin, inserts, commit).",
			Buckets: logTimeBuckets,
		}),
		logBegin: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "mlsec_gateway_log_begin_seconds", Help: "Wait of a log store transaction for its connection (shared with the job queue on SQLite) and BEGIN.",
			Buckets: logTimeBuckets,
		}),
	}
	for _, c := range []prometheus.Collector{m.logAppend, m.logBatch, m.logCommit, m.logBegin, m.requests, m.latency, m.upstreamErr, m.pii, m.logFailures, m.unlogged,
		m.retention, m.rateLimited, m.driftScore, m.driftDetected, m.driftThresh, m.driftShare, m.windowErrRate,
		m.windows, m.alerts, m.deliveries, m.modelInfo, m.guard, m.extraction} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// logTimeBuckets resolve the sub-millisecond commits of a quiet store and
// the stalls behind the tail.
var logTimeBuckets = []float64{.0001, .00025, .0005, .001, .002, .003, .005, .0075, .01, .02, .05, .1, .25, 1}

// observeCommit is the log store's OnCommit.
func (m *metrics) observeCommit(s logstore.CommitStats) {
	m.logBatch.Observe(float64(s.Records))
	m.logCommit.Observe(s.Commit.Seconds())
	m.logBegin.Observe(s.Begin.Seconds())
}

// codeLabel folds a status code into a bounded label: the codes the
// gateway itself answers with keep their number, others become a class.
func codeLabel(code int) string {
	switch code {
	case 200, 201, 204, 400, 401, 403, 404, 413, 422, 429, 499, 500, 502, 503, 504:
		return strconv.Itoa(code)
	}
	if code < 100 || code > 599 {
		return "other"
	}
	return strconv.Itoa(code/100) + "xx"
}
