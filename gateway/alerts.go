package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mlsec/mlsec/gateway/logstore"
)

// Alerts are sent in Alertmanager's API v2 shape (POST /api/v2/alerts, a
// JSON list of {labels, annotations, startsAt, endsAt, generatorURL}), so an
// Alertmanager or anything that accepts its alerts can route them. Labels
// hold model, version and route names only.

// amAlert is one Alertmanager alert.
type amAlert struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
}

// Alert names.
const (
	AlertDrift     = "MlsecModelDrift"
	AlertErrorRate = "MlsecGatewayErrorRate"
)

// alerter is the gateway's one alert sender: post makes one attempt;
// window alerts are jobs the queue retries durably, and alerts raised
// between windows (extraction) go through alertAsync, which retries post
// with bounded back-off.
type alerter struct {
	url     string
	errRate float64
	retries int
	backoff time.Duration
	http    *http.Client
}

func newAlerter(c AlertsConfig) *alerter {
	return &alerter{url: strings.TrimRight(c.Alertmanager, "/"), errRate: c.ErrorRate, retries: c.Retries,
		backoff: c.RetryBackoff.D(), http: &http.Client{Timeout: 10 * time.Second}}
}

// maxBackoff caps the wait between two attempts.
const maxBackoff = time.Minute

// alertAsync sends alerts in the background: up to 1 + alerts.retries
// attempts, the n-th retry after alerts.retry_backoff × 2^(n-1) (at most a
// minute), given up when the gateway closes. Each attempt's outcome is
// counted in mlsec_gateway_alerts_total (sent, retry, error: the last
// failed attempt) and a lost alert is logged.
func (g *Gateway) alertAsync(name string, alerts []amAlert) {
	if !g.alerter.enabled() {
		return
	}
	select {
	case <-g.stop:
		return // closing: Close no longer waits for new work
	default:
	}
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		a := g.alerter
		wait := a.backoff
		for attempt := 0; ; attempt++ {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			err := a.post(ctx, alerts)
			cancel()
			if err == nil {
				g.m.alerts.WithLabelValues(name, "sent").Add(float64(len(alerts)))
				return
			}
			if attempt == a.retries {
				g.m.alerts.WithLabelValues(name, "error").Add(float64(len(alerts)))
				g.log.Warn("alert not delivered", slog.String("alert", name), slog.Int("attempts", attempt+1), slog.String("error", err.Error()))
				return
			}
			g.m.alerts.WithLabelValues(name, "retry").Add(float64(len(alerts)))
			t := time.NewTimer(wait)
			select {
			case <-g.stop:
				t.Stop()
				g.m.alerts.WithLabelValues(name, "error").Add(float64(len(alerts)))
				g.log.Warn("alert not delivered: the gateway closed", slog.String("alert", name), slog.Int("attempts", attempt+1), slog.String("error", err.Error()))
				return
			case <-t.C:
			}
			wait = min(2*wait, maxBackoff)
		}
	}()
}

func (a *alerter) enabled() bool { return a.url != "" }

// alertsFor returns the alerts a closed window raises: dataset drift, and
// an error rate above alerts.error_rate. Each lasts one window interval
// past the window's end unless a later window raises it again.
func (a *alerter) alertsFor(w *logstore.Window, rt *route) []amAlert {
	labels := func(name string) map[string]string {
		return map[string]string{"alertname": name, "model": w.Model, "version": strconv.Itoa(w.Version),
			"route": w.Route, "severity": "warning", "source": "mlsec-gateway"}
	}
	ends := w.Closed.Add(time.Hour)
	if rt != nil {
		ends = w.Closed.Add(rt.cfg.Window.Interval.D())
	}
	var out []amAlert
	if w.Drifted {
		var sum windowSummary
		desc := "dataset drift in the window"
		if json.Unmarshal(w.Drift, &sum) == nil && sum.Report != nil {
			r := sum.Report
			desc = fmt.Sprintf("%d of %d columns drifted (share %.2f, threshold %.2f): %s", r.NumberOfDriftedColumns,
				r.NumberOfColumns, r.ShareOfDriftedColumns, r.DriftShare, strings.Join(r.Drifted(), ", "))
		}
		out = append(out, amAlert{Labels: labels(AlertDrift), StartsAt: w.Closed, EndsAt: ends,
			Annotations: map[string]string{"summary": fmt.Sprintf("Model %s version %d: live inputs drifted from the reference", w.Model, w.Version),
				"description": desc + fmt.Sprintf(" (window %s to %s, %d rows)", w.Start.UTC().Format(time.RFC3339), w.End.UTC().Format(time.RFC3339), w.Rows)}})
	}
	if w.Requests > 0 && float64(w.Errors)/float64(w.Requests) > a.errRate {
		out = append(out, amAlert{Labels: labels(AlertErrorRate), StartsAt: w.Closed, EndsAt: ends,
			Annotations: map[string]string{"summary": fmt.Sprintf("Model %s version %d: %d of %d requests failed", w.Model, w.Version, w.Errors, w.Requests),
				"description": fmt.Sprintf("error rate %.3f above alerts.error_rate %.3f in the window %s to %s",
					float64(w.Errors)/float64(w.Requests), a.errRate, w.Start.UTC().Format(time.RFC3339), w.End.UTC().Format(time.RFC3339))}})
	}
	return out
}

// sendWindowAlerts posts a window's alerts (a job: retried on failure).
func (g *Gateway) sendWindowAlerts(ctx context.Context, windowID int64) error {
	w, err := g.store.GetWindow(ctx, windowID)
	if err != nil {
		return err
	}
	alerts := g.alerter.alertsFor(&w, g.byName[w.Route])
	if len(alerts) == 0 {
		return nil
	}
	err = g.alerter.post(ctx, alerts)
	for _, al := range alerts {
		outcome := "sent"
		if err != nil {
			outcome = "error"
		}
		g.m.alerts.WithLabelValues(al.Labels["alertname"], outcome).Inc()
	}
	return err
}

func (a *alerter) post(ctx context.Context, alerts []amAlert) error {
	b, err := json.Marshal(alerts)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.url+"/api/v2/alerts", bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := a.http.Do(req)
	if err != nil {
		return fmt.Errorf("alertmanager: %w", err)
	}
	res.Body.Close()
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("alertmanager: HTTP %d", res.StatusCode)
	}
	return nil
}
