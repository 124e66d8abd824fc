package modelclient_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mlsec/mlsec/modelclient"
	"github.com/mlsec/mlsec/modelclient/modeltest"
)

var model = modeltest.Linear{W: []float64{1, -2}, B: 0.5}

var rows = [][]float64{{0, 0}, {0, 1}, {3, 1}, {-1, 0}}

// want are model's labels for rows: sign of x0 - 2 x1 + 0.5.
var want = []string{"1", "0", "1", "0"}

func client(t *testing.T, srv *modeltest.Server, cfg modelclient.Config) *modelclient.Client {
	t.Helper()
	cfg.Endpoint = srv.URL
	if cfg.Protocol == "" {
		cfg.Protocol = modelclient.KServeV2
	}
	if cfg.Model == "" {
		cfg.Model = "m"
	}
	cfg.Columns = []string{"a", "b"}
	c, err := modelclient.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func template(t *testing.T) *modelclient.Template {
	return &modelclient.Template{Path: "/custom/predict", Request: json.RawMessage(`{"rows": "$rows", "n": "$n"}`),
		Labels: "result.labels", Scores: "result.probs"}
}

func TestProtocolsRoundTrip(t *testing.T) {
	t.Parallel()
	srv := modeltest.NewServer(model)
	defer srv.Close()
	for _, tc := range []struct {
		name       string
		cfg        modelclient.Config
		labels     []string
		withScores bool
	}{
		{"kserve-v2", modelclient.Config{Protocol: modelclient.KServeV2}, want, true},
		{"kserve-v2 version FP32", modelclient.Config{Protocol: modelclient.KServeV2, Version: "3", Datatype: "FP32"}, want, true},
		{"kserve-v2 named outputs", modelclient.Config{Protocol: modelclient.KServeV2, LabelOutput: "predict", ScoresOutput: "predict_proba"}, want, true},
		{"mlflow dataframe_split", modelclient.Config{Protocol: modelclient.MLflow}, want, false},
		{"mlflow inputs", modelclient.Config{Protocol: modelclient.MLflow, Format: "inputs"}, want, false},
		{"tfserving scores", modelclient.Config{Protocol: modelclient.TFServing}, want, true},
		{"json template", modelclient.Config{Protocol: modelclient.JSON, Template: template(t)},
			[]string{"class-1", "class-0", "class-1", "class-0"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := client(t, srv, tc.cfg)
			ps, err := c.Predict(context.Background(), rows)
			if err != nil {
				t.Fatal(err)
			}
			for i, p := range ps {
				if p.Label != tc.labels[i] {
					t.Errorf("row %d: label %q, want %q", i, p.Label, tc.labels[i])
				}
				if tc.withScores != (p.Scores != nil) {
					t.Errorf("row %d: scores %v, want present=%v", i, p.Scores, tc.withScores)
				}
				if p.Scores != nil {
					_, s := model.Predict(rows[i])
					if d := p.Scores[1] - s[1]; d > 1e-6 || d < -1e-6 {
						t.Errorf("row %d: P(1) %v, want %v", i, p.Scores[1], s[1])
					}
				}
			}
			if st := c.Stats(); st.Queries != 4 || st.Requests != 1 {
				t.Errorf("stats %+v, want 4 queries in 1 request", st)
			}
		})
	}
}

func TestBatchingAndConcurrency(t *testing.T) {
	t.Parallel()
	srv := modeltest.NewServer(model)
	defer srv.Close()
	c := client(t, srv, modelclient.Config{BatchSize: 3, Concurrency: 2})
	big := make([][]float64, 100)
	for i := range big {
		big[i] = rows[i%4]
	}
	ps, err := c.Predict(context.Background(), big)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range ps {
		if p.Label != want[i%4] {
			t.Fatalf("row %d: %q, want %q (batches reassembled out of order?)", i, p.Label, want[i%4])
		}
	}
	if st := c.Stats(); st.Requests != 34 || st.Queries != 100 || srv.Rows.Load() != 100 {
		t.Errorf("stats %+v, server rows %d; want 34 requests of ≤3 rows, 100 queries", st, srv.Rows.Load())
	}
}

func TestErrorsAreTyped(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		faults   modeltest.Faults
		cfg      modelclient.Config
		kind     error
		attempts int
		msg      string
	}{
		{"server error retried then fails", modeltest.Faults{FailFirst: 100}, modelclient.Config{Retries: 2}, modelclient.ErrServer, 3, "HTTP 503"},
		{"client error not retried", modeltest.Faults{FailFirst: 100, FailStatus: 400}, modelclient.Config{}, modelclient.ErrRejected, 1, "injected failure"},
		{"500 not retried", modeltest.Faults{FailFirst: 100, FailStatus: 500}, modelclient.Config{}, modelclient.ErrServer, 1, "HTTP 500"},
		{"slower than the timeout", modeltest.Faults{Delay: 2 * time.Second}, modelclient.Config{Timeout: 50 * time.Millisecond, Retries: -1}, modelclient.ErrTimeout, 1, "no answer within 50ms"},
		{"wrong count", modeltest.Faults{WrongCount: true}, modelclient.Config{}, modelclient.ErrShape, 0, "for 4 inputs"},
		{"wrong type", modeltest.Faults{WrongType: true}, modelclient.Config{}, modelclient.ErrShape, 0, "datatype FP64 but a string"},
		{"not JSON", modeltest.Faults{NotJSON: true}, modelclient.Config{}, modelclient.ErrMalformed, 0, "not a KServe v2 inference response"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := modeltest.NewServer(model)
			defer srv.Close()
			srv.SetFaults(tc.faults)
			c := client(t, srv, tc.cfg)
			_, err := c.Predict(context.Background(), rows)
			if !errors.Is(err, tc.kind) {
				t.Fatalf("err = %v, want kind %v", err, tc.kind)
			}
			var e *modelclient.Error
			if !errors.As(err, &e) || !strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), srv.URL) {
				t.Errorf("error %q should name the request and say %q", err, tc.msg)
			}
			if tc.attempts > 0 && e.Attempts != tc.attempts {
				t.Errorf("attempts %d, want %d", e.Attempts, tc.attempts)
			}
		})
	}
}

