package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/gateway"
	"github.com/mlsec/mlsec/internal/schematest"
	"github.com/mlsec/mlsec/registry"
)

// irisUpstream answers KServe v2 requests with a rule-based species.
func irisUpstream(t *testing.T) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Inputs []struct {
				Shape []int     `json:"shape"`
				Data  []float64 `json:"data"`
			} `json:"inputs"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || len(req.Inputs) != 1 {
			w.WriteHeader(400)
			return
		}
		in := req.Inputs[0]
		var out []int
		for i := 0; i+3 < len(in.Data); i += 4 {
			var row [4]float64
			copy(row[:], in.Data[i:i+4])
			s := species(row)
			out = append(out, int(s[0]-'0'))
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"model_name": "iris", "outputs": []any{
			map[string]any{"name": "predict", "shape": []int{len(out)}, "datatype": "INT64", "data": out}}})
	}))
}

func kserveBody(rows [][4]float64) string {
	var data []float64
	for _, r := range rows {
		data = append(data, r[:]...)
	}
	b, _ := json.Marshal(map[string]any{"inputs": []any{map[string]any{"name": "x", "shape": []int{len(rows), 4}, "datatype": "FP64", "data": data}}})
	return string(b)
}

// alertReceiver is a loopback Alertmanager: it records what is POSTed to
// /api/v2/alerts.
type alertReceiver struct {
	*httptest.Server
	mu     sync.Mutex
	alerts []map[string]any
}

func newAlertReceiver(t *testing.T) *alertReceiver {
	ar := &alertReceiver{}
	ar.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != "POST" || r.URL.Path != "/api/v2/alerts" || r.Header.Get("Content-Type") != "application/json" {
			w.WriteHeader(400)
			return
		}
		var as []map[string]any
		if err := json.NewDecoder(r.Body).Decode(&as); err != nil {
			w.WriteHeader(400)
			return
		}
		ar.mu.Lock()
		ar.alerts = append(ar.alerts, as...)
		ar.mu.Unlock()
	}))
	t.Cleanup(ar.Close)
	return ar
}

func (ar *alertReceiver) names() []string {
	ar.mu.Lock()
	defer ar.mu.Unlock()
	var out []string
	for _, a := range ar.alerts {
		l, _ := a["labels"].(map[string]any)
		out = append(out, fmt.Sprint(l["alertname"]))
	}
	return out
}

// TestLiveDrift: a window of traffic like the reference does not drift, a
// shifted one does; each closed window sets the gauges, posts a drift and a
// monitoring record for the served version to the registry, and the
// drifted window fires an Alertmanager alert.
func TestLiveDrift(t *testing.T) {
	ctx := t.Context()
	reg := newRegistry(t)
	up := irisUpstream(t)
	defer up.Close()
	ar := newAlertReceiver(t)
	dir := t.TempDir()
	prof := irisProfile(t, dir, 3000)
	y := withUpstream(baseConfig, up.URL) + `    window: {requests: 400, interval: 1000h}
    drift:
      reference: ` + prof + `
      prediction: species
alerts:
  alertmanager: ` + ar.URL + `
