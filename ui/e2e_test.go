package ui_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mlsec/mlsec/audit"
	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/internal/browsertest"
	"github.com/mlsec/mlsec/policy"
	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/blob"
	"github.com/mlsec/mlsec/registry/policyeval"
	"github.com/mlsec/mlsec/registry/server"
	"github.com/mlsec/mlsec/registry/server/session"
	"github.com/mlsec/mlsec/registry/store"
	"github.com/mlsec/mlsec/registry/worker"
	"github.com/mlsec/mlsec/ui"
)

// registryServer is mlsec serve's handler on loopback over SQLite, with
// the Merkle audit log, a policy that denies only failing tests, and the
// web UI.
type registryServer struct {
	url   string
	svc   *registry.Service
	db    registry.Store
	admin string
}

func newRegistryServer(t testing.TB) *registryServer {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	rego := "package mlsec.gate\n\nimport rego.v1\n\ndeny contains \"T-001\" if {\n\tsome e in input.evidence\n\te.type == \"test\"\n\te.result.failed > 0\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "gate.rego"), []byte(rego), 0o600); err != nil {
		t.Fatal(err)
	}
	eng, err := policyeval.New(ctx, policy.Options{Dirs: []string{dir}, NoDefault: true})
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, filepath.Join(dir, "registry.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	bs, err := blob.Open(ctx, filepath.Join(dir, "blobs"), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	skey, _, err := audit.GenerateKey("test/audit")
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := audit.NewSigner(skey)
	svc := registry.NewService(db, registry.WithPolicy(eng), registry.WithAuditor(registry.NewMerkleAuditor(signer)),
		registry.WithSecretKey(make([]byte, registry.SecretKeySize)))
	sessions := session.New(session.Config{Check: svc.Reauthenticate})
	pages, err := ui.New(ui.Config{Service: svc, Sessions: sessions})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.New(server.Config{Service: svc, Blobs: bs, Logger: slog.New(slog.DiscardHandler),
		Pages: pages, Sessions: sessions}))
	t.Cleanup(srv.Close)
	// The worker analyses pushed versions, as in mlsec serve: a decision
	// waits for the analysis (server.Config.AnalysisWait).
	if err := os.MkdirAll(filepath.Join(dir, "work"), 0o700); err != nil {
		t.Fatal(err)
	}
	pool := worker.New(worker.Config{Service: svc, Blobs: bs, Logger: slog.New(slog.DiscardHandler), Workers: 1, Lease: time.Minute,
		Poll: 20 * time.Millisecond, TempDir: filepath.Join(dir, "work")})
	wctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); pool.Run(wctx) }()
	t.Cleanup(func() { stop(); <-done })
	admin, _, err := svc.Bootstrap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return &registryServer{url: srv.URL, svc: svc, db: db, admin: admin}
}

// api calls the REST API as token and fails the test on an error status.
func (s *registryServer) api(t testing.TB, token, method, path string, body any) []byte {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, s.url+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, out)
	}
	return out
}

func (s *registryServer) token(t testing.TB, name, role string) string {
	var ct registry.CreatedToken
	json.Unmarshal(s.api(t, s.admin, "POST", "/api/v1/tokens", map[string]any{"name": name, "role": role}), &ct)
	return ct.Secret
}

