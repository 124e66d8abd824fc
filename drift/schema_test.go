package drift

import (
	"testing"
	"time"

	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/internal/schematest"
)

// sampleReport has every column status, an undefined score and a chart of
// each kind.
func sampleReport(t *testing.T) *Report {
	ref := &Table{Name: "ref.csv", Rows: 6, Columns: []*Column{
		NumericColumn("x", []float64{1, 2, 3, 4, 5, 6}, false),
		CategoricalColumn("c", []string{"a", "b", "a", "a", "b", "a"}, nil),
		NumericColumn("gone", []float64{1, 2, 3, 4, 5, 6}, true),
		CategoricalColumn("id", []string{"1", "2", "3", "4", "5", "6"}, nil),
	}}
	cur := &Table{Name: "cur.csv", Rows: 6, Columns: []*Column{
		NumericColumn("x", []float64{3, 4, 5, 6, 7, 8}, false),
		CategoricalColumn("c", []string{"a", "b", "c", "c", "b", "a"}, nil),
		NumericColumn("gone", []float64{nan(), nan(), nan(), nan(), nan(), nan()}, false),
		CategoricalColumn("id", []string{"7", "8", "9", "10", "11", "12"}, nil),
	}}
	rep, err := Compare(ref, cur, Options{Methods: map[string]string{"c": "chisquare"}})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestReportSchema(t *testing.T) {
	t.Parallel()
	rep := sampleReport(t)
	statuses := map[string]bool{}
	for _, c := range rep.Columns {
		statuses[c.Status] = true
	}
	if !statuses[StatusTested] || !statuses[StatusEmpty] || !statuses[StatusSkipped] || rep.Complete {
		t.Fatalf("sample lacks a status: %v complete=%v", statuses, rep.Complete)
	}
	schematest.Validate(t, schematest.Compile(t, "../docs/schemas/drift-report.schema.json"), rep)
}

func TestEvidenceRecord(t *testing.T) {
	t.Parallel()
	rep := sampleReport(t)
	subj := evidence.NewSubject("m", "4f2c1e0b9a8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b")
	rec, err := Evidence(subj, rep, Roles{evidence.RoleTraining, evidence.RoleEvaluation}, "", "test", time.Unix(1e9, 0))
	if err != nil {
		t.Fatal(err)
	}
	schematest.Validate(t, schematest.Compile(t, "../docs/schemas/evidence.schema.json"), rec)
	res, err := rec.DecodeResult()
	if err != nil {
		t.Fatal(err)
	}
	d := res.(*evidence.DriftResult)
	if d.NumberOfColumns != rep.NumberOfColumns || d.Drifted != rep.DatasetDrift || d.Complete == nil || *d.Complete || len(d.Columns) != 4 {
		t.Fatalf("record %+v does not match the report", d)
	}
	// A record whose counts disagree with its columns is refused.
	d.NumberOfDriftedColumns++
	if _, err := evidence.New(evidence.TypeDrift, subj, "test", time.Unix(1e9, 0), d); err == nil {
		t.Fatal("inconsistent drift record accepted")
	}
}
