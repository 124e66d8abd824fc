package registry_test

import (
	"context"
	"testing"
	"time"

	"github.com/mlsec/mlsec/audit"
	"github.com/mlsec/mlsec/registry"
)

// TestMerkleAuditBatchedSigning: with batched signing an entry is covered
// once the background signer, a reader's flush or the next start signs it;
// until then the verifier reports it as not covered (nothing unsigned is
// accepted), and a restart after a kill covers it.
func TestMerkleAuditBatchedSigning(t *testing.T) {
	forEachLogDialect(t, func(t *testing.T, e *logEnv) {
		if e.auditor.SignEvery == 0 {
			t.Skip("per-transaction signing")
		}
		ctx := t.Context()
		n := e.populate(t) // flushed by AuditLogInfo
		if _, err := e.svc.CreateModel(ctx, admin, registry.Model{Name: "after", Team: "t"}); err != nil {
			t.Fatal(err)
		}
		r := e.verify(t)
		if p := r.First(); r.OK() || p.Kind != audit.KindInserted || p.Index != int64(n) {
			t.Fatalf("an unsigned entry was accepted: %+v", r)
		}
		// The server was killed here; the next one signs at start.
		next := registry.NewMerkleAuditor(e.signer)
		next.SignEvery = time.Hour
		if err := next.Flush(ctx, e.db); err != nil {
			t.Fatal(err)
		}
		if r := e.verify(t); !r.OK() || r.Entries != n+1 {
			t.Fatalf("after the restart's flush: %+v", r)
		}
		// The background signer covers new entries on its own.
		e.auditor.SignEvery = 5 * time.Millisecond
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- e.auditor.Run(runCtx, e.db) }()
		if _, err := e.svc.CreateModel(ctx, admin, registry.Model{Name: "later", Team: "t"}); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			if r := e.verify(t); r.OK() && r.Entries == n+2 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the background signer did not cover the entry: %+v", e.verify(t))
			}
		}
		// Stopping signs what is left.
		if _, err := e.svc.CreateModel(ctx, admin, registry.Model{Name: "last", Team: "t"}); err != nil {
			t.Fatal(err)
		}
		stop()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if r := e.verify(t); !r.OK() || r.Entries != n+3 {
			t.Fatalf("after stop: %+v", r)
		}
	})
}
