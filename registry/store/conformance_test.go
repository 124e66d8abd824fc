package store

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/mlsec/mlsec/registry"
)

var conformanceCases = []struct {
	name string
	fn   func(t *testing.T, db *DB)
}{
	{"ModelCreateGetTags", func(t *testing.T, db *DB) {
		m, _ := seed(t, db)
		got, err := db.GetModel(t.Context(), "m")
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != m.ID || got.Team != "t1" || !slices.Equal(got.Tags, []string{"llm", "prod"}) || got.Revision != 1 {
			t.Fatalf("got %+v", got)
		}
		if !got.CreatedAt.Equal(m.CreatedAt) {
			t.Fatalf("created_at %v != %v (times must round-trip)", got.CreatedAt, m.CreatedAt)
		}
		_, err = db.GetModel(t.Context(), "nope")
		wantKind(t, err, registry.ErrNotFound)
	}},
	{"ModelDuplicateIsExists", func(t *testing.T, db *DB) {
		seed(t, db)
		err := db.Tx(t.Context(), func(tx registry.Tx) error { return tx.CreateModel(t.Context(), &registry.Model{Name: "m"}) })
		wantKind(t, err, registry.ErrExists)
	}},
	{"ModelUpdateOptimistic", func(t *testing.T, db *DB) {
		m, _ := seed(t, db)
		m.Description, m.Tags = "new", []string{"x"}
		mustTx(t, db, func(tx registry.Tx) error { return tx.UpdateModel(t.Context(), &m, 1) })
		if m.Revision != 2 {
			t.Fatalf("revision %d, want 2", m.Revision)
		}
		stale := m
		stale.Description = "lost update"
		err := db.Tx(t.Context(), func(tx registry.Tx) error { return tx.UpdateModel(t.Context(), &stale, 1) })
		wantKind(t, err, registry.ErrPrecondition)
		got, _ := db.GetModel(t.Context(), "m")
		if got.Description != "new" || !slices.Equal(got.Tags, []string{"x"}) {
			t.Fatalf("got %+v", got)
		}
	}},
	{"ModelListFilterAndPaginate", func(t *testing.T, db *DB) {
		mustTx(t, db, func(tx registry.Tx) error {
			for i := range 7 {
				m := registry.Model{Name: fmt.Sprintf("m%d", i), Team: []string{"a", "b"}[i%2], Tags: []string{fmt.Sprintf("g%d", i%3)}}
				if err := tx.CreateModel(t.Context(), &m); err != nil {
					return err
				}
			}
			return nil
		})
		var names []string
		cur := ""
		for pages := 0; ; pages++ {
			ms, next, err := db.ListModels(t.Context(), registry.ModelFilter{Page: registry.Page{Limit: 3, Cursor: cur}})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range ms {
				names = append(names, m.Name)
			}
			if next == "" {
				if pages != 2 {
					t.Fatalf("%d pages, want 3", pages+1)
				}
				break
			}
			cur = next
		}
		if len(names) != 7 || names[0] != "m0" || names[6] != "m6" {
			t.Fatalf("names %v", names)
		}
		ms, _, _ := db.ListModels(t.Context(), registry.ModelFilter{Tag: "g1"})
		if len(ms) != 2 || ms[0].Name != "m1" || ms[1].Name != "m4" {
			t.Fatalf("tag filter: %v", ms)
		}
		ms, _, _ = db.ListModels(t.Context(), registry.ModelFilter{Team: "b", Tag: "g0"})
		if len(ms) != 1 || ms[0].Name != "m3" {
			t.Fatalf("team+tag filter: %v", ms)
		}
		_, _, err := db.ListModels(t.Context(), registry.ModelFilter{Page: registry.Page{Cursor: "garbage"}})
		wantKind(t, err, registry.ErrInvalid)
	}},
	{"VersionNumberingAndImmutability", func(t *testing.T, db *DB) {
		m, v1 := seed(t, db)
		if v1.Number != 1 || v1.State != registry.StatePending {
			t.Fatalf("v1 %+v", v1)
		}
		v2 := registry.Version{ModelID: m.ID, Digest: digest("v2")}
		mustTx(t, db, func(tx registry.Tx) error { return tx.CreateVersion(t.Context(), &v2) })
		if v2.Number != 2 {
			t.Fatalf("v2 number %d", v2.Number)
		}
		dup := registry.Version{ModelID: m.ID, Digest: digest("v1")}
		wantKind(t, db.Tx(t.Context(), func(tx registry.Tx) error { return tx.CreateVersion(t.Context(), &dup) }), registry.ErrExists)
		arts := []registry.Artifact{{Path: "a.bin", Size: 3, SHA256: digest("a")}, {Path: "model.sig", Size: 1, SHA256: digest("s"), Kind: registry.KindSignature}}
		mustTx(t, db, func(tx registry.Tx) error {
			if err := tx.AddArtifacts(t.Context(), v1.ID, arts); err != nil {
				return err
			}
			return tx.SetVersionState(t.Context(), v1.ID, registry.StatePending, registry.StateReady)
		})
		got, err := db.GetVersion(t.Context(), "m", 1)
		if err != nil || got.State != registry.StateReady || got.ReadyAt == nil || got.Model != "m" {
			t.Fatalf("got %+v, %v", got, err)
		}
		err = db.Tx(t.Context(), func(tx registry.Tx) error {
			return tx.AddArtifacts(t.Context(), v1.ID, []registry.Artifact{{Path: "b", SHA256: digest("b")}})
		})
		wantKind(t, err, registry.ErrConflict)
		wantKind(t, db.Tx(t.Context(), func(tx registry.Tx) error {
			return tx.SetVersionState(t.Context(), v1.ID, registry.StatePending, registry.StateFailed)
		}), registry.ErrConflict)
		wantKind(t, db.Tx(t.Context(), func(tx registry.Tx) error {
			return tx.SetVersionState(t.Context(), 999, registry.StatePending, registry.StateReady)
		}), registry.ErrNotFound)
		as, _ := db.ListArtifacts(t.Context(), v1.ID)
		if len(as) != 2 || as[0].Path != "a.bin" || as[0].Kind != registry.KindFile || as[1].Kind != registry.KindSignature {
			t.Fatalf("artifacts %+v", as)
		}
		byDigest, err := db.GetVersionByDigest(t.Context(), "m", digest("v2"))
		if err != nil || byDigest.ID != v2.ID {
			t.Fatalf("by digest %+v %v", byDigest, err)
		}
		vs, _, _ := db.ListVersions(t.Context(), registry.VersionFilter{Model: "m", State: registry.StateReady})
		if len(vs) != 1 || vs[0].ID != v1.ID {
			t.Fatalf("state filter %+v", vs)
		}
	}},
	{"VersionConcurrentNumbering", func(t *testing.T, db *DB) {
		m, _ := seed(t, db)
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for i := range 8 {
			wg.Go(func() {
				v := registry.Version{ModelID: m.ID, Digest: digest(fmt.Sprintf("c%d", i))}
				errs <- db.Tx(t.Context(), func(tx registry.Tx) error { return tx.CreateVersion(t.Context(), &v) })
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		vs, _, _ := db.ListVersions(t.Context(), registry.VersionFilter{Model: "m"})
		for i, v := range vs {
			if v.Number != i+1 {
				t.Fatalf("numbers not 1..9: %d at %d", v.Number, i)
			}
		}
		if len(vs) != 9 {
			t.Fatalf("%d versions", len(vs))
		}
	}},
	{"TxRollbackStoresNothing", func(t *testing.T, db *DB) {
		boom := errors.New("boom")
		err := db.Tx(t.Context(), func(tx registry.Tx) error {
			m := registry.Model{Name: "ghost"}
			if err := tx.CreateModel(t.Context(), &m); err != nil {
				return err
			}
			if err := tx.AppendAudit(t.Context(), &registry.AuditEvent{Actor: "a", Action: "x", Subject: "ghost"}); err != nil {
				return err
			}
			return boom
		})
		wantKind(t, err, boom)
		_, err = db.GetModel(t.Context(), "ghost")
		wantKind(t, err, registry.ErrNotFound)
		if es, _, _ := db.ListAudit(t.Context(), registry.AuditFilter{Page: registry.Page{}}); len(es) != 0 {
			t.Fatalf("audit kept %d events of a rolled-back tx", len(es))
		}
	}},
	{"BlobsDeduplicate", func(t *testing.T, db *DB) {
		b := registry.Blob{SHA256: digest("x"), Size: 10, Key: "sha256/78/78"}
		var first, second bool
		mustTx(t, db, func(tx registry.Tx) (err error) { first, err = tx.PutBlob(t.Context(), b); return })
		mustTx(t, db, func(tx registry.Tx) (err error) { second, err = tx.PutBlob(t.Context(), b); return })
		if !first || second {
			t.Fatalf("created %v then %v, want true then false", first, second)
		}
		got, err := db.GetBlob(t.Context(), b.SHA256)
		if err != nil || got.Size != 10 || got.Key != b.Key {
			t.Fatalf("%+v %v", got, err)
		}
		_, err = db.GetBlob(t.Context(), digest("y"))
		wantKind(t, err, registry.ErrNotFound)
	}},
	{"EvidenceFilters", func(t *testing.T, db *DB) {
		_, v := seed(t, db)
		ts := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		recs := []registry.Evidence{
			{VersionID: v.ID, Type: "scan", SubjectDigest: v.Digest, Producer: "mlsec", Timestamp: ts, MaxSeverity: "high", Body: []byte(`{"a": 1}`)},
			{VersionID: v.ID, Type: "scan", SubjectDigest: v.Digest, Producer: "mlsec", Timestamp: ts, MaxSeverity: "none", Body: []byte(`{}`)},
			{VersionID: v.ID, Type: "bom", SubjectDigest: v.Digest, Producer: "mlsec", Timestamp: ts, Signed: true, Body: []byte(`{}`)},
			{Type: "test", SubjectDigest: digest("other"), Producer: "ci", Timestamp: ts, Body: []byte(`{}`)},
		}
		mustTx(t, db, func(tx registry.Tx) error {
			for i := range recs {
				if err := tx.AddEvidence(t.Context(), &recs[i]); err != nil {
					return err
				}
			}
			return nil
		})
		got, err := db.GetEvidence(t.Context(), recs[0].ID)
		if err != nil || string(got.Body) != `{"a": 1}` || !got.Timestamp.Equal(ts) || got.MaxSeverity != "high" {
			t.Fatalf("body must be stored verbatim: %+v %v", got, err)
		}
		if g, _ := db.GetEvidence(t.Context(), recs[2].ID); !g.Signed {
			t.Fatal("signed flag lost")
		}
		for _, c := range []struct {
			f    registry.EvidenceFilter
			want int
		}{
			{registry.EvidenceFilter{VersionID: v.ID}, 3},
			{registry.EvidenceFilter{SubjectDigest: digest("other")}, 1},
			{registry.EvidenceFilter{Type: "scan"}, 2},
			{registry.EvidenceFilter{MinSeverity: "medium"}, 1},
			{registry.EvidenceFilter{MinSeverity: "none"}, 2},
		} {
			es, _, err := db.ListEvidence(t.Context(), c.f)
			if err != nil || len(es) != c.want {
				t.Errorf("%+v: %d records (%v), want %d", c.f, len(es), err, c.want)
			}
		}
		_, _, err = db.ListEvidence(t.Context(), registry.EvidenceFilter{MinSeverity: "huge"})
		wantKind(t, err, registry.ErrInvalid)
		vs, _, _ := db.ListVersions(t.Context(), registry.VersionFilter{MinSeverity: "high"})
		if len(vs) != 1 {
			t.Fatalf("versions with high findings: %d", len(vs))
		}
		vs, _, _ = db.ListVersions(t.Context(), registry.VersionFilter{MinSeverity: "critical"})
		if len(vs) != 0 {
			t.Fatalf("versions with critical findings: %d", len(vs))
		}
	}},
	{"LineageEdges", func(t *testing.T, db *DB) {
		_, v := seed(t, db)
		edges := []registry.LineageEdge{
			{VersionID: v.ID, Kind: registry.TrainedOn, Target: digest("ds")},
			{VersionID: v.ID, Kind: registry.ProducedBy, Target: "https://ci.example/run/1", Commit: "abc123"},
		}
		mustTx(t, db, func(tx registry.Tx) error {
			for i := range edges {
				if err := tx.AddLineage(t.Context(), &edges[i]); err != nil {
					return err
				}
			}
			return nil
		})
		dup := edges[0]
		wantKind(t, db.Tx(t.Context(), func(tx registry.Tx) error { return tx.AddLineage(t.Context(), &dup) }), registry.ErrExists)
		orphan := registry.LineageEdge{VersionID: 424242, Kind: registry.TrainedOn, Target: "x"}
		wantKind(t, db.Tx(t.Context(), func(tx registry.Tx) error { return tx.AddLineage(t.Context(), &orphan) }), registry.ErrInvalid)
		bad := registry.LineageEdge{VersionID: v.ID, Kind: "sired_by", Target: "x"}
		if err := db.Tx(t.Context(), func(tx registry.Tx) error { return tx.AddLineage(t.Context(), &bad) }); err == nil {
			t.Fatal("unknown lineage kind accepted by the schema")
		}
		ls, _ := db.ListLineage(t.Context(), v.ID)
		if len(ls) != 2 || ls[1].Commit != "abc123" || ls[0].Kind != registry.TrainedOn {
			t.Fatalf("%+v", ls)
		}
	}},
	{"LineageSourcesByTargetAndScope", func(t *testing.T, db *DB) {
		ds := digest("dataset")
		// m (team t1) v1 trained on ds, v2 derived from it (another kind);
		// n (team t2) v1 trained on ds; o (team t1) v1 trained on another.
		add := func(model, team string, kinds ...registry.LineageKind) registry.Version {
			m := registry.Model{Name: model, Team: team}
			v := registry.Version{Digest: digest(model)}
			mustTx(t, db, func(tx registry.Tx) error {
				if err := tx.CreateModel(t.Context(), &m); err != nil {
					return err
				}
				v.ModelID = m.ID
				if err := tx.CreateVersion(t.Context(), &v); err != nil {
					return err
				}
				for _, k := range kinds {
					target := ds
					if model == "o" {
						target = digest("other")
					}
					if err := tx.AddLineage(t.Context(), &registry.LineageEdge{VersionID: v.ID, Kind: k, Target: target}); err != nil {
						return err
					}
				}
				return nil
			})
			return v
		}
		mv := add("m", "t1", registry.TrainedOn)
		m2 := registry.Version{ModelID: mv.ModelID, Digest: digest("m2")}
		mustTx(t, db, func(tx registry.Tx) error {
			if err := tx.CreateVersion(t.Context(), &m2); err != nil {
				return err
			}
			return tx.AddLineage(t.Context(), &registry.LineageEdge{VersionID: m2.ID, Kind: registry.DerivedFrom, Target: ds})
		})
		nv := add("n", "t2", registry.TrainedOn)
		add("o", "t1", registry.TrainedOn)
		list := func(s registry.Scope, limit int) []string {
			var out []string
			cur := ""
			for {
				vs, next, err := db.ListLineageSources(t.Context(), registry.LineageFilter{Kind: registry.TrainedOn, Target: ds, Scope: s, Page: registry.Page{Limit: limit, Cursor: cur}})
				if err != nil {
					t.Fatal(err)
				}
				for _, v := range vs {
					out = append(out, fmt.Sprintf("%s/%d", v.Model, v.Number))
				}
				if next == "" {
					return out
				}
				cur = next
			}
		}
		if got := list(registry.Scope{}, 1); !slices.Equal(got, []string{"m/1", "n/1"}) {
			t.Fatalf("unscoped: %v", got)
		}
		if got := list(registry.Scope{Team: "t1"}, 10); !slices.Equal(got, []string{"m/1"}) {
			t.Fatalf("team t1: %v (a team-scoped reader saw another team's version)", got)
		}
		if got := list(registry.Scope{Team: "t1", Model: "n"}, 10); len(got) != 0 {
			t.Fatalf("model n of team t1: %v", got)
		}
		if got := list(registry.Scope{Model: "n"}, 10); !slices.Equal(got, []string{"n/1"}) {
			t.Fatalf("model n: %v", got)
		}
		vs, _, err := db.ListLineageSources(t.Context(), registry.LineageFilter{Kind: registry.DerivedFrom, Target: ds})
		if err != nil || len(vs) != 1 || vs[0].ID != m2.ID || nv.ID == 0 {
			t.Fatalf("derived_from: %+v %v", vs, err)
		}
	}},
	{"DatasetsOptimistic", func(t *testing.T, db *DB) {
		d := registry.Dataset{Name: "imagenet", Digest: digest("d1"), Owner: "data-team"}
		mustTx(t, db, func(tx registry.Tx) error { return tx.CreateDataset(t.Context(), &d) })
		wantKind(t, db.Tx(t.Context(), func(tx registry.Tx) error {
			return tx.CreateDataset(t.Context(), &registry.Dataset{Name: "imagenet"})
		}), registry.ErrExists)
		d.Digest = digest("d2")
		mustTx(t, db, func(tx registry.Tx) error { return tx.UpdateDataset(t.Context(), &d, 1) })
		wantKind(t, db.Tx(t.Context(), func(tx registry.Tx) error { return tx.UpdateDataset(t.Context(), &d, 1) }), registry.ErrPrecondition)
		got, _ := db.GetDataset(t.Context(), "imagenet")
		if got.Digest != digest("d2") || got.Revision != 2 {
			t.Fatalf("%+v", got)
		}
		ds, _, _ := db.ListDatasets(t.Context(), registry.DatasetFilter{})
		if len(ds) != 1 {
			t.Fatalf("%d datasets", len(ds))
		}
	}},
	{"TokensRevoke", func(t *testing.T, db *DB) {
		exp := time.Now().Add(time.Hour).UTC().Truncate(time.Microsecond)
		tok := registry.Token{Name: "ci", Hash: digest("secret"), Role: registry.RoleMaintainer, ScopeTeam: "t1", ExpiresAt: &exp}
		mustTx(t, db, func(tx registry.Tx) error { return tx.CreateToken(t.Context(), &tok) })
		got, err := db.GetTokenByHash(t.Context(), digest("secret"))
		if err != nil || got.ID != tok.ID || got.Role != registry.RoleMaintainer || got.ExpiresAt == nil || !got.ExpiresAt.Equal(exp) || got.RevokedAt != nil {
			t.Fatalf("%+v %v", got, err)
		}
		bad := registry.Token{Name: "x", Hash: digest("other"), Role: "superuser"}
		if err := db.Tx(t.Context(), func(tx registry.Tx) error { return tx.CreateToken(t.Context(), &bad) }); err == nil {
			t.Fatal("unknown role accepted by the schema")
		}
		mustTx(t, db, func(tx registry.Tx) error { return tx.RevokeToken(t.Context(), tok.ID, time.Now()) })
		wantKind(t, db.Tx(t.Context(), func(tx registry.Tx) error { return tx.RevokeToken(t.Context(), tok.ID, time.Now()) }), registry.ErrConflict)
		wantKind(t, db.Tx(t.Context(), func(tx registry.Tx) error { return tx.RevokeToken(t.Context(), 999, time.Now()) }), registry.ErrNotFound)
		if got, _ := db.GetTokenByHash(t.Context(), digest("secret")); got.RevokedAt == nil {
			t.Fatal("revocation not stored")
		}
		if n, _ := db.CountTokens(t.Context()); n != 1 {
			t.Fatalf("count %d", n)
		}
	}},
	{"JobsLifecycle", func(t *testing.T, db *DB) {
		_, v := seed(t, db)
		j := registry.Job{Kind: "scan", VersionID: v.ID, MaxAttempts: 2, Payload: []byte(`{"k":1}`)}
		mustTx(t, db, func(tx registry.Tx) error { return tx.EnqueueJob(t.Context(), &j) })
		t0 := time.Now()
		claim := func(worker string, at time.Time) (registry.Job, bool) {
			var got registry.Job
			var ok bool
			mustTx(t, db, func(tx registry.Tx) (err error) {
				got, ok, err = tx.ClaimJob(t.Context(), worker, at, time.Minute)
				return
			})
			return got, ok
		}
		got, ok := claim("w1", t0)
		if !ok || got.ID != j.ID || got.State != registry.JobRunning || got.Attempts != 1 || got.LockedBy != "w1" || string(got.Payload) != `{"k":1}` {
			t.Fatalf("claim: %+v %v", got, ok)
		}
		if _, ok := claim("w2", t0); ok {
			t.Fatal("a leased job was claimed twice")
		}
		// w1 dies; after the lease, w2 resumes the job.
		got, ok = claim("w2", t0.Add(2*time.Minute))
		if !ok || got.LockedBy != "w2" || got.Attempts != 2 {
			t.Fatalf("resume after lease expiry: %+v %v", got, ok)
		}
		wantKind(t, db.Tx(t.Context(), func(tx registry.Tx) error { return tx.FinishJob(t.Context(), j.ID, "w1", "", t0) }), registry.ErrConflict)
		mustTx(t, db, func(tx registry.Tx) error { return tx.FinishJob(t.Context(), j.ID, "w2", "scan failed", t0) })
		got, _ = db.GetJob(t.Context(), j.ID)
		if got.State != registry.JobFailed || got.Error != "scan failed" {
			t.Fatalf("after last attempt: %+v", got)
		}
		// A job that fails once is retried after retryAt, then succeeds.
		k := registry.Job{Kind: "bom", VersionID: v.ID}
		mustTx(t, db, func(tx registry.Tx) error { return tx.EnqueueJob(t.Context(), &k) })
		t0 = time.Now()
		claim("w1", t0)
		mustTx(t, db, func(tx registry.Tx) error {
			return tx.FinishJob(t.Context(), k.ID, "w1", "transient", t0.Add(time.Hour))
		})
		if _, ok := claim("w1", t0.Add(time.Minute)); ok {
			t.Fatal("retry ran before its run_after")
		}
		if got, ok := claim("w1", t0.Add(2*time.Hour)); !ok || got.ID != k.ID {
			t.Fatalf("retry not claimed: %+v", got)
		}
		mustTx(t, db, func(tx registry.Tx) error { return tx.FinishJob(t.Context(), k.ID, "w1", "", t0) })
		js, _, _ := db.ListJobs(t.Context(), registry.JobFilter{VersionID: v.ID, State: registry.JobDone})
		if len(js) != 1 || js[0].ID != k.ID || js[0].LockedUntil != nil {
			t.Fatalf("done jobs %+v", js)
		}
		// A job whose worker died on its last attempt is failed, not looped.
		l := registry.Job{Kind: "hash", MaxAttempts: 1}
		mustTx(t, db, func(tx registry.Tx) error { return tx.EnqueueJob(t.Context(), &l) })
		t0 = time.Now()
		if _, ok := claim("w1", t0); !ok {
			t.Fatal("job l not claimed")
		}
		if _, ok := claim("w2", t0.Add(time.Hour)); ok {
			t.Fatal("exhausted job claimed again")
		}
		if got, _ := db.GetJob(t.Context(), l.ID); got.State != registry.JobFailed {
			t.Fatalf("exhausted job state %s", got.State)
		}
	}},
	{"VersionStageFilterAndStaleRevision", func(t *testing.T, db *DB) {
		m, v1 := seed(t, db)
		// Creation ignores a requested stage: every version starts in development.
		v2 := registry.Version{ModelID: m.ID, Digest: digest("v2"), Stage: registry.StageProduction}
		v3 := registry.Version{ModelID: m.ID, Digest: digest("v3")}
		mustTx(t, db, func(tx registry.Tx) error {
			for _, v := range []*registry.Version{&v2, &v3} {
				if err := tx.CreateVersion(t.Context(), v); err != nil {
					return err
				}
			}
			return nil
		})
		if got, _ := db.GetVersionByID(t.Context(), v2.ID); got.Stage != registry.StageDevelopment || v2.Stage != registry.StageDevelopment {
			t.Fatalf("new version stage %q (returned %q), want development", got.Stage, v2.Stage)
		}
		for _, v := range []registry.Version{v1, v2, v3} {
			mustTx(t, db, func(tx registry.Tx) error {
				return tx.SetVersionStage(t.Context(), v.ID, v.Revision, registry.StageStaging)
			})
		}
		// At most one version per model is in production (migration 0004).
		mustTx(t, db, func(tx registry.Tx) error {
			return tx.SetVersionStage(t.Context(), v3.ID, v3.Revision+1, registry.StageProduction)
		})
		wantKind(t, db.Tx(t.Context(), func(tx registry.Tx) error {
			return tx.SetVersionStage(t.Context(), v1.ID, v1.Revision+1, registry.StageProduction)
		}), registry.ErrExists)
		mustTx(t, db, func(tx registry.Tx) error {
			return tx.SetVersionStage(t.Context(), v3.ID, v3.Revision+2, registry.StageStaging)
		})
		v3.Revision += 2
		got, _ := db.GetVersionByID(t.Context(), v1.ID)
		if got.Stage != registry.StageStaging || got.Revision != v1.Revision+1 {
			t.Fatalf("after stage change %+v", got)
		}
		// A stale revision changes nothing.
		wantKind(t, db.Tx(t.Context(), func(tx registry.Tx) error {
			return tx.SetVersionStage(t.Context(), v1.ID, v1.Revision, registry.StageRetired)
		}), registry.ErrPrecondition)
		wantKind(t, db.Tx(t.Context(), func(tx registry.Tx) error {
			return tx.SetVersionStage(t.Context(), 999, 1, registry.StageRetired)
		}), registry.ErrPrecondition)
		// The schema's CHECK rejects a stage the code does not know.
		if err := db.Tx(t.Context(), func(tx registry.Tx) error {
			return tx.SetVersionStage(t.Context(), v1.ID, v1.Revision+1, "bogus")
		}); err == nil {
			t.Fatal("unknown stage stored")
		}
		if got, _ := db.GetVersionByID(t.Context(), v1.ID); got.Stage != registry.StageStaging || got.Revision != v1.Revision+1 {
			t.Fatalf("stale update was applied: %+v", got)
		}
		mustTx(t, db, func(tx registry.Tx) error {
			return tx.SetVersionStage(t.Context(), v2.ID, v2.Revision+1, registry.StageDeprecated)
		})
		mustTx(t, db, func(tx registry.Tx) error {
			return tx.SetVersionState(t.Context(), v3.ID, registry.StatePending, registry.StateReady)
		})
		// Stage filter, alone, paginated, and combined with state.
		var nums []int
		for cur := ""; ; {
			vs, next, err := db.ListVersions(t.Context(), registry.VersionFilter{Model: "m", Stage: registry.StageStaging, Page: registry.Page{Limit: 1, Cursor: cur}})
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range vs {
				nums = append(nums, v.Number)
			}
			if cur = next; cur == "" {
				break
			}
		}
		if !slices.Equal(nums, []int{1, 3}) {
			t.Fatalf("staging versions %v, want [1 3]", nums)
		}
		vs, _, err := db.ListVersions(t.Context(), registry.VersionFilter{Model: "m", Stage: registry.StageStaging, State: registry.StateReady})
		if err != nil || len(vs) != 1 || vs[0].Number != 3 {
			t.Fatalf("staging+ready: %+v %v", vs, err)
		}
		vs, _, _ = db.ListVersions(t.Context(), registry.VersionFilter{Model: "m", Stage: registry.StageDeprecated})
		if len(vs) != 1 || vs[0].Number != 2 || vs[0].Stage != registry.StageDeprecated {
			t.Fatalf("deprecated: %+v", vs)
		}
		_, _, err = db.ListVersions(t.Context(), registry.VersionFilter{Model: "m", Stage: "prod"})
		wantKind(t, err, registry.ErrInvalid)
	}},
	{"AuditAppendOrder", func(t *testing.T, db *DB) {
		mustTx(t, db, func(tx registry.Tx) error {
			for i := range 5 {
				e := registry.AuditEvent{Actor: "alice", Action: "model.create", Subject: fmt.Sprintf("model/m%d", i), Payload: []byte(`{"i":1}`)}
				if err := tx.AppendAudit(t.Context(), &e); err != nil {
					return err
				}
				if e.Seq == 0 {
					t.Error("seq not assigned")
				}
			}
			return nil
		})
		es, cur, err := db.ListAudit(t.Context(), registry.AuditFilter{Page: registry.Page{Limit: 3}})
		if err != nil || len(es) != 3 || cur == "" || es[0].Subject != "model/m0" || es[0].Seq >= es[1].Seq {
			t.Fatalf("%+v %q %v", es, cur, err)
		}
		rest, cur, _ := db.ListAudit(t.Context(), registry.AuditFilter{Page: registry.Page{Cursor: cur}})
		if len(rest) != 2 || cur != "" || rest[1].Subject != "model/m4" || string(rest[1].Payload) != `{"i":1}` {
			t.Fatalf("%+v %q", rest, cur)
		}
	}},
}
