package registry_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mlsec/mlsec/internal/pgtest"
	"github.com/mlsec/mlsec/policy"
	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/policyeval"
	"github.com/mlsec/mlsec/registry/store"
)

// scanPolicy denies a version whose test evidence has failures under the
// scan rule's id, so an exception for MLSEC-SCAN-002 waives it.
const scanPolicy = `package mlsec.gate

import rego.v1

deny contains {"id": "MLSEC-SCAN-002", "msg": sprintf("%d high findings", [e.result.failed])} if {
	some e in input.evidence
	e.type == "test"
	e.result.failed > 0
}
`

// excService is a service with scanPolicy and a clock the test moves.
func excService(t *testing.T, dsn string) (*registry.Service, *atomic.Int64) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "gate.rego"), []byte(scanPolicy), 0o600); err != nil {
		t.Fatal(err)
	}
	eng, err := policyeval.New(t.Context(), policy.Options{Dirs: []string{dir}, NoDefault: true})
	if err != nil {
		t.Fatal(err)
	}
	if dsn == "" {
		dsn = filepath.Join(t.TempDir(), "r.db")
	}
	db, err := store.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var clock atomic.Int64
	clock.Store(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC).Unix())
	return registry.NewService(db, registry.WithPolicy(eng), registry.WithClock(func() time.Time { return time.Unix(clock.Load(), 0).UTC() })), &clock
}

func blockedBy(d registry.DecisionRequest, rule string) bool {
	return slices.ContainsFunc(d.BlockedBy, func(b string) bool { return strings.HasPrefix(b, "policy "+rule+":") })
}

func resultIDs(rs []registry.PolicyResult) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

func TestGovernanceGrantException(t *testing.T) {
	dsns := pgtest.DSNs(t)
	for name, dsn := range dsns {
		t.Run(name, func(t *testing.T) { testGrantException(t, dsn(t)) })
	}
}

