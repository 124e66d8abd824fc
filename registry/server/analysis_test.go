package server

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlsec/mlsec/registry"
)

// finishJobs finishes every runnable job as a worker would: done, or
// failed when fail is not empty (retried at once until its attempts are
// used up). The server tests post the
// evidence they need themselves and run no worker.
func finishJobs(t *testing.T, svc *registry.Service, fail string) {
	t.Helper()
	ctx := t.Context()
	for {
		var j registry.Job
		var ok bool
		err := svc.Store().Tx(ctx, func(tx registry.Tx) (err error) {
			j, ok, err = tx.ClaimJob(ctx, "test", time.Now(), time.Minute)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return
		}
		if err := svc.Store().Tx(ctx, func(tx registry.Tx) error { return tx.FinishJob(ctx, j.ID, "test", fail, time.Now()) }); err != nil {
			t.Fatal(err)
		}
	}
}

// pushPending creates and finalizes a version without finishing its
// analysis: what a client sees right after push.
func (e *secEnv) pushPending(t *testing.T, token, model string, data []byte) int {
	t.Helper()
	r := e.must(t, 201, token, "POST", "/api/v1/models/"+model+"/versions",
		map[string]any{"artifacts": []map[string]any{{"path": "w.bin", "size": len(data), "sha256": sum(data)}}})
	var v registry.Version
	decodeBody(t, r, &v)
	if v.Analysis != registry.AnalysisPending {
		t.Fatalf("new version: analysis %q, want pending", v.Analysis)
	}
	e.must(t, 201, token, "PUT", "/api/v1/blobs/"+sum(data), data)
	e.must(t, 200, token, "POST", fmt.Sprintf("/api/v1/models/%s/versions/%d/finalize", model, v.Number), nil)
	return v.Number
}

func analysisOf(t *testing.T, e *secEnv, token, model string, n int) registry.AnalysisState {
	t.Helper()
	var v registry.Version
	decodeBody(t, e.must(t, 200, token, "GET", fmt.Sprintf("/api/v1/models/%s/versions/%d", model, n), nil), &v)
	return v.Analysis
}

// TestDecisionWaitsForAnalysis is the push && promote race of issue 13
// point 3: a decision on a version still being analysed is refused with
// analysis_pending and nothing recorded (no denied request in the history),
// waits server-side when the analysis finishes in time, and the version
// shows its analysis state pending, complete or failed.
func TestDecisionWaitsForAnalysis(t *testing.T) {
	promote := map[string]any{"action": "promote", "stage": "staging", "rationale": "ci passed"}
	t.Run("refused, not recorded", func(t *testing.T) {
		e := newSecEnvWith(t, filepath.Join(t.TempDir(), "r.db"), func(c *Config) { c.AnalysisWait = -1 })
		admin := e.tokens[registry.RoleAdmin]
		e.must(t, 201, admin, "POST", "/api/v1/models", map[string]any{"name": "m"})
		e.must(t, 200, admin, "PATCH", "/api/v1/models/m/owners", map[string]any{"owners": map[string]any{"approve": []string{"rev"}}})
		n := e.pushPending(t, admin, "m", []byte("weights"))
		if got := analysisOf(t, e, admin, "m", n); got != registry.AnalysisPending {
			t.Fatalf("analysis %q, want pending", got)
		}
		r := e.do(t, admin, "POST", fmt.Sprintf("/api/v1/models/m/versions/%d/requests", n), promote)
		if r.code != 409 || errCode(t, r) != "analysis_pending" || r.hdr.Get("Retry-After") == "" || !strings.Contains(string(r.body), "retry") {
			t.Fatalf("request on pending analysis: %d %s %v", r.code, r.body, r.hdr)
		}
		if b := e.must(t, 200, admin, "GET", "/api/v1/models/m/requests", nil).body; strings.Contains(string(b), `"id"`) {
			t.Fatalf("a refused request was recorded: %s", b)
		}
		if b := e.must(t, 200, admin, "GET", "/api/v1/models/m/history", nil).body; strings.Contains(string(b), "denied") || strings.Contains(string(b), "decision") {
			t.Fatalf("history records the refusal: %s", b)
		}
		finishJobs(t, e.svc, "")
		if got := analysisOf(t, e, admin, "m", n); got != registry.AnalysisComplete {
			t.Fatalf("analysis %q, want complete", got)
		}
		e.must(t, 201, admin, "POST", fmt.Sprintf("/api/v1/models/m/versions/%d/requests", n), promote)
	})
	t.Run("waits", func(t *testing.T) {
		e := newSecEnvWith(t, filepath.Join(t.TempDir(), "r.db"), func(c *Config) { c.AnalysisWait = time.Minute })
		admin := e.tokens[registry.RoleAdmin]
		e.must(t, 201, admin, "POST", "/api/v1/models", map[string]any{"name": "m"})
		e.must(t, 200, admin, "PATCH", "/api/v1/models/m/owners", map[string]any{"owners": map[string]any{"approve": []string{"rev"}}})
		n := e.pushPending(t, admin, "m", []byte("weights"))
		done := make(chan struct{})
		go func() {
			defer close(done)
			time.Sleep(300 * time.Millisecond)
			finishJobs(t, e.svc, "")
		}()
		r := e.must(t, 201, admin, "POST", fmt.Sprintf("/api/v1/models/m/versions/%d/requests", n), promote)
		<-done
		if !strings.Contains(string(r.body), `"status":"executed"`) {
			t.Fatalf("request after waiting: %s", r.body)
		}
	})
	t.Run("failed", func(t *testing.T) {
		e := newSecEnvWith(t, filepath.Join(t.TempDir(), "r.db"), func(c *Config) { c.AnalysisWait = -1 })
		admin := e.tokens[registry.RoleAdmin]
		e.must(t, 201, admin, "POST", "/api/v1/models", map[string]any{"name": "m"})
		e.must(t, 200, admin, "PATCH", "/api/v1/models/m/owners", map[string]any{"owners": map[string]any{"approve": []string{"rev"}}})
		n := e.pushPending(t, admin, "m", []byte("weights"))
		finishJobs(t, e.svc, "scan: truncated pickle")
		if got := analysisOf(t, e, admin, "m", n); got != registry.AnalysisFailed {
			t.Fatalf("analysis %q, want failed", got)
		}
		// A failed analysis is final: the decision goes to the policy.
		e.must(t, 201, admin, "POST", fmt.Sprintf("/api/v1/models/m/versions/%d/requests", n), promote)
	})
}

func decodeBody(t *testing.T, r resp, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("status %d: %v: %s", r.code, err, r.body)
	}
}