func sum(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// pushVersion creates, uploads and finalizes a version of model.
func (s *registryServer) pushVersion(t testing.TB, token, model string, files map[string][]byte) registry.Version {
	t.Helper()
	var arts []map[string]any
	for p, b := range files {
		arts = append(arts, map[string]any{"path": p, "size": len(b), "sha256": sum(b)})
	}
	var v registry.Version
	json.Unmarshal(s.api(t, token, "POST", "/api/v1/models/"+model+"/versions", map[string]any{"artifacts": arts}), &v)
	for _, b := range files {
		s.api(t, token, "PUT", "/api/v1/blobs/"+sum(b), b)
	}
	json.Unmarshal(s.api(t, token, "POST", fmt.Sprintf("/api/v1/models/%s/versions/%d/finalize", model, v.Number), nil), &v)
	return v
}

// seed is the registry of the README's governance walkthrough: a model
// with a scanned, lineage-linked version, owners, and a promotion to
// production requested by alice, which bob must approve.
type seed struct {
	alice, bob, auditor string
	request             int64
}

func seedRegistry(t testing.TB, s *registryServer) seed {
	t.Helper()
	sd := seed{alice: s.token(t, "alice", "maintainer"), bob: s.token(t, "bob", "reviewer"), auditor: s.token(t, "audrey", "auditor")}
	s.api(t, s.admin, "POST", "/api/v1/models", map[string]any{"name": "fraud-detector", "team": "risk", "description": "Flags card payments that look fraudulent.", "tags": []string{"payments"}})
	s.api(t, s.admin, "PATCH", "/api/v1/models/fraud-detector/owners", map[string]any{"owners": map[string]any{"train": []string{"alice"}, "approve": []string{"bob"}}})
	data := sum([]byte("transactions-2026-q3"))
	s.api(t, s.admin, "POST", "/api/v1/datasets", map[string]any{"name": "transactions-q3", "digest": data, "team": "risk", "owner": "alice", "description": "Card transactions, Q3 2026 (pseudonymised)"})
	v := s.pushVersion(t, sd.alice, "fraud-detector", map[string][]byte{"weights.bin": []byte("weights"), "config.json": []byte("{}")})
	scan, err := evidence.New(evidence.TypeScan, evidence.NewSubject("fraud-detector", v.Digest), "test", time.Now(), evidence.ScanResult{
		Summary: map[string]int{"medium": 1}, MaxSeverity: "medium", FilesScanned: 2,
		Findings: []evidence.ScanFinding{{RuleID: "MLSEC-PKL-010", Severity: "medium", Path: "config.json", Message: "An unusual key is present; a person should look at it."}}})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	evidence.Write(&b, scan)
	s.api(t, sd.alice, "POST", "/api/v1/models/fraud-detector/versions/1/evidence", b.Bytes())
	dpd, passed := 0.04, true
	fair, err := evidence.New(evidence.TypeFairness, evidence.NewSubject("fraud-detector", v.Digest), "test", time.Now(), evidence.FairnessResult{
		SensitiveAttributes: []string{"age_band"}, Dataset: "holdout-q3",
		Metrics: []evidence.FairnessMetric{{Name: "demographic_parity_difference", Method: "between_groups", Value: &dpd, Passed: &passed}}})
	if err != nil {
		t.Fatal(err)
	}
	b.Reset()
	evidence.Write(&b, fair)
	s.api(t, sd.alice, "POST", "/api/v1/models/fraud-detector/versions/1/evidence", b.Bytes())
	// Drift checks of v1 and of a retrained v2 (the model page's trend).
	v2 := s.pushVersion(t, sd.alice, "fraud-detector", map[string][]byte{"weights.bin": []byte("weights, retrained"), "config.json": []byte("{}")})
	for _, c := range []struct {
		v     registry.Version
		share float64
	}{{v, 0.1}, {v2, 0.4}} {
		rec, err := evidence.New(evidence.TypeDrift, evidence.NewSubject("fraud-detector", c.v.Digest), "test", time.Now(), evidence.DriftResult{
			Metric: evidence.DriftMetricShare, Value: c.share, Threshold: 0.3, Drifted: c.share >= 0.3, NumberOfColumns: 10, NumberOfDriftedColumns: int(c.share * 10)})
		if err != nil {
			t.Fatal(err)
		}
		b.Reset()
		evidence.Write(&b, rec)
		s.api(t, sd.alice, "POST", fmt.Sprintf("/api/v1/models/fraud-detector/versions/%d/evidence", c.v.Number), b.Bytes())
	}
	s.api(t, sd.alice, "POST", "/api/v1/models/fraud-detector/versions/1/lineage", map[string]any{"kind": "trained_on", "target": data})
	s.api(t, sd.alice, "POST", "/api/v1/models/fraud-detector/versions/1/lineage", map[string]any{"kind": "produced_by", "target": "https://ci.example/runs/42"})
	var d registry.DecisionRequest
	json.Unmarshal(s.api(t, sd.alice, "POST", "/api/v1/models/fraud-detector/versions/1/requests",
		map[string]any{"action": "promote", "stage": "production", "rationale": "Passed the Q3 review."}), &d)
	sd.request = d.ID
	return sd
}

// TestBrowser drives the UI in headless Chromium: sign in, every page,
// separation of duties, approval, the audit entry, verify now, a proof,
// sign-out; no console errors (CSP violations included) anywhere.
func TestBrowser(t *testing.T) {
	bin := browsertest.Chromium(t)
	s := newRegistryServer(t)
	sd := seedRegistry(t, s)
	shots := os.Getenv("MLSEC_UI_SCREENSHOTS")
	if shots != "" {
		if err := os.MkdirAll(shots, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	b := browsertest.Start(t, bin, 3*time.Minute)
	ctx := b.Ctx
	// Every console message, exception and browser log entry (CSP
	// violations are "security" errors) of the whole session.
	var mu sync.Mutex
	var problems []string
	console := chromedp.Console(ctx)
	consoleDone := make(chan struct{})
	go func() {
		defer close(consoleDone)
		for m, err := range console {
			if err != nil {
				return
			}
			// 401/403 answers the test provokes on purpose are network
			// errors, not page errors.
			if (m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException) && m.Source != "network" {
				mu.Lock()
				problems = append(problems, fmt.Sprintf("console %s %s: %s (%s)", m.Type, m.Source, m.Text, m.URL))
				mu.Unlock()
			}
		}
	}()
	run, text := b.Do, b.Text
	shot := func(name string) {
		t.Helper()
		if shots == "" {
			return
		}
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	contains := func(sel, want string) {
		t.Helper()
		if got := text(sel); !strings.Contains(got, want) {
			t.Errorf("%s: %q does not contain %q", sel, got, want)
		}
	}
	visible := func(sel string) chromedp.Action[chromedp.Void] { return chromedp.WaitVisible(chromedp.CSS(sel)) }
	click := func(sel string) chromedp.Action[chromedp.Void] { return chromedp.Click(chromedp.CSS(sel)) }
	submitToken := func(token string) {
		t.Helper()
		run("sign in", visible("#token"), chromedp.SendKeys(chromedp.CSS("#token"), token), chromedp.Submit(chromedp.CSS("#token")), visible("form.signout button"))
	}
	signIn := func(token string) {
		t.Helper()
		run("sign-in page", chromedp.Navigate(s.url+"/signin"))
		submitToken(token)
	}
	signOut := func() {
		t.Helper()
		run("sign out", click("form.signout button"), visible("#token"))
	}

	// No page without a session: the browser lands on the sign-in form.
	run("models without a session", chromedp.Navigate(s.url+"/models/fraud-detector"), visible("#token"))
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(loc, "/signin?next=") {
		t.Errorf("without a session: %s", loc)
	}
	shot("signin")

	// alice asked for the promotion: she sees every page, and may not
	// approve her own request.
	submitToken(sd.alice)
	contains("main h1", "fraud-detector") // next= brought her back to the model
	contains("main", "Passed the Q3 review.")
	contains("main", "bob")
	contains(".charts figure svg", "demographic_parity_difference") // the fairness trend, drawn by the server
	// The drift trend: a chart with its title, threshold and text
	// alternative (every version's value), explained in words below.
	contains("#drift-trend svg title", "Share of columns that drifted, by version")
	contains("#drift-trend svg desc", "10%")
	contains("#drift-trend svg desc", "40%")
	contains("#drift-trend svg", "drift threshold (30%)")
	contains("#drift-trend figcaption", "The red line is the threshold")
	shot("model")
	run("models", chromedp.Navigate(s.url+"/models"), visible(`tr[data-model="fraud-detector"]`))
	contains(`tr[data-model="fraud-detector"]`, "risk")
	contains(`tr[data-model="fraud-detector"]`, "failing") // the server's scan could not fully check weights.bin: fail closed
	shot("models")
	run("version", chromedp.Navigate(s.url+"/models/fraud-detector/versions/1"), visible("#scan-summary"))
	contains("#scan-summary", "medium")
	contains("main", "FMT003") // the server's own scan (newest) decides
	contains("main", "weights.bin")
	contains("svg.lineage", "https://ci.example/runs/42")
	// What it is built on: the dataset entry has no version, so nobody
	// approved it, and the page says so.
	contains("#training-data", "transactions-q3")
	contains("#training-data td.approval", "no approvable version")
	contains("#training-data td.concern", "Not approved")
	shot("version")
	// Her own request does not wait for her; "all pending" shows it, with
	// the service's reason.
	run("decisions waiting for alice", chromedp.Navigate(s.url+"/decisions"), visible(".inbox-filter"))
	contains(`.inbox-filter a[aria-current="page"]`, "Waiting for me")
	contains("main", "Nothing is waiting for you")
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("article.request").length`)); err != nil || n != 0 {
		t.Errorf("alice's inbox shows %d requests (%v), want none", n, err)
	}
	run("all pending", click(`.inbox-filter a[href="/decisions?show=all"]`), visible(fmt.Sprintf("#request-%d", sd.request)))
	contains(`.inbox-filter a[aria-current="page"]`, "All pending")
	contains(fmt.Sprintf("#request-%d", sd.request), "You asked for this")
	contains(fmt.Sprintf("#request-%d", sd.request), "allowed")
	run("approve own request", click(fmt.Sprintf(`#request-%d button[value="approve"]`, sd.request)), visible("p.error"))
	contains("main h1", "403")
	contains("main", "alice")
	run("datasets", chromedp.Navigate(s.url+"/datasets"), visible(`tr[data-dataset="transactions-q3"]`))
	contains(`tr[data-dataset="transactions-q3"] td.trained-on a[href="/models/fraud-detector/versions/1"]`, "fraud-detector v1")
	shot("datasets")
	run("report", chromedp.Navigate(s.url+"/models/fraud-detector/report"), visible("h1"))
	contains("body", "fraud-detector")
	shot("report")
	run("audit as a maintainer", chromedp.Navigate(s.url+"/audit"), visible("main h1"))
	contains("main h1", "403")
	signOut()

	// bob is the approver.
	signIn(sd.bob)
	run("decisions", chromedp.Navigate(s.url+"/decisions"), visible(fmt.Sprintf("#request-%d", sd.request)))
	contains(fmt.Sprintf("#request-%d", sd.request), "Waiting for your vote")
	shot("decisions")
	run("approve", chromedp.SendKeys(chromedp.CSS(fmt.Sprintf("#comment-%d", sd.request)), "Reviewed the scan finding: benign."),
		click(fmt.Sprintf(`#request-%d button[value="approve"]`, sd.request)),
		visible(".flash"))
	contains(".flash", "executed")
	v, _, err := s.svc.GetVersion(context.Background(), registry.System, "fraud-detector", 1)
	if err != nil || v.Stage != registry.StageProduction {
		t.Errorf("after approval: stage %s, %v", v.Stage, err)
	}
	signOut()

	// The auditor sees the approval in the log, verifies it, and checks a proof.
	signIn(sd.auditor)
	run("audit", chromedp.Navigate(s.url+"/audit?actor=bob"), visible("#audit"))
	contains("#audit", "decision.approve")
	contains("#checkpoint", "test/audit")
	shot("audit")
	run("verify now", click(`form[action="/audit/verify"] button`), visible("#verify-result"))
	contains("#verify-result", "Verified")
	shot("verify")
	run("proof", chromedp.Navigate(s.url+"/audit"), visible("#audit"),
		click(`#audit a[href^="/audit/proof/"]`), visible("#proof-result"))
	contains("#proof-result", "is in the signed log")

	// Phone width: the models page still works (no horizontal page scroll
	// beyond the table's own scroller).
	run("phone", chromedp.EmulateViewport(390, 844), chromedp.Navigate(s.url+"/models"), visible(`tr[data-model="fraud-detector"]`))
	width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if width > 400 {
		t.Errorf("at 390 px the page is %d px wide", width)
	}
	shot("models-phone")
	signOut()
	b.Close() // ends the console iterator
	<-consoleDone
	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Error(p)
	}
}
