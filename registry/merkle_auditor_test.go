package registry_test

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/mlsec/mlsec/audit"
	"github.com/mlsec/mlsec/internal/pgtest"
	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/store"
)

// logEnv is a registry whose auditor is the Merkle log, with a raw
// connection to the same database for tampering.
type logEnv struct {
	svc     *registry.Service
	db      *store.DB
	raw     *sql.DB
	pg      bool
	signer  *audit.Signer
	ver     *audit.Verifier
	auditor *registry.MerkleAuditor
}

// forEachLogDialect runs fn on SQLite and, when MLSEC_TEST_POSTGRES_URL is
// set, on a fresh PostgreSQL database.
func forEachLogDialect(t *testing.T, fn func(t *testing.T, e *logEnv)) {
	t.Helper()
	type dial struct {
		name string
		dsn  func(t *testing.T) (dsn, driver, rawDSN string)
	}
	ds := []dial{{"sqlite", func(t *testing.T) (string, string, string) {
		p := filepath.Join(t.TempDir(), "r.db")
		return p, "sqlite", "file:" + p + "?_pragma=busy_timeout(10000)"
	}}}
	if u := pgtest.URL(t); u != "" {
		ds = append(ds, dial{"postgres", func(t *testing.T) (string, string, string) {
			d := pgtest.Fresh(t, u)
			return d, "pgx", d
		}})
	}
	for _, d := range ds {
		for _, batched := range []bool{false, true} {
			name := d.name
			if batched {
				name += "/batched"
			}
			t.Run(name, func(t *testing.T) {
				dsn, driver, rawDSN := d.dsn(t)
				db, err := store.Open(t.Context(), dsn)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				raw, err := sql.Open(driver, rawDSN)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { raw.Close() })
				skey, vkey, err := audit.GenerateKey("test.mlsec/audit")
				if err != nil {
					t.Fatal(err)
				}
				s, _ := audit.NewSigner(skey)
				v, _ := audit.NewVerifier(vkey)
				m := registry.NewMerkleAuditor(s)
				if batched {
					// Signed in batches: populate's AuditLogInfo flushes, so
					// every tamper case below runs against batch checkpoints.
					m.SignEvery = time.Hour
				}
				fn(t, &logEnv{svc: registry.NewService(db, registry.WithAuditor(m)),
					db: db, raw: raw, pg: driver == "pgx", signer: s, ver: v, auditor: m})
			})
		}
	}
}

