package probe

import "time"

// Run is what both probe reports share: whether the probe finished, which
// model it probed, and what it cost.
type Run struct {
	// Complete is false when the probe stopped early (Error says why);
	// the figures then cover only what finished, and no evidence may be
	// written from the report.
	Complete bool   `json:"complete"`
	Error    string `json:"error,omitempty"`

	Endpoint string `json:"endpoint,omitempty"`
	Protocol string `json:"protocol,omitempty"`
	Model    string `json:"model,omitempty"`

	// Queries counts every row sent to the model; Traffic is the HTTP
	// side, when the caller measured it.
	Queries          int64     `json:"queries"`
	Traffic          *Traffic  `json:"traffic,omitempty"`
	Seconds          float64   `json:"seconds"`
	QueriesPerSecond float64   `json:"queries_per_second"`
	Started          time.Time `json:"started"`

	start time.Time // with its monotonic reading, for Seconds
}

// Traffic is what the probe cost the model server: HTTP requests (retries
// included), retries, failed attempts, and request latency quantiles.
type Traffic struct {
	Requests     int64   `json:"requests"`
	Retries      int64   `json:"retries"`
	Failures     int64   `json:"failures"`
	LatencyP50Ms float64 `json:"latency_p50_ms"`
	LatencyP99Ms float64 `json:"latency_p99_ms"`
}

// Served records which model was probed and, when known, the HTTP cost.
func (r *Run) Served(endpoint, protocol, model string, t *Traffic) {
	r.Endpoint, r.Protocol, r.Model, r.Traffic = endpoint, protocol, model, t
}

func (r *Run) begin(now time.Time) {
	r.start, r.Started = now, now.UTC()
}

// finish records the cost and the outcome, and returns err.
func (r *Run) finish(queries int64, now time.Time, err error) error {
	r.Queries = queries
	r.Seconds = now.Sub(r.start).Seconds()
	if r.Seconds > 0 {
		r.QueriesPerSecond = float64(queries) / r.Seconds
	}
	if err != nil {
		r.Error = err.Error()
		return err
	}
	r.Complete = true
	return nil
}