func testGrantException(t *testing.T, dsn string) {
	s, clock := excService(t, dsn)
	ctx := t.Context()
	v1 := setup(t, s)
	if _, err := s.SetGovernance(ctx, admin, "m", registry.GovernancePatch{Owners: map[registry.Responsibility][]string{
		registry.RespApprove: {"rev"}}}); err != nil {
		t.Fatal(err)
	}
	addTestEvidence(t, s, v1, 2)
	promote := registry.NewRequest{Action: registry.ActionPromote, Rationale: "ship it"}
	grant := registry.NewRequest{Action: registry.ActionGrantException, Rule: "MLSEC-SCAN-002", Expires: "2027-01-31",
		Rationale: "the findings are test fixtures, reviewed in SEC-123"}

	// Denied by the scan rule.
	d, err := s.RequestDecision(ctx, maintainer, "m", 1, promote)
	if err != nil || d.Status != registry.RequestDenied || !blockedBy(d, "MLSEC-SCAN-002") {
		t.Fatalf("promotion before exception: %+v %v", d, err)
	}

	// Bad exception requests.
	for what, in := range map[string]registry.NewRequest{
		"no rule":         {Action: registry.ActionGrantException, Expires: "2027-01-31", Rationale: "x"},
		"no expiry":       {Action: registry.ActionGrantException, Rule: "MLSEC-SCAN-002", Rationale: "x"},
		"past expiry":     {Action: registry.ActionGrantException, Rule: "MLSEC-SCAN-002", Expires: "2026-11-21", Rationale: "x"},
		"too far":         {Action: registry.ActionGrantException, Rule: "MLSEC-SCAN-002", Expires: "2028-01-31", Rationale: "x"},
		"bad expiry":      {Action: registry.ActionGrantException, Rule: "MLSEC-SCAN-002", Expires: "soon", Rationale: "x"},
		"role owner":      {Action: registry.ActionGrantException, Rule: "MLSEC-SCAN-002", Expires: "2027-01-31", Owner: "role:admin", Rationale: "x"},
		"no rationale":    {Action: registry.ActionGrantException, Rule: "MLSEC-SCAN-002", Expires: "2027-01-31"},
		"rule on promote": {Action: registry.ActionPromote, Rule: "MLSEC-SCAN-002", Rationale: "x"},
	} {
		_, err := s.RequestDecision(ctx, maintainer, "m", 1, in)
		wantErr(t, what, err, registry.ErrInvalid)
	}
	_, err = s.RequestDecision(ctx, reviewer, "m", 1, grant)
	wantErr(t, "reviewer requests an exception", err, registry.ErrForbidden)

	// The exception request is evaluated with its waiver applied and
	// waits for the production approval; never approved by its requester.
	g, err := s.RequestDecision(ctx, maintainer, "m", 1, grant)
	if err != nil || g.Status != registry.RequestPending || !g.Policy.Allowed || g.Owner != "maint" || g.Rule != "MLSEC-SCAN-002" ||
		g.Expires != "2027-01-31" || g.Required != 1 || !slices.Contains(resultIDs(g.Policy.Exceptions), "MLSEC-SCAN-002") {
		t.Fatalf("exception request: %+v %v", g, err)
	}
	_, err = s.Approve(ctx, registry.Actor{Name: "token:9:maint", Role: registry.RoleAdmin}, g.ID, "")
	wantErr(t, "requester approves own exception", err, registry.ErrForbidden)
	if es, err := s.ListExceptions(ctx, reviewer, "m"); err != nil || len(es) != 0 {
		t.Fatalf("exceptions before approval: %+v %v", es, err)
	}
	if g, err = s.Approve(ctx, reviewer, g.ID, "accepted until the fix lands"); err != nil || g.Status != registry.RequestExecuted {
		t.Fatalf("approve exception: %+v %v", g, err)
	}
	es, err := s.ListExceptions(ctx, reviewer, "m")
	if err != nil || len(es) != 1 || !es[0].Active || es[0].Rule != "MLSEC-SCAN-002" || es[0].Owner != "maint" || es[0].Digest != v1.Digest ||
		es[0].RequestID != g.ID || es[0].Version != 1 || es[0].Expires != "2027-01-31" || es[0].GrantedBy != "rev" || es[0].Rationale != grant.Rationale {
		t.Fatalf("exceptions: %+v %v", es, err)
	}
	h, err := s.History(ctx, reviewer, "m")
	if err != nil || !slices.ContainsFunc(h, func(e registry.HistoryEntry) bool { return e.Action == "exception.grant" }) {
		t.Fatalf("history lacks exception.grant: %+v %v", h, err)
	}

	// The promotion now passes policy (waived) and executes after approval.
	d, err = s.RequestDecision(ctx, maintainer, "m", 1, promote)
	if err != nil || d.Status != registry.RequestPending || !d.Policy.Allowed || len(d.Policy.Exceptions) != 1 ||
		d.Policy.Exceptions[0].Waiver == nil || d.Policy.Exceptions[0].Waiver.Owner != "maint" {
		t.Fatalf("promotion with exception: %+v %v", d, err)
	}
	if d, err = s.Approve(ctx, reviewer, d.ID, ""); err != nil || d.Status != registry.RequestExecuted || stageOf(t, s, 1) != registry.StageProduction {
		t.Fatalf("approve promotion: %+v %v", d, err)
	}

	// The exception is bound to v1's digest: v2 is not waived.
	v2 := addVersion(t, s, "second")
	addTestEvidence(t, s, v2, 1)
	if d, err = s.RequestDecision(ctx, maintainer, "m", 2, promote); err != nil || d.Status != registry.RequestDenied {
		t.Fatalf("v2 promotion with v1's exception: %+v %v", d, err)
	}
	g, err = s.RequestDecision(ctx, maintainer, "m", 2, grant)
	if err != nil || g.Status != registry.RequestPending {
		t.Fatalf("v2 exception: %+v %v", g, err)
	}
	if g, err = s.Approve(ctx, reviewer, g.ID, ""); err != nil || g.Status != registry.RequestExecuted {
		t.Fatalf("approve v2 exception: %+v %v", g, err)
	}
	d, err = s.RequestDecision(ctx, maintainer, "m", 2, promote)
	if err != nil || d.Status != registry.RequestPending || !d.Policy.Allowed {
		t.Fatalf("v2 promotion with its exception: %+v %v", d, err)
	}

	// Past expiry (2027-01-31 means the end of that day) the rule applies
	// again: approving re-evaluates and the promotion is denied, with the
	// expired exception reported as a warning.
	clock.Store(time.Date(2027, 2, 1, 0, 0, 1, 0, time.UTC).Unix())
	d, err = s.Approve(ctx, reviewer, d.ID, "")
	if err != nil || d.Status != registry.RequestDenied || !blockedBy(d, "MLSEC-SCAN-002") ||
		!slices.Contains(resultIDs(d.Policy.Warnings), policy.RuleExceptionExpired) || stageOf(t, s, 2) == registry.StageProduction {
		t.Fatalf("promotion after expiry: %+v %v", d, err)
	}
	if es, err = s.ListExceptions(ctx, reviewer, "m"); err != nil || len(es) != 2 || es[0].Active || es[1].Active {
		t.Fatalf("exceptions after expiry: %+v %v", es, err)
	}
	if d, err = s.RequestDecision(ctx, maintainer, "m", 2, promote); err != nil || d.Status != registry.RequestDenied {
		t.Fatalf("new promotion after expiry: %+v %v", d, err)
	}
}
