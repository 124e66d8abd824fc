package evidence

import (
	"encoding/json"
	"errors"
	"testing"
)

func f64(v float64) *float64 { return &v }

func TestRobustnessAndExplainabilityDecodeTyped(t *testing.T) {
	t.Parallel()
	s := compileSchema(t)
	pass := true
	rob, err := New(TypeRobustness, NewSubject("m", digestA), "1.0", now, RobustnessResult{
		CleanAccuracy: f64(0.98), Passed: &pass, Space: "range", Inputs: 50, Dataset: "d.csv",
		Attacks: []RobustnessAttack{{Name: "hsj", Norm: "l2", Epsilon: f64(0.1), RobustAccuracy: f64(0.7), SuccessRate: f64(1),
			MedianRelativePerturbation: f64(0.2), Curve: []EpsilonAccuracy{{0.05, 0.9}, {0.1, 0.7}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	exp, err := New(TypeExplainability, NewSubject("m", digestA), "1.0", now, ExplainabilityResult{
		Method: "permutation_importance", Scoring: "accuracy", BaselineScore: f64(0.9),
		Features: []FeatureImportance{{Name: "income", Importance: f64(0.1), Std: f64(0.01), Rank: 1}},
		Reasons:  []PredictionReasons{{Row: 2, Answer: "1", Labels: []string{"income ↑ raised the score most (+0.2)"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range []Record{rob, exp} {
		raw, _ := json.Marshal(rec)
		if err := schemaErr(s, raw); err != nil {
			t.Errorf("%s: schema: %v", rec.Type, err)
		}
	}
	r, _ := rob.DecodeResult()
	if rr, ok := r.(*RobustnessResult); !ok || *rr.Attacks[0].RobustAccuracy != 0.7 {
		t.Fatalf("decoded %T %+v", r, r)
	}
	e, _ := exp.DecodeResult()
	if er, ok := e.(*ExplainabilityResult); !ok || er.Features[0].Name != "income" {
		t.Fatalf("decoded %T %+v", e, e)
	}
}

func TestRobustnessAndExplainabilityRefusals(t *testing.T) {
	t.Parallel()
	s := compileSchema(t)
	for _, tc := range []struct{ typ, result string }{
		{TypeRobustness, `{"passed": true}`},
		{TypeRobustness, `{"attacks": [{"name": "hsj"}]}`},
		{TypeRobustness, `{"attacks": [{"name": "", "robust_accuracy": 0.5}]}`},
		{TypeRobustness, `{"attacks": [{"name": "hsj", "robust_accuracy": 1.5}]}`},
		{TypeRobustness, `{"attacks": [{"name": "hsj", "robust_accuracy": 0.5, "norm": "l1"}]}`},
		{TypeRobustness, `{"attacks": [{"name": "hsj", "robust_accuracy": 0.5, "success_rate": -1}]}`},
		{TypeRobustness, `{"attacks": [], "clean_accuracy": 2}`},
		{TypeExplainability, `{"features": [{"name": "a", "importance": 1}]}`},
		{TypeExplainability, `{"method": "pi", "features": []}`},
		{TypeExplainability, `{"method": "pi", "features": [{"name": "", "importance": 1}]}`},
		{TypeExplainability, `{"method": "pi", "features": [{"name": "a", "importance": "high"}]}`},
	} {
		rec := Record{Schema: SchemaV1, Type: tc.typ, Subject: NewSubject("m", digestA),
			Producer: Producer{Tool: "x"}, Timestamp: now, Result: json.RawMessage(tc.result)}
		if err := rec.Validate(); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s %s: Validate = %v, want ErrInvalid", tc.typ, tc.result, err)
		}
		raw, _ := json.Marshal(rec)
		if schemaErr(s, raw) == nil {
			t.Errorf("%s %s: the schema accepts it", tc.typ, tc.result)
		}
	}
}
