package evidence

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestFairnessResultDecodesTyped(t *testing.T) {
	t.Parallel()
	v := 0.25
	rec, err := New(TypeFairness, NewSubject("m", digestA), "1.0", now, FairnessResult{
		SensitiveAttributes: []string{"sex"},
		Metrics: []FairnessMetric{
			{Name: "demographic_parity_difference", Method: "between_groups", Attribute: "sex", Value: &v},
			{Name: "demographic_parity_ratio", Method: "between_groups", Attribute: "sex", Value: nil},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(rec)
	if err := schemaErr(compileSchema(t), raw); err != nil {
		t.Fatalf("schema: %v", err)
	}
	res, err := rec.DecodeResult()
	if err != nil {
		t.Fatal(err)
	}
	fr, ok := res.(*FairnessResult)
	if !ok {
		t.Fatalf("decoded %T", res)
	}
	if m := fr.Metric("demographic_parity_difference", "between_groups"); m == nil || *m.Value != 0.25 {
		t.Fatalf("metric %+v", m)
	}
	if m := fr.Metric("demographic_parity_ratio", "between_groups"); m == nil || m.Value != nil {
		t.Fatalf("undefined metric should decode as nil value: %+v", m)
	}
}

func TestFairnessResultValidation(t *testing.T) {
	t.Parallel()
	for name, result := range map[string]string{
		"no metrics":  `{"passed": true}`,
		"no name":     `{"metrics": [{"value": 1}]}`,
		"bad method":  `{"metrics": [{"name": "dpd", "method": "pairwise", "value": 1}]}`,
		"not a value": `{"metrics": [{"name": "dpd", "value": "high"}]}`,
	} {
		rec := Record{Schema: SchemaV1, Type: TypeFairness, Subject: NewSubject("m", digestA),
			Producer: Producer{Tool: "x"}, Timestamp: now, Result: json.RawMessage(result)}
		if err := rec.Validate(); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: Validate = %v, want ErrInvalid", name, err)
		}
	}
}
