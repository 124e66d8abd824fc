package fairness

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/mlsec/mlsec/evidence"
)

func TestHistory(t *testing.T) {
	t.Parallel()
	day := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	var es []HistoryEntry
	for i, name := range []string{"all_zero_predictions", "toy"} {
		rec, err := goldenResult(t, name, DefaultOptions()).Evidence(evidence.NewSubject("m", strings.Repeat("0", 63)+string(rune('1'+i))), "t", day.AddDate(0, 0, 7*i))
		if err != nil {
			t.Fatal(err)
		}
		e, err := NewHistoryEntry(2-i, []string{"production", ""}[i], rec)
		if err != nil {
			t.Fatal(err)
		}
		es = append(es, e)
	}
	SortHistory(es)
	if es[0].Version != 1 || *es[0].Metrics[DemographicParityDifference] != 0.4 || es[1].Metrics[DemographicParityRatio] != nil {
		t.Fatalf("entries %+v", es)
	}
	var b bytes.Buffer
	if err := WriteHistoryText(&b, "m", es); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"VERSION", "DP DIFFERENCE", "2026-11-08 09:00", "0.4000", "n/a", "production", "failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("history lacks %q:\n%s", want, out)
		}
	}
	// Other tools' records (no method) still show.
	v := 0.03
	other, err := evidence.New(evidence.TypeFairness, evidence.NewSubject("m", strings.Repeat("a", 64)), "1", day,
		evidence.FairnessResult{Metrics: []evidence.FairnessMetric{{Name: DemographicParityDifference, Attribute: "sex", Value: &v}}})
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewHistoryEntry(3, "", other)
	if err != nil || *e.Metrics[DemographicParityDifference] != 0.03 || e.Attributes != "sex" {
		t.Fatalf("other tool's record: %+v %v", e, err)
	}
	if _, err := NewHistoryEntry(1, "", evidence.Record{Type: evidence.TypeScan, Result: []byte(`{}`)}); err == nil {
		t.Fatal("a scan record is not fairness history")
	}
}
