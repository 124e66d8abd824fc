package registry_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mlsec/mlsec/audit"
	"github.com/mlsec/mlsec/internal/pgtest"
	"github.com/mlsec/mlsec/policy"
	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/registry/policyeval"
	"github.com/mlsec/mlsec/registry/store"
)

// sealDB is a populated registry database, closed, that tamper cases copy.
type sealDB struct {
	pg   bool
	dsn  string // SQLite file or PostgreSQL URL
	base string // PostgreSQL server URL (for clones)
	vkey string
}

// populateSealed opens dsn with the Merkle auditor and a policy, writes a
// row into every sealed table through the service, and closes it.
func populateSealed(t *testing.T, dsn string) (vkey string) {
	t.Helper()
	ctx := t.Context()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "gate.rego"), []byte(scanPolicy), 0o600); err != nil {
		t.Fatal(err)
	}
	eng, err := policyeval.New(ctx, policy.Options{Dirs: []string{dir}, NoDefault: true})
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	skey, vkey, err := audit.GenerateKey("test.mlsec/audit")
	if err != nil {
		t.Fatal(err)
	}
	sg, _ := audit.NewSigner(skey)
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	s := registry.NewService(db, registry.WithAuditor(registry.NewMerkleAuditor(sg)), registry.WithPolicy(eng), registry.WithSecretKey(make([]byte, registry.SecretKeySize)),
		registry.WithClock(func() time.Time { now = now.Add(time.Second); return now }))
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	v1 := setup(t, s) // models, model_versions, audit_events
	_, err = s.CreateModel(ctx, admin, registry.Model{Name: "tagged", Team: "team-a", Tags: []string{"fraud"}})
	must("model with tags", err)
	_, err = s.SetGovernance(ctx, admin, "m", registry.GovernancePatch{
		Owners:        map[registry.Responsibility][]string{registry.RespApprove: {"rev"}, registry.RespRollback: {"rev"}},
		ApprovalRules: []registry.ApprovalRule{{Stage: registry.StageStaging, Required: 1, Approvers: []string{"rev"}}}})
	must("owners and rules", err)
	_, err = s.AddLineage(ctx, maintainer, "m", 1, registry.LineageEdge{Kind: registry.ProducedBy, Target: "https://ci/run/1"})
	must("lineage", err)
	addTestEvidence(t, s, v1, 2) // evidence that the scan policy denies
	_, err = s.CreateDataset(ctx, maintainer, registry.Dataset{Name: "claims", Digest: "sha256:" + sum("claims"), Team: "team-a", Owner: "maint"})
	must("dataset", err)
	tok, _, err := s.CreateToken(ctx, admin, registry.Token{Name: "ci", Role: registry.RoleMaintainer})
	must("token", err)
	_, _, err = s.CreateToken(ctx, admin, registry.Token{Name: "old", Role: registry.RoleReviewer})
	must("token", err)
	must("revoke", s.RevokeToken(ctx, admin, tok.ID))
	_, err = s.CreateWebhook(ctx, admin, registry.NewWebhook{URL: "https://hooks.example/x", Events: []string{registry.EventDecisionExecuted}, Secret: "s3cret-s3cret-s3cret"})
	must("webhook", err)
	g, err := s.RequestDecision(ctx, maintainer, "m", 1, registry.NewRequest{Action: registry.ActionGrantException, Rule: "MLSEC-SCAN-002",
		Expires: "2027-01-31", Rationale: "fixtures, reviewed in SEC-1"})
	must("request exception", err)
	_, err = s.Approve(ctx, reviewer, g.ID, "accepted")
	must("approve exception", err)
	d, err := s.RequestDecision(ctx, maintainer, "m", 1, registry.NewRequest{Action: registry.ActionPromote, Stage: registry.StageProduction, Rationale: "ship"})
	must("request promotion", err)
	d, err = s.Approve(ctx, reviewer, d.ID, "lgtm")
	must("approve promotion", err)
	if d.Status != registry.RequestExecuted {
		t.Fatalf("promotion: %+v", d)
	}
	_, err = s.AddDecisionRecord(ctx, maintainer, "m", 1, "Why v1", "It beats v0.")
	must("record", err)
	_, _, err = s.SetAlias(ctx, maintainer, "m", "challenger", registry.AliasPut{Version: 1, Reason: "try"})
	must("alias", err)
	_, err = s.SetProfile(ctx, admin, registry.ProfileTeam, "team-a", "strict")
	must("profile", err)
	in := datasetVersionIn("claims rows")
	in.Team = "team-a"
	_, err = s.RegisterDatasetVersion(ctx, maintainer, "claims", in)
	must("dataset version", err)
	_, err = s.ApproveDatasetVersion(ctx, admin, "claims", 1, "consent checked")
	must("approve dataset version", err)
	return vkey
}

