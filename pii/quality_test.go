package pii_test

import (
	"os"
	"testing"

	"github.com/mlsec/mlsec/pii"
	"github.com/mlsec/mlsec/pii/internal/eval"
)

func presidioResult(t testing.TB, a *pii.Analyzer) (eval.Result, []eval.Text, [][]eval.Label) {
	t.Helper()
	texts, err := eval.LoadPresidio("testdata/presidio/synth_dataset_v2.json")
	if err != nil {
		t.Fatal(err)
	}
	recs := make([]eval.Record, len(texts))
	preds := make([][]eval.Label, len(texts))
	for i, tx := range texts {
		recs[i].Gold = tx.Gold
		for _, s := range a.Analyze(tx.Text) {
			recs[i].Pred = append(recs[i].Pred, eval.Label{Field: eval.PresidioField, Start: s.Start, End: s.End, Entity: eval.PresidioPrediction(string(s.Entity))})
		}
		preds[i] = recs[i].Pred
	}
	return eval.Score(recs), texts, preds
}

func TestQualityScratch(t *testing.T) {
	a, err := pii.New()
	if err != nil {
		t.Fatal(err)
	}
	res, _, _ := presidioResult(t, a)
	res.WriteTable(os.Stdout, "presidio synth_dataset_v2")
}

// TestQualityDebug prints the misses and false positives of one entity type
// on the presidio set: PII_DEBUG=PHONE_NUMBER go test ./pii -run QualityDebug -v
func TestQualityDebug(t *testing.T) {
	ent := os.Getenv("PII_DEBUG")
	if ent == "" {
		t.Skip("set PII_DEBUG to an entity type")
	}
	a, _ := pii.New()
	_, texts, preds := presidioResult(t, a)
	sub := func(s string, a, b int) string { r := []rune(s); return string(r[a:b]) }
	for i, tx := range texts {
		for _, g := range tx.Gold {
			if g.Entity != ent {
				continue
			}
			hit := false
			for _, p := range preds[i] {
				hit = hit || p.Entity == ent && p.Start < g.End && g.Start < p.End
			}
			if !hit {
				t.Logf("FN %q in %q", sub(tx.Text, g.Start, g.End), tx.Text)
			}
		}
		for _, p := range preds[i] {
			if p.Entity != ent {
				continue
			}
			hit := false
			for _, g := range tx.Gold {
				hit = hit || p.Entity == g.Entity && p.Start < g.End && g.Start < p.End
			}
			if !hit {
				t.Logf("FP %q in %q", sub(tx.Text, p.Start, p.End), tx.Text)
			}
		}
	}
}