func (e *logEnv) exec(t *testing.T, q string) {
	t.Helper()
	if _, err := e.raw.Exec(q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// replaceInEntry rewrites entry idx's stored bytes, replacing old by new.
func (e *logEnv) replaceInEntry(t *testing.T, idx int, old, new string) {
	t.Helper()
	q := fmt.Sprintf(`UPDATE audit_log SET entry = CAST(REPLACE(CAST(entry AS TEXT), '%s', '%s') AS BLOB) WHERE idx = %d`, old, new, idx)
	if e.pg {
		q = fmt.Sprintf(`UPDATE audit_log SET entry = convert_to(replace(convert_from(entry, 'UTF8'), '%s', '%s'), 'UTF8') WHERE idx = %d`, old, new, idx)
	}
	e.exec(t, q)
}

// populate makes a handful of audited changes and returns the log size.
func (e *logEnv) populate(t *testing.T) uint64 {
	t.Helper()
	setup(t, e.svc) // model create, version create, blob, finalize
	for i := range 3 {
		if _, err := e.svc.CreateModel(t.Context(), maintainer, registry.Model{Name: fmt.Sprintf("extra-%d", i), Team: "team-a"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := e.svc.CreateToken(t.Context(), admin, registry.Token{Name: "ci", Role: registry.RoleMaintainer}); err != nil {
		t.Fatal(err)
	}
	info, err := e.svc.AuditLogInfo(t.Context(), auditor)
	if err != nil {
		t.Fatal(err)
	}
	return info.Size
}

func (e *logEnv) verify(t *testing.T) *audit.Result {
	t.Helper()
	l, err := registry.ReadAuditLog(t.Context(), e.db)
	if err != nil {
		t.Fatal(err)
	}
	return audit.Verify(l, e.ver, audit.VerifyOptions{})
}

func TestMerkleAuditRoundTrip(t *testing.T) {
	forEachLogDialect(t, func(t *testing.T, e *logEnv) {
		n := e.populate(t)
		events, _, err := e.svc.ListAudit(t.Context(), auditor, registry.Page{Limit: registry.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		if n != 7 || uint64(len(events)) != n { // uploads are no events of their own (docs/audit.md "One entry per version")
			t.Fatalf("log size %d, audit events %d", n, len(events))
		}
		r := e.verify(t)
		wantCPs := int(n) // one per write; batched: populate's flush
		if e.auditor.SignEvery > 0 {
			wantCPs = 1
		}
		if !r.OK() || r.Entries != n || r.Checkpoints != wantCPs {
			t.Fatalf("verify: %+v", r)
		}
		// Leaves carry who did what, when and why, in event order.
		recs, err := e.svc.AuditLogEntries(t.Context(), auditor, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		for i, rec := range recs {
			en, err := audit.ParseEntry(rec.Data)
			if err != nil {
				t.Fatal(err)
			}
			ev := events[i]
			if en.Index != uint64(i) || en.Actor != ev.Actor || en.Action != ev.Action || en.Object != ev.Subject || !en.Time.Equal(ev.At) {
				t.Fatalf("entry %d = %+v, event %+v", i, en, ev)
			}
		}
		// Auditors and admins only.
		if _, err := e.svc.AuditLogInfo(t.Context(), maintainer); err == nil {
			t.Fatal("maintainer read the audit log")
		}
	})
}

func TestMerkleAuditTamperDetected(t *testing.T) {
	cases := []struct {
		name   string
		tamper func(t *testing.T, e *logEnv, n uint64) int
		kind   string
	}{
		{"alter", func(t *testing.T, e *logEnv, n uint64) int {
			e.replaceInEntry(t, 3, `"actor":"maint"`, `"actor":"mallory"`)
			return 3
		}, audit.KindAltered},
		{"alter-with-leaf-hash", func(t *testing.T, e *logEnv, n uint64) int {
			// A careful attacker also fixes the stored leaf hash.
			e.replaceInEntry(t, 2, `"actor":"maint"`, `"actor":"mallory"`)
			e.fixLeafHash(t, 2)
			return 2
		}, audit.KindAltered},
		{"delete", func(t *testing.T, e *logEnv, n uint64) int {
			e.exec(t, `DELETE FROM audit_log WHERE idx = 4`)
			return 4
		}, audit.KindDeleted},
		{"delete-and-renumber", func(t *testing.T, e *logEnv, n uint64) int {
			e.exec(t, `DELETE FROM audit_log WHERE idx = 1`)
			e.exec(t, `UPDATE audit_log SET idx = idx + 1000000 WHERE idx > 1`)
			e.exec(t, `UPDATE audit_log SET idx = idx - 1000001 WHERE idx > 1000000`)
			return 1
		}, audit.KindDeleted},
		{"insert-tail", func(t *testing.T, e *logEnv, n uint64) int {
			e.insertForged(t, n)
			return int(n)
		}, audit.KindInserted},
		{"insert-middle", func(t *testing.T, e *logEnv, n uint64) int {
			e.exec(t, `UPDATE audit_log SET idx = idx + 1000000 WHERE idx >= 5`)
			e.exec(t, `UPDATE audit_log SET idx = idx - 999999 WHERE idx >= 1000000`)
			e.insertForged(t, 5)
			return 5
		}, audit.KindAltered},
		{"truncate-tail", func(t *testing.T, e *logEnv, n uint64) int {
			e.exec(t, fmt.Sprintf(`DELETE FROM audit_log WHERE idx >= %d`, n-2))
			return int(n - 2)
		}, audit.KindDeleted},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			forEachLogDialect(t, func(t *testing.T, e *logEnv) {
				n := e.populate(t)
				if r := e.verify(t); !r.OK() {
					t.Fatalf("before tampering: %+v", r.Problems)
				}
				want := c.tamper(t, e, n)
				r := e.verify(t)
				p := r.First()
				if e.auditor.SignEvery > 0 {
					// One batch checkpoint covers the whole log here: the
					// tampering is caught; without a checkpoint per entry
					// it may be named by its batch rather than its index.
					if r.OK() || p == nil {
						t.Fatalf("batched: tampering not detected: %+v", r)
					}
					return
				}
				if r.OK() || p == nil || p.Index != int64(want) || p.Kind != c.kind {
					t.Fatalf("want %s at %d, got %+v", c.kind, want, r.Problems)
				}
				if !strings.Contains(p.Message, fmt.Sprint(want)) {
					t.Fatalf("message does not name entry %d: %s", want, p.Message)
				}
			})
		})
	}
}

// fixLeafHash recomputes the stored leaf hash of idx from its bytes.
func (e *logEnv) fixLeafHash(t *testing.T, idx int) {
	t.Helper()
	var data []byte
	if err := e.raw.QueryRow(fmt.Sprintf(`SELECT entry FROM audit_log WHERE idx = %d`, idx)).Scan(&data); err != nil {
		t.Fatal(err)
	}
	e.exec(t, fmt.Sprintf(`UPDATE audit_log SET leaf_hash = %s WHERE idx = %d`, e.hexLit(audit.LeafHash(data)), idx))
}

func (e *logEnv) hexLit(b []byte) string {
	if e.pg {
		return `'\x` + hex.EncodeToString(b) + `'::bytea`
	}
	return `X'` + hex.EncodeToString(b) + `'`
}

// insertForged inserts a well-formed entry at idx (the slot must be free).
func (e *logEnv) insertForged(t *testing.T, idx uint64) {
	t.Helper()
	data, err := audit.Entry{Index: idx, Time: time.Now(), Actor: "admin", Action: "token.create", Object: "token/99"}.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	e.exec(t, fmt.Sprintf(`INSERT INTO audit_log (idx, entry, leaf_hash) VALUES (%d, %s, %s)`, idx, e.hexLit(data), e.hexLit(audit.LeafHash(data))))
}

func TestMerkleAuditProofs(t *testing.T) {
	forEachLogDialect(t, func(t *testing.T, e *logEnv) {
		n := e.populate(t)
		ctx := t.Context()
		cps, err := e.svc.AuditCheckpoints(ctx, auditor, 0, 0)
		wantCPs := n // one per write; batched: the one populate's flush signed
		if e.auditor.SignEvery > 0 {
			wantCPs = 1
		}
		if err != nil || uint64(len(cps)) != wantCPs {
			t.Fatalf("checkpoints: %d %v", len(cps), err)
		}
		roots := map[uint64][]byte{}
		for _, c := range cps {
			cp, err := e.ver.Open(c.Note)
			if err != nil || cp.Size != c.Size {
				t.Fatalf("checkpoint %d: %v", c.Size, err)
			}
			roots[cp.Size] = cp.Hash
		}
		// Sizes no checkpoint signed (batched): roots recomputed from the
		// entries, which must end at the signed root.
		l, err := registry.ReadAuditLog(ctx, e.db)
		if err != nil {
			t.Fatal(err)
		}
		tree := &audit.Tree{}
		for _, rec := range l.Entries {
			tree.Append(audit.LeafHash(rec.Data))
			if size := tree.Size(); roots[size] == nil {
				roots[size], _ = tree.Root(size)
			} else if r, _ := tree.Root(size); string(r) != string(roots[size]) {
				t.Fatalf("signed root of size %d does not match the entries", size)
			}
		}
		for size := uint64(1); size <= n; size++ {
			for i := uint64(0); i < size; i++ {
				leaf, p, ts, err := e.svc.AuditInclusionProof(ctx, auditor, i, size)
				if err != nil || ts != size {
					t.Fatal(err)
				}
				if err := proof.VerifyInclusion(rfc6962.DefaultHasher, i, size, leaf, p, roots[size]); err != nil {
					t.Fatalf("inclusion %d in %d: %v", i, size, err)
				}
			}
			for from := uint64(1); from <= size; from++ {
				p, _, err := e.svc.AuditConsistencyProof(ctx, auditor, from, size)
				if err != nil {
					t.Fatal(err)
				}
				if err := proof.VerifyConsistency(rfc6962.DefaultHasher, from, size, p, roots[from], roots[size]); err != nil {
					t.Fatalf("consistency %d..%d: %v", from, size, err)
				}
			}
		}
		// Sizes beyond the log are refused, and so are wrong roots.
		if _, _, _, err := e.svc.AuditInclusionProof(ctx, auditor, 0, n+1); err == nil {
			t.Fatal("proof for a size the log has not reached")
		}
		leaf, p, _, _ := e.svc.AuditInclusionProof(ctx, auditor, 1, n)
		if proof.VerifyInclusion(rfc6962.DefaultHasher, 1, n, leaf, p, roots[n-1]) == nil {
			t.Fatal("inclusion proof verified against the wrong root")
		}
	})
}

func TestMerkleAuditWrongKey(t *testing.T) {
	forEachLogDialect(t, func(t *testing.T, e *logEnv) {
		e.populate(t)
		_, other, _ := audit.GenerateKey("test.mlsec/audit") // same name, other key
		v, _ := audit.NewVerifier(other)
		l, err := registry.ReadAuditLog(t.Context(), e.db)
		if err != nil {
			t.Fatal(err)
		}
		r := audit.Verify(l, v, audit.VerifyOptions{})
		if r.OK() || r.Problems[0].Kind != audit.KindBadSignature || r.Checkpoints != 0 {
			t.Fatalf("wrong key accepted: %+v", r)
		}
		// And the server refuses to extend a log signed by another key.
		s2, _, _ := audit.LoadOrCreateKey(filepath.Join(t.TempDir(), "k"), "test.mlsec/audit")
		if err := registry.NewMerkleAuditor(s2).CheckKey(t.Context(), e.db); err == nil {
			t.Fatal("CheckKey accepted another key")
		}
		svc2 := registry.NewService(e.db, registry.WithAuditor(registry.NewMerkleAuditor(s2)))
		if _, err := svc2.CreateModel(t.Context(), admin, registry.Model{Name: "x", Team: "t"}); err == nil {
			t.Fatal("appended with another key")
		}
	})
}

func TestMerkleAuditConcurrent(t *testing.T) {
	forEachLogDialect(t, func(t *testing.T, e *logEnv) {
		const workers, each = 8, 10
		signed := make(chan error, 1)
		if e.auditor.SignEvery > 0 { // the background signer runs alongside the writers
			e.auditor.SignEvery = 2 * time.Millisecond
			ctx, stop := context.WithCancel(t.Context())
			go func() { signed <- e.auditor.Run(ctx, e.db) }()
			defer func() {
				stop()
				if err := <-signed; err != nil {
					t.Errorf("signer: %v", err)
				}
			}()
		}
		var wg sync.WaitGroup
		errs := make(chan error, workers*each)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					if _, err := e.svc.CreateModel(t.Context(), admin, registry.Model{Name: fmt.Sprintf("m-%d-%d", w, i), Team: "t"}); err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if _, err := e.svc.AuditLogInfo(t.Context(), auditor); err != nil { // flushes a batched log
			t.Fatal(err)
		}
		r := e.verify(t)
		wantCPs := workers * each
		if e.auditor.SignEvery > 0 {
			wantCPs = r.Checkpoints // some batches, at least one
		}
		if !r.OK() || r.Entries != workers*each || r.Checkpoints != wantCPs || r.Checkpoints < 1 {
			t.Fatalf("verify: entries %d checkpoints %d %+v", r.Entries, r.Checkpoints, r.Problems)
		}
	})
}