// sealDialects populates one database per dialect once and runs fn.
func sealDialects(t *testing.T, fn func(t *testing.T, base sealDB)) {
	t.Run("sqlite", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "r.db")
		fn(t, sealDB{dsn: p, vkey: populateSealed(t, p)})
	})
	if u := pgtest.URL(t); u != "" {
		t.Run("postgres", func(t *testing.T) {
			d := pgtest.Fresh(t, u)
			fn(t, sealDB{pg: true, dsn: d, base: u, vkey: populateSealed(t, d)})
		})
	}
}

// clone copies the populated database for one tamper case and returns a
// raw connection to the copy (foreign keys and the seal triggers are on,
// as for someone editing the database by hand).
func (b sealDB) clone(t *testing.T) (dsn string, raw *sql.DB) {
	t.Helper()
	if !b.pg {
		src, err := sql.Open("sqlite", "file:"+b.dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		dst := filepath.Join(t.TempDir(), "copy.db")
		if _, err := src.Exec(`VACUUM INTO '` + dst + `'`); err != nil {
			t.Fatal(err)
		}
		raw, err := sql.Open("sqlite", "file:"+dst)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { raw.Close() })
		return dst, raw
	}
	dsn = pgtest.Clone(t, b.base, b.dsn)
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return dsn, raw
}

