package registry_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/internal/pgtest"
	"github.com/mlsec/mlsec/registry"
)

// adultPII is a PII summary with two sensitive attributes and no entity.
func adultPII() *evidence.DataResult {
	return &evidence.DataResult{Rows: 3, Files: 1, Complete: true, Entities: map[string]int64{}, Columns: []evidence.DataColumn{
		{Name: "sex", File: "adult.csv", SensitiveAttribute: true, Category: "sex"},
		{Name: "race", File: "adult.csv", SensitiveAttribute: true, Category: "race"},
		{Name: "age", File: "adult.csv"},
	}}
}

func datasetVersionIn(content string) registry.NewDatasetVersion {
	return registry.NewDatasetVersion{Files: []registry.DatasetFile{{Path: "adult.csv", Size: int64(len(content)), SHA256: sum(content)}},
		Team: "team-a", Owner: "rev", Classification: "confidential", PII: adultPII(), LawfulBasis: "CC BY 4.0 public research data",
		Retention: "365d", AllowedLocations: []string{"s3://ml-data/adult/"}}
}

// TestDatasetVersions: registering versions (numbered, the dataset created
// on the first, the root digest checked), approval by the owner and not
// the registrant, one vote per person, a quorum, rejection, scopes, the
// audit trail, and the facts the policy input gets from trained_on edges.
// SQLite and PostgreSQL.
func TestDatasetVersions(t *testing.T) {
	for name, dsn := range pgtest.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			s := govService(t, dsn(t))
			ctx := t.Context()
			v := setup(t, s)

			in := datasetVersionIn("age,sex,race\n39,Male,White\n")
			in.Digest = "sha256:" + sum("something else")
			if _, err := s.RegisterDatasetVersion(ctx, maintainer, "adult", in); !errors.Is(err, registry.ErrDigestMismatch) {
				t.Fatalf("a digest that is not the files' root digest: %v", err)
			}
			in.Digest = ""
			for field, bad := range map[string]func(*registry.NewDatasetVersion){
				"classification": func(n *registry.NewDatasetVersion) { n.Classification = "secret" },
				"retention":      func(n *registry.NewDatasetVersion) { n.Retention = "forever" },
				"location":       func(n *registry.NewDatasetVersion) { n.AllowedLocations = []string{"no-scheme"} },
				"files":          func(n *registry.NewDatasetVersion) { n.Files = nil },
				"path": func(n *registry.NewDatasetVersion) {
					n.Files = []registry.DatasetFile{{Path: "../x", SHA256: sum("x")}}
				},
				"pii":          func(n *registry.NewDatasetVersion) { n.PII = &evidence.DataResult{} },
				"derived_from": func(n *registry.NewDatasetVersion) { n.DerivedFrom = "adult" },
				"quorum":       func(n *registry.NewDatasetVersion) { n.RequiredApprovals = 21 },
			} {
				n := datasetVersionIn("x")
				bad(&n)
				if _, err := s.RegisterDatasetVersion(ctx, maintainer, "adult", n); !errors.Is(err, registry.ErrInvalid) {
					t.Errorf("bad %s: %v, want ErrInvalid", field, err)
				}
			}
			if _, err := s.RegisterDatasetVersion(ctx, reviewer, "adult", in); !errors.Is(err, registry.ErrForbidden) {
				t.Fatalf("a reviewer registers: %v", err)
			}
			if _, err := s.RegisterDatasetVersion(ctx, otherTeam, "adult", in); !errors.Is(err, registry.ErrForbidden) {
				t.Fatalf("another team registers in team-a: %v", err)
			}
			root, _ := registry.RootDigest([]registry.Artifact{{Path: "adult.csv", SHA256: sum("age,sex,race\n39,Male,White\n")}})
			d1, err := s.RegisterDatasetVersion(ctx, maintainer, "adult", in)
			if err != nil || d1.Number != 1 || d1.Status != registry.DatasetPending || d1.Digest != root || d1.Team != "team-a" {
				t.Fatalf("register v1: %+v %v", d1, err)
			}
			if _, err := s.RegisterDatasetVersion(ctx, maintainer, "adult", in); !errors.Is(err, registry.ErrExists) {
				t.Fatalf("the same content twice: %v", err)
			}
			if _, err := s.GetDatasetVersion(ctx, otherTeam, "adult", 1); !errors.Is(err, registry.ErrForbidden) {
				t.Fatalf("another team reads: %v", err)
			}

			// Lineage: v trained on adult@1 (pending) and an unknown digest.
			for _, target := range []string{d1.Digest, sum("unknown data")} {
				if _, err := s.AddLineage(ctx, maintainer, "m", v.Number, registry.LineageEdge{Kind: registry.TrainedOn, Target: "sha256:" + target}); err != nil {
					t.Fatal(err)
				}
			}
			facts := func() map[string]string {
				t.Helper()
				in, err := s.PolicyInput(ctx, v, registry.ActionPromote, registry.StageProduction, maintainer)
				if err != nil {
					t.Fatal(err)
				}
				out := map[string]string{}
				for _, f := range in.Datasets {
					out[f.Digest] = f.Approval
					if f.Registered && (f.Classification != "confidential" || !f.PIIScanned || strings.Join(f.SensitiveAttributes, ",") != "sex,race") {
						t.Errorf("fact %+v", f)
					}
				}
				return out
			}
			if got := facts(); len(got) != 2 || got[d1.Digest] != "pending" || got[sum("unknown data")] != "" {
				t.Fatalf("facts before approval: %v", got)
			}

			if _, err := s.ApproveDatasetVersion(ctx, maintainer, "adult", 1, "mine"); !errors.Is(err, registry.ErrForbidden) || !strings.Contains(err.Error(), "separation of duties") {
				t.Fatalf("the registrant approves: %v", err)
			}
			if _, err := s.ApproveDatasetVersion(ctx, auditor, "adult", 1, ""); !errors.Is(err, registry.ErrForbidden) || !strings.Contains(err.Error(), "not an approver") {
				t.Fatalf("a non-approver approves: %v", err)
			}
			d1, err = s.ApproveDatasetVersion(ctx, reviewer, "adult", 1, "checked the PII report")
			if err != nil || d1.Status != registry.DatasetApproved || d1.DecidedBy != "rev" || len(d1.Approvals) != 1 {
				t.Fatalf("the owner approves: %+v %v", d1, err)
			}
			if _, err := s.RejectDatasetVersion(ctx, admin, "adult", 1, ""); !errors.Is(err, registry.ErrConflict) {
				t.Fatalf("a vote on an approved version: %v", err)
			}
			if got := facts(); got[d1.Digest] != "approved" {
				t.Fatalf("facts after approval: %v", got)
			}
			td, err := s.TrainingData(ctx, auditor, "m", v.Number)
			if err != nil || len(td) != 2 || td[0].Name != "adult" || td[0].ApprovedBy != "rev" || td[0].Classification != "confidential" {
				t.Fatalf("training data: %+v %v", td, err)
			}
			elsewhere := registry.Actor{Name: "token:8:m-reader", Role: registry.RoleReviewer, ScopeModel: "m"}
			if td, err = s.TrainingData(ctx, elsewhere, "m", v.Number); err != nil || td[0].Name != "" || td[0].Approval != "approved" {
				t.Fatalf("training data for a model-scoped reader: %+v %v", td, err)
			}

			// v2 derives from v1, needs two approvals: the owner's alone
			// is not enough, a second vote by the same person is refused.
			in2 := datasetVersionIn("age,sex,race\n40,Male,White\n")
			in2.DerivedFrom, in2.RequiredApprovals = "adult@1", 2
			d2, err := s.RegisterDatasetVersion(ctx, maintainer, "adult", in2)
			if err != nil || d2.Number != 2 || d2.Required != 2 || d2.DerivedFrom != "adult@1" {
				t.Fatalf("register v2: %+v %v", d2, err)
			}
			if d2, err = s.ApproveDatasetVersion(ctx, reviewer, "adult", 2, ""); err != nil || d2.Status != registry.DatasetPending {
				t.Fatalf("one approval of two: %+v %v", d2, err)
			}
			again := registry.Actor{Name: "token:7:rev-laptop", Person: "REV", Role: registry.RoleReviewer}
			if _, err := s.ApproveDatasetVersion(ctx, again, "adult", 2, ""); !errors.Is(err, registry.ErrConflict) || !strings.Contains(err.Error(), "already voted") {
				t.Fatalf("the owner votes twice: %v", err)
			}
			if d2, err = s.RejectDatasetVersion(ctx, admin, "adult", 2, "row 1 changed without a reason"); err != nil || d2.Status != registry.DatasetRejected {
				t.Fatalf("admin rejects: %+v %v", d2, err)
			}
			vs, err := s.ListDatasetVersions(ctx, auditor, "adult")
			if err != nil || len(vs) != 2 || vs[0].Status != registry.DatasetApproved || vs[1].Status != registry.DatasetRejected || vs[0].PII == nil {
				t.Fatalf("list: %+v %v", vs, err)
			}
			if l, err := s.LatestDatasetVersion(ctx, auditor, "adult"); err != nil || l.Number != 2 || l.Status != registry.DatasetRejected || l.Digest != vs[1].Digest {
				t.Fatalf("latest: %+v %v", l, err)
			}
			if _, err := s.LatestDatasetVersion(ctx, otherTeam, "adult"); !errors.Is(err, registry.ErrForbidden) {
				t.Fatalf("latest of another team's dataset: %v", err)
			}
			if _, err := s.CreateDataset(ctx, admin, registry.Dataset{Name: "bare", Digest: sum("bare rows"), Team: "team-a"}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.LatestDatasetVersion(ctx, auditor, "bare"); !errors.Is(err, registry.ErrNotFound) {
				t.Fatalf("latest of a dataset without versions: %v", err)
			}

			// Audited under dataset/adult: creation, both versions, votes.
			events, _, err := s.ListAudit(ctx, admin, registry.Page{Limit: registry.MaxLimit})
			if err != nil {
				t.Fatal(err)
			}
			var actions []string
			for _, e := range events {
				if e.Subject == "dataset/adult" {
					actions = append(actions, e.Action)
					if e.Action == "dataset.version.create" && !json.Valid(e.Payload) {
						t.Errorf("payload %s", e.Payload)
					}
				}
			}
			want := "dataset.create dataset.version.create dataset.approve dataset.version.create dataset.approve dataset.reject"
			if strings.Join(actions, " ") != want {
				t.Fatalf("audit: %v, want %s", actions, want)
			}
		})
	}
}
