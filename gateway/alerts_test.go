package gateway_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mlsec/mlsec/gateway"
)

// flakyAlertmanager fails the first failures attempts with 503 and then
// accepts; it records when each attempt came and what was accepted.
type flakyAlertmanager struct {
	mu       sync.Mutex
	failures int
	attempts []time.Time
	accepted []map[string]any
}

func (f *flakyAlertmanager) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.attempts = append(f.attempts, time.Now())
	if len(f.attempts) <= f.failures {
		http.Error(w, "not ready", http.StatusServiceUnavailable)
		return
	}
	var got []map[string]any
	if r.URL.Path != "/api/v2/alerts" || json.Unmarshal(b, &got) != nil {
		http.Error(w, "bad alert", http.StatusBadRequest)
		return
	}
	f.accepted = append(f.accepted, got...)
}

func (f *flakyAlertmanager) state() ([]time.Time, []map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Time(nil), f.attempts...), append([]map[string]any(nil), f.accepted...)
}

// alertEnv runs the sanction route (alert only) with alerts going to am,
// three retries and a back-off of 100 ms, and flags the attacker.
func alertEnv(t *testing.T, am http.Handler) *env {
	t.Helper()
	srv := httptest.NewServer(am)
	t.Cleanup(srv.Close)
	up := linearModel(t)
	y := strings.NewReplacer("ACTION", "alert", "{{other_sha}}", gateway.HashKey(otherKey),
		"clients:", "alerts:\n  alertmanager: "+srv.URL+"\n  retries: 3\n  retry_backoff: 0.1\nclients:").Replace(withUpstream(sanctionConfig, up.URL))
	e := newEnv(t, y, envOpts{noStart: true})
	for range 6 {
		if code, _, body := e.infer(""); code != 200 {
			t.Fatalf("%d %s", code, body)
		}
	}
	return e
}

// TestExtractionAlertRetried: an Alertmanager that fails the first two
// attempts gets the alert on the third, after back-offs of 100 and 200
// ms; each attempt is counted.
func TestExtractionAlertRetried(t *testing.T) {
	am := &flakyAlertmanager{failures: 2}
	e := alertEnv(t, am)
	eventually(t, "the alert delivered", func() bool { _, acc := am.state(); return len(acc) > 0 })
	at, acc := am.state()
	if len(at) != 3 || len(acc) != 1 {
		t.Fatalf("attempts %d, accepted %v: want 3 attempts and one alert", len(at), acc)
	}
	if d1, d2 := at[1].Sub(at[0]), at[2].Sub(at[1]); d1 < 100*time.Millisecond || d2 < 200*time.Millisecond {
		t.Errorf("back-off %v then %v, want at least 100 ms then 200 ms", d1, d2)
	}
	labels, _ := acc[0]["labels"].(map[string]any)
	if labels["alertname"] != gateway.AlertExtraction || labels["client"] != "attacker" || labels["detector"] != "volume" || labels["action"] != "alert" {
		t.Errorf("labels %v", labels)
	}
	// The receiver has the alert before the sender has read its answer
	// and counted it: wait for the count, then check both.
	sent := `mlsec_gateway_alerts_total{alert="MlsecExtractionSuspected",outcome="sent"} 1`
	var m string
	eventually(t, "the delivery counted", func() bool { m = e.exposition(); return strings.Contains(m, sent) })
	for _, want := range []string{
		`mlsec_gateway_alerts_total{alert="MlsecExtractionSuspected",outcome="retry"} 2`,
		sent,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s:\n%s", want, grepLines(m, "alerts_total"))
		}
	}
}

// TestExtractionAlertGivesUp: a receiver that always fails gets 1 +
// retries attempts, then the alert is counted as an error and logged.
func TestExtractionAlertGivesUp(t *testing.T) {
	am := &flakyAlertmanager{failures: 1000}
	e := alertEnv(t, am)
	eventually(t, "the alert given up", func() bool {
		return strings.Contains(e.exposition(), `mlsec_gateway_alerts_total{alert="MlsecExtractionSuspected",outcome="error"} 1`)
	})
	time.Sleep(900 * time.Millisecond) // longer than another back-off would take
	if at, _ := am.state(); len(at) != 4 {
		t.Errorf("attempts %d, want 4 (1 + retries 3)", len(at))
	}
	if log := e.logs.String(); !strings.Contains(log, `"msg":"alert not delivered"`) || !strings.Contains(log, `"attempts":4`) {
		t.Errorf("log:\n%s", grepLines(log, "alert"))
	}
}