// check verifies the log of dsn and cross-checks its tables, as 'mlsec
// audit verify --database' does.
func (b sealDB) check(t *testing.T, dsn string) (*audit.Result, *registry.TableCheck) {
	t.Helper()
	db, err := store.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	l, err := registry.ReadAuditLog(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := audit.NewVerifier(b.vkey)
	res := audit.Verify(l, v, audit.VerifyOptions{})
	if !res.OK() {
		return res, nil
	}
	tc, err := registry.CheckTables(t.Context(), l.Entries[:res.Entries], db)
	if err != nil {
		t.Fatal(err)
	}
	return res, tc
}

// sealCase is how a test edits and forges rows of one table.
type sealCase struct {
	table string
	key   []string // key columns (first row by key is the victim)
	edit  string   // a text column a forger rewrites (who, what, why)
	// forge maps columns to SQL expressions over the victim row for the
	// inserted copy (new key and unique columns).
	forge map[string]string
}

var sealCases = []sealCase{
	{"audit_events", []string{"seq"}, "actor", map[string]string{"seq": "seq + 1000"}},
	{"models", []string{"id"}, "created_by", map[string]string{"id": "id + 1000", "name": "name || '-forged'"}},
	{"model_tags", []string{"model_id", "tag"}, "tag", map[string]string{"tag": "tag || '-forged'"}},
	{"model_versions", []string{"id"}, "created_by", map[string]string{"id": "id + 1000", "number": "number + 1000", "digest": "digest || 'f'", "stage": "'development'"}},
	{"evidence", []string{"id"}, "producer", map[string]string{"id": "id + 1000"}},
	{"lineage_edges", []string{"id"}, "created_by", map[string]string{"id": "id + 1000", "target": "target || '-forged'"}},
	{"datasets", []string{"id"}, "owner", map[string]string{"id": "id + 1000", "name": "name || '-forged'"}},
	{"api_tokens", []string{"id"}, "created_by", map[string]string{"id": "id + 1000", "name": "name || '-forged'", "hash": "hash || 'f'"}},
	{"model_owners", []string{"model_id", "responsibility", "principal"}, "principal", map[string]string{"principal": "'mallory'"}},
	{"approval_rules", []string{"model_id", "stage"}, "approvers", map[string]string{"stage": "'production'"}},
	{"decision_requests", []string{"id"}, "requested_by", map[string]string{"id": "id + 1000"}},
	{"decision_approvals", []string{"request_id", "principal"}, "actor", map[string]string{"principal": "'mallory'"}},
	{"decision_records", []string{"id"}, "author", map[string]string{"id": "id + 1000"}},
	{"webhooks", []string{"id"}, "url", map[string]string{"id": "id + 1000"}},
	{"model_aliases", []string{"model_id", "name"}, "updated_by", map[string]string{"name": "name || '-forged'"}},
	{"alias_moves", []string{"id"}, "actor", map[string]string{"id": "id + 1000"}},
	{"model_exceptions", []string{"id"}, "granted_by", map[string]string{"id": "id + 1000"}},
	{"policy_profiles", []string{"kind", "name"}, "set_by", map[string]string{"name": "name || '-forged'"}},
	{"dataset_versions", []string{"id"}, "decided_by", map[string]string{"id": "id + 1000", "number": "number + 1000"}},
	{"dataset_votes", []string{"version_id", "principal"}, "actor", map[string]string{"principal": "'mallory'"}},
}

// TestSealedTablesTamper: editing, inserting or deleting a row of any
// table a person reads to learn who did what, by hand, makes the check
// fail naming the table, the row and (for an edit) the field; the
// untouched database passes. On SQLite and PostgreSQL.
func TestSealedTablesTamper(t *testing.T) {
	if got := store.SealedTableNames(); len(got) != len(sealCases) {
		t.Fatalf("sealed tables %v: every one needs a tamper case", got)
	}
	sealDialects(t, func(t *testing.T, b sealDB) {
		res, tc := b.check(t, b.dsn)
		if !res.OK() || tc == nil || !tc.Sealed || len(tc.Problems) > 0 {
			t.Fatalf("untouched database: %+v %+v", res.Problems, tc)
		}
		t.Run("artifacts", func(t *testing.T) { tamperArtifacts(t, b) })
		for _, c := range sealCases {
			t.Run(c.table, func(t *testing.T) {
				dsn, raw := b.clone(t) // one copy per table: each step below is undone or checked last
				ctx := t.Context()
				cols := columns(t, raw, b.pg, c.table)
				keyVals := firstKey(t, raw, c)
				where, args := keyWhere(b.pg, c.key, keyVals, 0)
				row := strings.Join(keyVals, "/")

				// Edit a field, then put it back.
				var orig string
				if err := raw.QueryRowContext(ctx, fmt.Sprintf(`SELECT %s FROM %s WHERE %s`, c.edit, c.table, where), args...).Scan(&orig); err != nil {
					t.Fatal(err)
				}
				q := fmt.Sprintf(`UPDATE %s SET %s = %s || 'x' WHERE %s`, c.table, c.edit, c.edit, where)
				if _, err := raw.ExecContext(ctx, q, args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
				back := args
				if i := slices.Index(c.key, c.edit); i >= 0 { // the key itself changed: the old row is gone, a new one appeared
					expectProblem(t, "edit", b, dsn, audit.KindInserted, c.table, "", "")
					back = slices.Clone(args)
					back[i] = orig + "x"
				} else {
					expectProblem(t, "edit", b, dsn, audit.KindAltered, c.table, row, c.edit)
				}
				bw, _ := keyWhere(b.pg, c.key, keyVals, 1)
				if _, err := raw.ExecContext(ctx, fmt.Sprintf(`UPDATE %s SET %s = %s WHERE %s`, c.table, c.edit, ph(b.pg, 1), bw), append([]any{orig}, back...)...); err != nil {
					t.Fatal(err)
				}
				if res, tc := b.check(t, dsn); !res.OK() || len(tc.Problems) > 0 {
					t.Fatalf("edit undone: %+v %+v", res.Problems, tc.Problems)
				}

				// Insert a forged copy, then remove it.
				sel := make([]string, len(cols))
				for i, col := range cols {
					sel[i] = col
					if e, ok := c.forge[col]; ok {
						sel[i] = e
					}
				}
				q = fmt.Sprintf(`INSERT INTO %s (%s) SELECT %s FROM %s WHERE %s`, c.table, strings.Join(cols, ", "), strings.Join(sel, ", "), c.table, where)
				if _, err := raw.ExecContext(ctx, q, args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
				expectProblem(t, "insert", b, dsn, audit.KindInserted, c.table, "", "")

				// Delete the row (without foreign key checks, as a forger
				// who edits the file or disables them would).
				q = fmt.Sprintf(`DELETE FROM %s WHERE %s`, c.table, where)
				if err := execNoFK(ctx, raw, b.pg, q, args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
				expectProblem(t, "delete", b, dsn, audit.KindDeleted, c.table, row, "")
			})
		}
	})
}

// expectProblem checks that dsn fails the check with a problem of kind
// on table (and row and field, when given).
func expectProblem(t *testing.T, what string, b sealDB, dsn, kind, table, row, field string) {
	t.Helper()
	res, tc := b.check(t, dsn)
	if !res.OK() {
		t.Fatalf("%s: the log itself failed: %+v", what, res.Problems)
	}
	if tc == nil || len(tc.Problems) == 0 {
		t.Fatalf("%s of %s was not detected", what, table)
	}
	for _, p := range tc.Problems {
		if p.Kind == kind && p.Table == table && (row == "" || p.Row == row) && p.Field == field && strings.Contains(p.Message, table+" row "+p.Row) {
			return
		}
	}
	t.Fatalf("%s: no %s problem on table %s row %q field %q in %+v", what, kind, table, row, field, tc.Problems)
}

// ph is the n-th placeholder.
func ph(pg bool, n int) string {
	if pg {
		return fmt.Sprintf("$%d", n)
	}
	return "?"
}

func columns(t *testing.T, raw *sql.DB, pg bool, table string) []string {
	t.Helper()
	q := `SELECT name FROM pragma_table_info('` + table + `') ORDER BY cid`
	if pg {
		q = `SELECT column_name FROM information_schema.columns WHERE table_name = '` + table + `' AND table_schema = current_schema() ORDER BY ordinal_position`
	}
	rows, err := raw.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		t.Fatalf("no columns for %s", table)
	}
	return out
}

// firstKey returns the key of c's first row, as text.
func firstKey(t *testing.T, raw *sql.DB, c sealCase) []string {
	t.Helper()
	casts := make([]string, len(c.key))
	for i, k := range c.key {
		casts[i] = "CAST(" + k + " AS TEXT)"
	}
	vals := make([]string, len(c.key))
	ptrs := make([]any, len(c.key))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	q := fmt.Sprintf(`SELECT %s FROM %s ORDER BY %s LIMIT 1`, strings.Join(casts, ", "), c.table, strings.Join(c.key, ", "))
	if err := raw.QueryRow(q).Scan(ptrs...); err != nil {
		t.Fatalf("%s: %v (the population must write a row into every sealed table)", q, err)
	}
	return vals
}

// keyWhere matches key = vals, placeholders numbered after skip.
func keyWhere(pg bool, key, vals []string, skip int) (string, []any) {
	conds := make([]string, len(key))
	args := make([]any, len(key))
	for i, k := range key {
		conds[i] = "CAST(" + k + " AS TEXT) = ?"
		if pg {
			conds[i] = fmt.Sprintf("CAST(%s AS TEXT) = $%d", k, i+1+skip)
		}
		args[i] = vals[i]
	}
	return strings.Join(conds, " AND "), args
}

// execNoFK runs q with foreign key checks off.
func execNoFK(ctx context.Context, raw *sql.DB, pg bool, q string, args ...any) error {
	conn, err := raw.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	off, on := `PRAGMA foreign_keys = OFF`, `PRAGMA foreign_keys = ON`
	if pg {
		off, on = `SET session_replication_role = replica`, `SET session_replication_role = DEFAULT`
	}
	if _, err := conn.ExecContext(ctx, off); err != nil {
		return err
	}
	defer conn.ExecContext(ctx, on) //nolint:errcheck // the connection is closed next
	_, err = conn.ExecContext(ctx, q, args...)
	return err
}

// tamperArtifacts: the file list of a version is sealed by the manifest
// digest of its one version.create entry; renaming, adding or deleting a
// file row is named by version.
func tamperArtifacts(t *testing.T, b sealDB) {
	dsn, raw := b.clone(t)
	ctx := t.Context()
	var vid string
	if err := raw.QueryRowContext(ctx, `SELECT CAST(MIN(version_id) AS TEXT) FROM artifacts`).Scan(&vid); err != nil {
		t.Fatal(err)
	}
	steps := []struct{ what, sql, undo, kind string }{
		{"rename", `UPDATE artifacts SET path = 'evil.bin' WHERE path = 'w.bin'`, `UPDATE artifacts SET path = 'w.bin' WHERE path = 'evil.bin'`, audit.KindAltered},
		{"add", `INSERT INTO artifacts (version_id, path, size, sha256, kind) SELECT version_id, 'extra.bin', size, sha256, kind FROM artifacts WHERE path = 'w.bin'`,
			`DELETE FROM artifacts WHERE path = 'extra.bin'`, audit.KindAltered},
		{"delete", `DELETE FROM artifacts WHERE CAST(version_id AS TEXT) = '` + vid + `'`, "", audit.KindDeleted},
	}
	for _, st := range steps {
		if err := execNoFK(ctx, raw, b.pg, st.sql); err != nil {
			t.Fatalf("%s: %v", st.sql, err)
		}
		field := ""
		if st.kind == audit.KindAltered {
			field = "manifest"
		}
		expectProblem(t, st.what, b, dsn, st.kind, "artifacts", vid, field)
		if st.undo != "" {
			if _, err := raw.ExecContext(ctx, st.undo); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestOneEntryPerVersion: pushing a version of many files appends the
// same number of log entries as pushing one file (version.create and
// version.ready), and the file list still verifies.
func TestOneEntryPerVersion(t *testing.T) {
	forEachLogDialect(t, func(t *testing.T, e *logEnv) {
		ctx := t.Context()
		if _, err := e.svc.CreateModel(ctx, admin, registry.Model{Name: "big", Team: "team-a"}); err != nil {
			t.Fatal(err)
		}
		size := func() uint64 {
			info, err := e.svc.AuditLogInfo(ctx, auditor)
			if err != nil {
				t.Fatal(err)
			}
			return info.Size
		}
		push := func(n int, tag string) uint64 {
			before := size()
			var arts []registry.Artifact
			for i := range n {
				arts = append(arts, registry.Artifact{Path: fmt.Sprintf("shard-%04d.bin", i), Size: 1, SHA256: sum(tag + fmt.Sprint(i))})
			}
			v, _, err := e.svc.CreateVersion(ctx, maintainer, "big", registry.NewVersion{Artifacts: arts})
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range arts {
				if _, err := e.svc.RecordBlob(ctx, maintainer, registry.Blob{SHA256: a.SHA256, Size: 1, Key: "k" + a.SHA256}); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := e.svc.FinalizeVersion(ctx, maintainer, "big", v.Number); err != nil {
				t.Fatal(err)
			}
			return size() - before
		}
		one, many := push(1, "a"), push(300, "b")
		if one != 2 || many != 2 {
			t.Fatalf("entries per push: 1 file %d, 300 files %d; want 2 each", one, many)
		}
		l, err := registry.ReadAuditLog(ctx, e.db)
		if err != nil {
			t.Fatal(err)
		}
		if res := audit.Verify(l, e.ver, audit.VerifyOptions{}); !res.OK() {
			t.Fatal(res.Problems)
		}
		tc, err := registry.CheckTables(ctx, l.Entries, e.db)
		if err != nil || !tc.Sealed || len(tc.Problems) > 0 || tc.Rows < 301 {
			t.Fatalf("tables: %+v %v", tc, err)
		}
	})
}

// TestBaselineSealsOlderDatabase: rows written before the tables were
// sealed (here by a service without the Merkle log, as a database from
// before schema 8 holds them) are sealed by the baseline at start, so an
// edit to one of them is named; the baseline runs once, and a log without
// one is reported as not sealed rather than as tampered.
func TestBaselineSealsOlderDatabase(t *testing.T) {
	forEachLogDialect(t, func(t *testing.T, e *logEnv) {
		ctx := t.Context()
		old := registry.NewService(e.db) // audit_events only, no log entries
		setup(t, old)
		if _, _, err := old.CreateToken(ctx, admin, registry.Token{Name: "legacy", Role: registry.RoleReviewer}); err != nil {
			t.Fatal(err)
		}
		n, err := e.auditor.Baseline(ctx, e.db)
		if err != nil || n != 7 { // model, version, token and their 4 events
			t.Fatalf("baseline: %d rows, %v", n, err)
		}
		if again, err := e.auditor.Baseline(ctx, e.db); err != nil || again != 0 {
			t.Fatalf("second baseline: %d %v", again, err)
		}
		if _, err := e.svc.CreateModel(ctx, maintainer, registry.Model{Name: "new", Team: "team-a"}); err != nil {
			t.Fatal(err)
		}
		check := func() *registry.TableCheck {
			t.Helper()
			if _, err := e.svc.AuditLogInfo(ctx, auditor); err != nil { // signs a batch
				t.Fatal(err)
			}
			if res := e.verify(t); !res.OK() {
				t.Fatal(res.Problems)
			}
			l, _ := registry.ReadAuditLog(ctx, e.db)
			tc, err := registry.CheckTables(ctx, l.Entries, e.db)
			if err != nil {
				t.Fatal(err)
			}
			return tc
		}
		if tc := check(); !tc.Sealed || len(tc.Problems) > 0 {
			t.Fatalf("after baseline: %+v", tc)
		}
		e.exec(t, `UPDATE audit_events SET actor = 'mallory' WHERE seq = 1`)
		tc := check()
		if len(tc.Problems) == 0 || tc.Problems[0].Table != "audit_events" || tc.Problems[0].Row != "1" || tc.Problems[0].Field != "actor" {
			t.Fatalf("legacy row edit: %+v", tc.Problems)
		}
	})
}

// TestUnsealedLogIsNotTampered: a log whose entries predate sealing (no
// seq, no rows, no baseline) is reported as not sealed: old logs still
// verify.
func TestUnsealedLogIsNotTampered(t *testing.T) {
	t.Parallel()
	var recs []audit.Record
	for i := range 3 {
		b, err := audit.Entry{Index: uint64(i), Time: time.Unix(int64(i), 0), Actor: "alice", Action: "blob.put", Object: "blob/x"}.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, audit.Record{Index: uint64(i), Data: b})
	}
	tc, err := registry.CheckTables(t.Context(), recs, noRows{})
	if err != nil || tc.Sealed || len(tc.Problems) > 0 {
		t.Fatalf("%+v %v", tc, err)
	}
}

type noRows struct{}

func (noRows) ReadSealedRows(context.Context, func(audit.RowImage) error) error { return nil }

// TestHandEditResealedIsNamed: a hand edit of a field the registry never
// changes (who asked for a decision) is not laundered when a legitimate
// change (the approval) re-seals the row afterwards.
func TestHandEditResealedIsNamed(t *testing.T) {
	forEachLogDialect(t, func(t *testing.T, e *logEnv) {
		ctx := t.Context()
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "gate.rego"), []byte(scanPolicy), 0o600); err != nil {
			t.Fatal(err)
		}
		eng, err := policyeval.New(ctx, policy.Options{Dirs: []string{dir}, NoDefault: true})
		if err != nil {
			t.Fatal(err)
		}
		e.svc = registry.NewService(e.db, registry.WithAuditor(e.auditor), registry.WithPolicy(eng))
		setup(t, e.svc)
		if _, err := e.svc.SetGovernance(ctx, admin, "m", registry.GovernancePatch{
			Owners: map[registry.Responsibility][]string{registry.RespApprove: {"rev"}}}); err != nil {
			t.Fatal(err)
		}
		d, err := e.svc.RequestDecision(ctx, maintainer, "m", 1, registry.NewRequest{Action: registry.ActionPromote, Stage: registry.StageProduction, Rationale: "ok"})
		if err != nil || d.Status != registry.RequestPending {
			t.Fatalf("request: %+v %v", d, err)
		}
		e.exec(t, fmt.Sprintf(`UPDATE decision_requests SET requested_by = 'mallory' WHERE id = %d`, d.ID))
		if _, err := e.svc.Approve(ctx, reviewer, d.ID, "fine"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.AuditLogInfo(ctx, auditor); err != nil {
			t.Fatal(err)
		}
		l, _ := registry.ReadAuditLog(ctx, e.db)
		tc, err := registry.CheckTables(ctx, l.Entries, e.db)
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprint(d.ID)
		if len(tc.Problems) != 1 || tc.Problems[0].Table != "decision_requests" || tc.Problems[0].Row != want || tc.Problems[0].Field != "requested_by" {
			t.Fatalf("problems: %+v", tc.Problems)
		}
	})
}