`
	e := newEnv(t, y, envOpts{reg: reg.client(t, "gateway")})
	r := rand.New(rand.NewPCG(7, 8))
	send := func(shift float64) {
		for range 40 {
			rows := make([][4]float64, 10)
			for i := range rows {
				rows[i] = irisRow(r, shift)
			}
			if c, b := e.do("POST", "/v2/models/iris/infer", kserveBody(rows)); c != 200 {
				t.Fatalf("%d %s", c, b)
			}
		}
	}
	// A window closes after 400 requests: 40 batches of 10 rows, then
	// 360 single rows (760 rows).
	send(0)
	e.g.FlushWindows(ctx)
	if ws, err := e.g.CloseWindows(ctx); err != nil || len(ws) != 0 {
		t.Fatalf("a window closed after 40 of 400 requests: %+v %v", ws, err)
	}
	for range 360 {
		e.do("POST", "/v2/models/iris/infer", kserveBody([][4]float64{irisRow(r, 0)}))
	}
	if err := e.g.FlushWindows(ctx); err != nil {
		t.Fatal(err)
	}
	ws, err := e.g.CloseWindows(ctx)
	if err != nil || len(ws) != 1 || ws[0].Requests != 400 || ws[0].Rows != 760 || ws[0].Drifted {
		t.Fatalf("first window: %+v %v", ws, err)
	}
	m := e.exposition()
	if !strings.Contains(m, `mlsec_dataset_drift_share{model="iris",version="1"} 0`) ||
		!strings.Contains(m, `mlsec_drift_score{feature="petal_length",method="`) {
		t.Fatalf("gauges after the first window:\n%s", grepLines(m, "drift"))
	}
	for range 10 {
		send(1.5)
	}
	e.g.FlushWindows(ctx)
	ws, err = e.g.CloseWindows(ctx)
	if err != nil || len(ws) != 1 || !ws[0].Drifted {
		t.Fatalf("shifted window: %+v %v", ws, err)
	}
	m = e.exposition()
	if !strings.Contains(m, `mlsec_drift_detected{feature="sepal_length",method=`) ||
		!strings.Contains(m, `mlsec_dataset_drift_share{model="iris",version="1"} 1`) {
		t.Fatalf("gauges after the shifted window:\n%s", grepLines(m, "drift"))
	}

	// Evidence: two windows, each a drift and a monitoring record, about
	// the served version's digest.
	adm, _ := reg.svc.Authenticate(ctx, reg.tokens["admin"])
	var evs []registry.Evidence
	eventually(t, "four evidence records", func() bool {
		evs, _, err = reg.svc.ListEvidence(ctx, adm, "iris", 1, registry.EvidenceFilter{Page: registry.Page{Limit: 100}})
		if err != nil {
			t.Fatal(err)
		}
		return len(evs) == 4
	})
	drifted := 0
	schema := schematest.Compile(t, "../docs/schemas/evidence.schema.json")
	for _, ev := range evs {
		schematest.Validate(t, schema, ev.Body)
		var rec evidence.Record
		if err := json.Unmarshal(ev.Body, &rec); err != nil {
			t.Fatal(err)
		}
		if err := rec.Validate(); err != nil || rec.Subject.SHA256() != reg.digest {
			t.Fatalf("record %s: %v, subject %s", rec.Type, err, rec.Subject.SHA256())
		}
		res, _ := rec.DecodeResult()
		switch v := res.(type) {
		case *evidence.DriftResult:
			if v.Current.Role != evidence.RoleProduction || !v.Approximate && v.Current.Rows == 0 {
				t.Errorf("drift record %+v", v)
			}
			if v.Drifted {
				drifted++
			}
		case *evidence.MonitoringResult:
			if v.Requests != 400 || v.Errors != 0 || v.Route != "iris" {
				t.Errorf("monitoring record %+v", v)
			}
		default:
			t.Errorf("unexpected record %s", rec.Type)
		}
	}
	if drifted != 1 {
		t.Errorf("%d drifted records, want 1", drifted)
	}
	eventually(t, "the drift alert", func() bool { return len(ar.names()) == 1 })
	if n := ar.names(); n[0] != gateway.AlertDrift {
		t.Errorf("alerts %v", n)
	}
}

// TestErrorRateAlert: a window with failing answers over alerts.error_rate
// fires MlsecGatewayErrorRate at a real loopback receiver.
func TestErrorRateAlert(t *testing.T) {
	n := 0
	var mu sync.Mutex
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		n++
		fail := n%2 == 0
		mu.Unlock()
		if fail {
			w.WriteHeader(500)
		}
		io.WriteString(w, `{}`)
	}))
	defer up.Close()
	ar := newAlertReceiver(t)
	y := withUpstream(baseConfig, up.URL) + `    window: {requests: 10, interval: 1000h}
alerts:
  alertmanager: ` + ar.URL + `
  error_rate: 0.2
`
	e := newEnv(t, y, envOpts{})
	for range 10 {
		e.do("POST", "/v2/models/iris/infer", `{}`)
	}
	e.g.FlushWindows(context.Background())
	if _, err := e.g.CloseWindows(context.Background()); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the error-rate alert", func() bool { return len(ar.names()) == 1 })
	if ar.names()[0] != gateway.AlertErrorRate {
		t.Errorf("alerts %v", ar.names())
	}
	if !strings.Contains(e.exposition(), `mlsec_gateway_window_error_rate{model="iris",version="1"} 0.5`) {
		t.Error("error rate gauge")
	}
}
