package evidence

import (
	"errors"
	"fmt"
	"time"
)

// MonitoringResult is the result of a "monitoring" record: one closed
// window of live traffic of a served version, as the inference gateway saw
// it. Window and Requests are required (other monitors may send only
// those); the gateway fills in the rest. It never holds request content.
type MonitoringResult struct {
	Window   MonitoringWindow `json:"window"`
	Requests int64            `json:"requests"`
	// Errors counts failed answers (5xx, upstream down or timed out,
	// broken streams); ErrorRate is Errors / Requests.
	Errors    int64    `json:"errors"`
	ErrorRate *float64 `json:"error_rate,omitempty"`
	// Rows is the number of input rows profiled for drift.
	Rows int64 `json:"rows,omitempty"`
	// PII counts the personal data and secrets redacted from the logged
	// exchanges, per entity type.
	PII map[string]int64 `json:"pii,omitempty"`
	// Drifted is the dataset drift verdict of the same window (the drift
	// record of the window has the details); nil when not compared.
	Drifted *bool `json:"drifted,omitempty"`
	// Route names the gateway route; Source says what produced the window
	// (e.g. "mlsec gateway").
	Route  string `json:"route,omitempty"`
	Source string `json:"source,omitempty"`
}

// MonitoringWindow is the time span of a window.
type MonitoringWindow struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

func (r *MonitoringResult) validate() error {
	if r.Window.Start.IsZero() || r.Window.End.IsZero() {
		return errors.New("window.start and window.end are required")
	}
	if r.Window.End.Before(r.Window.Start) {
		return fmt.Errorf("window ends (%s) before it starts (%s)", r.Window.End, r.Window.Start)
	}
	if r.Requests < 0 || r.Errors < 0 || r.Errors > r.Requests {
		return fmt.Errorf("errors %d of %d requests: want 0 <= errors <= requests", r.Errors, r.Requests)
	}
	for e, n := range r.PII {
		if n < 0 {
			return fmt.Errorf("pii[%s] is negative", e)
		}
	}
	return nil
}