func TestRetryRecovers(t *testing.T) {
	t.Parallel()
	srv := modeltest.NewServer(model)
	defer srv.Close()
	srv.SetFaults(modeltest.Faults{FailFirst: 2, FailStatus: 502})
	c := client(t, srv, modelclient.Config{Retries: 2})
	ps, err := c.Predict(context.Background(), rows)
	if err != nil || ps[0].Label != "1" {
		t.Fatalf("Predict = %v, %v", ps, err)
	}
	if st := c.Stats(); st.Requests != 3 || st.Retries != 2 || st.Failures != 2 || st.Queries != 12 {
		t.Errorf("stats %+v: want 3 requests, 2 retries, 2 failures and 12 queries (retries count)", st)
	}
}

func TestEndpointDown(t *testing.T) {
	t.Parallel()
	srv := modeltest.NewServer(model)
	url := srv.URL
	srv.Close()
	c, err := modelclient.New(modelclient.Config{Endpoint: url, Protocol: modelclient.MLflow, Columns: []string{"a", "b"}, Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Predict(context.Background(), rows)
	if !errors.Is(err, modelclient.ErrUnavailable) || !strings.Contains(err.Error(), "unreachable") {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
}

func TestCanceledIsNotTimeout(t *testing.T) {
	t.Parallel()
	srv := modeltest.NewServer(model)
	defer srv.Close()
	srv.SetFaults(modeltest.Faults{Delay: 5 * time.Second})
	c := client(t, srv, modelclient.Config{Timeout: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.Predict(ctx, rows)
	if !errors.Is(err, modelclient.ErrCanceled) || errors.Is(err, modelclient.ErrTimeout) {
		t.Fatalf("err = %v, want ErrCanceled (the caller gave up), not ErrTimeout", err)
	}
}

func TestBudgetRefusesBeforeSending(t *testing.T) {
	t.Parallel()
	srv := modeltest.NewServer(model)
	defer srv.Close()
	c := client(t, srv, modelclient.Config{Budget: 6})
	if _, err := c.Predict(context.Background(), rows); err != nil {
		t.Fatal(err)
	}
	if got := c.Remaining(); got != 2 {
		t.Fatalf("Remaining = %d, want 2", got)
	}
	_, err := c.Predict(context.Background(), rows)
	if !errors.Is(err, modelclient.ErrBudget) {
		t.Fatalf("err = %v, want ErrBudget", err)
	}
	if srv.Rows.Load() != 4 {
		t.Errorf("server saw %d rows; the over-budget request must not be sent", srv.Rows.Load())
	}
}

func TestDecorators(t *testing.T) {
	t.Parallel()
	var auth atomic.Value
	srv := modeltest.NewServer(model)
	defer srv.Close()
	inner := modelclient.RoundTripperFunc(func(r *http.Request) (*http.Response, error) {
		auth.Store(r.Header.Get("Authorization"))
		return http.DefaultTransport.RoundTrip(r)
	})
	var lat modelclient.Latencies
	var statuses atomic.Int64
	rt := modelclient.Observe(modelclient.WithHeader(inner, http.Header{"Authorization": {"Bearer t0k"}}), func(e modelclient.Exchange) {
		lat.Observe(e)
		statuses.Add(int64(e.Status))
	})
	c := client(t, srv, modelclient.Config{Transport: rt, BatchSize: 2})
	if _, err := c.Predict(context.Background(), rows); err != nil {
		t.Fatal(err)
	}
	if auth.Load() != "Bearer t0k" {
		t.Errorf("Authorization = %v", auth.Load())
	}
	if lat.Count() != 2 || statuses.Load() != 400 || lat.Quantile(0.5) <= 0 {
		t.Errorf("observed %d exchanges, status sum %d, p50 %v", lat.Count(), statuses.Load(), lat.Quantile(0.5))
	}
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cfg modelclient.Config
		msg string
	}{
		{modelclient.Config{Endpoint: "ftp://x", Protocol: modelclient.MLflow}, "want http(s)"},
		{modelclient.Config{Endpoint: "http://x", Protocol: "grpc"}, "protocol \"grpc\""},
		{modelclient.Config{Endpoint: "http://x", Protocol: modelclient.KServeV2}, "needs the model name"},
		{modelclient.Config{Endpoint: "http://x", Protocol: modelclient.MLflow}, "needs the column names"},
		{modelclient.Config{Endpoint: "http://x", Protocol: modelclient.JSON}, "needs a template"},
		{modelclient.Config{Endpoint: "http://x", Protocol: modelclient.JSON, Template: &modelclient.Template{Path: "/p", Request: json.RawMessage(`{"x": 1}`), Labels: "y"}}, "no \"$rows\""},
		{modelclient.Config{Endpoint: "http://x", Protocol: modelclient.KServeV2, Model: "m", Datatype: "INT8"}, "want FP64 or FP32"},
	} {
		if _, err := modelclient.New(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("New(%+v) = %v, want %q", tc.cfg, err, tc.msg)
		}
	}
}

func TestNonFiniteInputRefused(t *testing.T) {
	t.Parallel()
	srv := modeltest.NewServer(model)
	defer srv.Close()
	c := client(t, srv, modelclient.Config{})
	_, err := c.Predict(context.Background(), [][]float64{{1, 2}, {3, nanValue()}})
	if err == nil || !strings.Contains(err.Error(), "row 1 column 1") {
		t.Fatalf("err = %v", err)
	}
	if srv.Requests.Load() != 0 {
		t.Error("a row with NaN must not be sent")
	}
}

func nanValue() float64 { z := 0.0; return z / z }
