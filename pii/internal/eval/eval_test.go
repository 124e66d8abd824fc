package eval

import (
	"bytes"
	"strings"
	"testing"
)

func TestScore(t *testing.T) {
	t.Parallel()
	l := func(e string, s, end int) Label { return Label{Field: "f", Start: s, End: end, Entity: e} }
	recs := []Record{{
		Gold:   []Label{l("PERSON", 0, 10), l("PERSON", 20, 30), l("EMAIL_ADDRESS", 40, 50)},
		Pred:   []Label{l("PERSON", 0, 10), l("PERSON", 22, 35), l("PHONE_NUMBER", 40, 50), l("PHONE_NUMBER", 60, 70)},
		Decoys: []Label{l("DECOY_ISBN", 60, 75)},
	}}
	r := Score(recs)
	p := r.Exact["PERSON"]
	if p.Gold != 2 || p.Pred != 2 || p.GoldFound != 1 || p.PredRight != 1 {
		t.Errorf("exact PERSON %+v", p)
	}
	o := r.Overlap["PERSON"]
	if o.GoldFound != 2 || o.PredRight != 2 || o.Recall() != 1 || o.Precision() != 1 {
		t.Errorf("overlap PERSON %+v", o)
	}
	if e := r.Overlap["EMAIL_ADDRESS"]; e.Recall() != 0 || e.Precision() != -1 || e.F2() != 0 {
		t.Errorf("EMAIL: recall %v precision %v (undefined) F2 %v", e.Recall(), e.Precision(), e.F2())
	}
	if ph := r.Overlap["PHONE_NUMBER"]; ph.Precision() != 0 || ph.Recall() != -1 {
		t.Errorf("PHONE %+v", ph)
	}
	// F2 weighs recall four times precision: P=0.5, R=1 gives 5*0.5/(2+1).
	if f := (Counts{Gold: 1, Pred: 2, GoldFound: 1, PredRight: 1}).F2(); f < 0.8333 || f > 0.8334 {
		t.Errorf("F2 %v", f)
	}
	if r.Decoys != 1 || r.DecoyHits["DECOY_ISBN -> PHONE_NUMBER"] != 1 {
		t.Errorf("decoys %d %v", r.Decoys, r.DecoyHits)
	}
	var b bytes.Buffer
	r.WriteTable(&b, "toy")
	if !strings.Contains(b.String(), "PERSON               2     2 |  0.500  0.500  0.500 |  1.000  1.000  1.000") {
		t.Errorf("table:\n%s", b.String())
	}
}

func TestLoadPresidio(t *testing.T) {
	t.Parallel()
	texts, err := LoadPresidio("../../testdata/presidio/synth_dataset_v2.json")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, tx := range texts {
		n += len(tx.Gold)
	}
	// 2,863 spans, of which GPE 411, ORGANIZATION 250, TITLE 92, AGE 74,
	// NRP 55, ZIP_CODE 37, DOMAIN_NAME 37, US_DRIVER_LICENSE 5 are unscored.
	if len(texts) != 1500 || n != 2863-411-250-92-74-55-37-37-5 {
		t.Errorf("%d texts, %d scored spans", len(texts), n)
	}
}
