package cli

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mlsec/mlsec/internal/sklearnserver"
	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/client"
)

// startIrisServer runs examples/sklearn-server/serve.py (its iris model,
// a scikit-learn LogisticRegression, on KServe v2 and, with --mlflow-model
// iris, MLflow) and returns its base URL.
func startIrisServer(t *testing.T) string {
	t.Helper()
	return sklearnserver.StartT(t, "--mlflow-model", "iris")
}

// exportIris writes the iris training table (CSV) and the fitted
// coefficients as a model directory (dir/model.json) for mlsec push.
func exportIris(t *testing.T, train, modelDir string) {
	t.Helper()
	sklearnserver.RunT(t, "--model", "iris", "--export-train", train, "--export-model", modelDir)
}

var cliTokenRE = regexp.MustCompile(`mlsec_[0-9a-f]{64}`)

func createToken(t *testing.T, name, role string) string {
	t.Helper()
	code, out, errb := runCLI("token", "create", name, "--role", role)
	tok := cliTokenRE.FindString(out + errb)
	if code != 0 || tok == "" {
		t.Fatalf("token create %s: %d %s %s", name, code, out, errb)
	}
	return tok
}

// TestGatewayEndToEnd is the README walkthrough as a test: a real
// scikit-learn model server, the registry, 'mlsec push', 'mlsec drift
// profile', the gateway with the example configuration, requests with
// personal data, then redacted logs through 'mlsec logs', drift and PII
// counters on /metrics, drift evidence on the served version in 'mlsec
// report', and expired logs deleted and audited.
func TestGatewayEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Python model server")
	}
	upstream := startIrisServer(t)
	dir := t.TempDir()
	exportIris(t, filepath.Join(dir, "iris-train.csv"), filepath.Join(dir, "iris-model"))
	_, regURL, _ := clientEnv(t)
	if code, out, errb := runCLI("push", filepath.Join(dir, "iris-model"), "--model", "iris"); code != 0 {
		t.Fatalf("push: %s %s", out, errb)
	}
	gwTok, audTok, revTok := createToken(t, "gateway", "maintainer"), createToken(t, "aud", "auditor"), createToken(t, "rev", "reviewer")
	prof := filepath.Join(dir, "iris-profile.json")
	if code, out, errb := runCLI("drift", "profile", filepath.Join(dir, "iris-train.csv"), "-o", prof); code != 0 {
		t.Fatalf("drift profile: %s %s", out, errb)
	}
	keyFile := filepath.Join(dir, "pii.key")
	os.WriteFile(keyFile, []byte(base64.StdEncoding.EncodeToString([]byte("an example key of 32 bytes long!"))), 0o600)

	// The README's example configuration, pointed at this test's servers
	// and files, with a short retention and small windows.
	b, err := os.ReadFile("../../../../gateway/testdata/gateway.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := string(b)
	for from, to := range map[string]string{
		"listen: 127.0.0.1:8088":              "listen: 127.0.0.1:0",
		"url: http://127.0.0.1:8080":          "url: " + regURL,
		"token_env: MLSEC_TOKEN":              "token_env: GATEWAY_REGISTRY_TOKEN",
		"database: gateway-data/gateway.db":   "database: " + filepath.Join(dir, "gateway.db"),
		"sweep_interval: 1m":                  "sweep_interval: 1s",
		"key_file: pii.key":                   "key_file: " + keyFile,
		"http://127.0.0.1:8081":               upstream,
		"alertmanager: http://127.0.0.1:9093": "alertmanager: ''",
		"retention: 30d":                      "retention: 4s",
		"requests: 1000":                      "requests: 50",
		"reference: iris-profile.json":        "reference: " + prof,
	} {
		if !strings.Contains(cfg, from) {
			t.Fatalf("the example configuration no longer has %q", from)
		}
		cfg = strings.ReplaceAll(cfg, from, to)
	}
	cfgPath := filepath.Join(dir, "gateway.yaml")
	os.WriteFile(cfgPath, []byte(cfg), 0o600)
	t.Setenv("GATEWAY_REGISTRY_TOKEN", gwTok)
	ctx, cancel := context.WithCancel(context.Background())
	stderr := &syncBuffer{}
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- runGateway(ctx, gatewayFlags{config: cfgPath, debug: true}, stderr, ready) }()
	var gw string
	select {
	case addr := <-ready:
		gw = "http://" + addr
	case err := <-done:
		t.Fatalf("gateway: %v\n%s", err, stderr.String())
	}
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("gateway stop: %v", err)
		}
		if t.Failed() {
			t.Logf("gateway log:\n%s", firstN(stderr.String(), 4000))
		}
	}()

	const demoKey = "mlsgw_demo_readme_key_change_me"
	post := func(path, body string) string {
		req, _ := http.NewRequest("POST", gw+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+demoKey)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		out, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, res.StatusCode, out)
		}
		return string(out)
	}
	r := rand.New(rand.NewPCG(5, 6))
	row := func(shift float64) []float64 {
		return []float64{5.8 + r.NormFloat64()*0.8, 3.0 + r.NormFloat64()*0.4, 3.7 + shift + r.NormFloat64()*1.7, 1.2 + shift/2 + r.NormFloat64()*0.7}
	}
	kserve := func(shift float64) string {
		var data []float64
		for range 4 {
			data = append(data, row(shift)...)
		}
		b, _ := json.Marshal(map[string]any{"inputs": []any{map[string]any{"name": "x", "shape": []int{4, 4}, "datatype": "FP64", "data": data}},
			"parameters": map[string]string{"user": "Maria Schmidt <maria.schmidt@example.com>, card 4111 1111 1111 1111"}})
		return string(b)
	}
	for range 50 {
		if out := post("/v2/models/iris/infer", kserve(0)); !strings.Contains(out, `"predict"`) {
			t.Fatalf("answer %s", out)
		}
	}
	rec := map[string]any{"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2, "email": "maria.schmidt@example.com"}
	b, _ = json.Marshal(map[string]any{"dataframe_records": []any{rec}})
	if out := post("/iris/invocations", string(b)); out != `{"predictions": [0]}` {
		t.Fatalf("mlflow answer %s", out)
	}
	// Drift evidence for version 1, posted by a River job once the window
	// of 50 requests closes; then a shifted window.
	cl, _ := client.New(regURL, audTok)
	driftRecords := func(n int) func() bool {
		return func() bool {
			evs, err := cl.ListEvidence(ctx, "iris", 1, client.EvidenceQuery{Type: "drift"})
			if err != nil {
				t.Fatal(err)
			}
			return len(evs.Items) >= n
		}
	}
	eventually(t, "the first drift record", 60*time.Second, driftRecords(1))
	for range 50 {
		post("/v2/models/iris/infer", kserve(3))
	}
	eventually(t, "the second drift record", 60*time.Second, driftRecords(2))
	code, out, errb := runCLI("report", "iris", "--format", "json")
	if code != 0 {
		t.Fatalf("report: %s %s", out, errb)
	}
	var rep struct {
		Versions []struct {
			Number int `json:"number"`
			Drift  *struct {
				Summary string `json:"summary"`
			} `json:"drift"`
		} `json:"versions"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Versions) == 0 || rep.Versions[0].Drift == nil {
		t.Fatalf("report versions: %s", out)
	}
	if s := rep.Versions[0].Drift.Summary; !strings.Contains(s, "petal_length") {
		t.Errorf("report drift summary %q", s)
	}

	// Metrics: drift per column and PII per type.
	res, err := http.Get(gw + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	mb, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{`mlsec_drift_score{feature="petal_length"`, `mlsec_drift_detected{feature="petal_length"`,
		`mlsec_gateway_pii_redactions_total{entity="EMAIL_ADDRESS",route="iris"} 100`, `mlsec_gateway_pii_redactions_total{entity="EMAIL_ADDRESS",route="iris-mlflow"} 1`} {
		if !strings.Contains(string(mb), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	// Logs: redacted for the auditor, refused to a reviewer.
	code, out, errb = runCLI("logs", "iris", "--gateway", gw, "--token", audTok, "--format", "json")
	if code != 0 || !strings.Contains(out, "<EMAIL_ADDRESS_") || !strings.Contains(out, "<ENC:PERSON:") || !strings.Contains(out, "1111") {
		t.Fatalf("logs: %d %s %s", code, firstN(out, 600), errb)
	}
	if code, _, errb := runCLI("logs", "iris", "--gateway", gw, "--token", revTok); code != 1 || !strings.Contains(errb, "auditor") {
		t.Errorf("reviewer: %d %s", code, errb)
	}

	// Retention: the iris route keeps records 4 s; the sweeper deletes
	// them and the registry's audit log says how many.
	adm, _ := client.New(regURL, os.Getenv("MLSEC_TOKEN"))
	var deleted int
	eventually(t, "audited retention deletions", 60*time.Second, func() bool {
		evs, err := adm.ListAudit(ctx, registry.Page{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		deleted = 0
		for _, ev := range evs.Items {
			var p struct{ Title string }
			if ev.Action == "record.add" && json.Unmarshal(ev.Payload, &p) == nil && strings.HasPrefix(p.Title, "gateway retention: deleted") {
				var n int
				fmt.Sscanf(strings.TrimPrefix(p.Title, "gateway retention: deleted "), "%d", &n)
				deleted += n
			}
		}
		return deleted == 100
	})
	code, out, _ = runCLI("logs", "iris", "--gateway", gw, "--token", audTok, "--format", "json")
	if code != 0 || strings.Count(out, "\n") != 1 { // only the MLflow record (7d) is left
		t.Errorf("after retention: %d records:\n%s", strings.Count(out, "\n"), firstN(out, 400))
	}

	// Nothing unredacted in what the gateway wrote.
	written := stderr.String() + string(mb)
	for _, f := range []string{"gateway.db", "gateway.db-wal"} {
		b, _ := os.ReadFile(filepath.Join(dir, f))
		written += string(b)
	}
	for _, s := range []string{"maria.schmidt", "Maria Schmidt", "4111 1111 1111 1111", "4111111111111111"} {
		if strings.Contains(written, s) {
			t.Errorf("the gateway wrote %q", s)
		}
	}
}

func eventually(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func firstN(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
