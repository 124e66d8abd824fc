package gateway_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mlsec/mlsec/gateway"
)

// recorder is a Registerer that keeps the names of what it registers, so
// the test sees every metric the gateway defines, including vectors that
// have no sample yet (drift gauges before the first window).
type recorder struct {
	*prometheus.Registry
	names map[string]bool
}

var descName = regexp.MustCompile(`fqName: "([a-zA-Z_:][a-zA-Z0-9_:]*)"`)

func (r *recorder) Register(c prometheus.Collector) error {
	ch := make(chan *prometheus.Desc, 16)
	go func() { c.Describe(ch); close(ch) }()
	for d := range ch {
		if m := descName.FindStringSubmatch(d.String()); m != nil {
			r.names[m[1]] = true
		}
	}
	return r.Registry.Register(c)
}

// TestGrafanaDashboardQueriesGatewayMetrics: the committed dashboard is
// valid JSON and every metric its queries name is one the gateway exports
// (a renamed metric would leave an empty panel), and every metric the
// gateway exports appears on some panel.
func TestGrafanaDashboardQueriesGatewayMetrics(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := parseConfig(t, dir, strings.NewReplacer("{{dsn}}", filepath.Join(dir, "g.db"), "{{upstream}}", "http://127.0.0.1:1").Replace(baseConfig))
	rec := &recorder{Registry: prometheus.NewRegistry(), names: map[string]bool{}}
	g, err := gateway.New(context.Background(), cfg, gateway.WithMetrics(rec, rec))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if len(rec.names) < 10 {
		t.Fatalf("recorded only %v", rec.names)
	}

	b, err := os.ReadFile("grafana/mlsec-gateway.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Title  string `json:"title"`
		Panels []struct {
			Title   string `json:"title"`
			Type    string `json:"type"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("dashboard is not JSON: %v", err)
	}
	metricRef := regexp.MustCompile(`\bmlsec_[a-z_]+`)
	used := map[string]bool{}
	for _, p := range dash.Panels {
		if p.Type != "row" && len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			for _, m := range metricRef.FindAllString(tg.Expr, -1) {
				base := strings.TrimSuffix(m, "_bucket")
				if !rec.names[base] {
					t.Errorf("panel %q queries %s, which the gateway does not export", p.Title, m)
				}
				used[base] = true
			}
		}
	}
	for n := range rec.names {
		if !used[n] && n != "mlsec_drift_threshold" {
			t.Errorf("metric %s is on no panel", n)
		}
	}
}
