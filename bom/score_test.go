package bom

import (
	"reflect"
	"strings"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

func TestChecklistWeights(t *testing.T) {
	t.Parallel()
	total := 0
	seen := map[string]bool{}
	for _, f := range Checklist {
		if seen[f.ID] || f.Weight <= 0 || f.Desc == "" {
			t.Errorf("bad field %+v", f)
		}
		seen[f.ID] = true
		total += f.Weight
	}
	if total != 100 {
		t.Errorf("weights sum to %d, want 100", total)
	}
}

func TestScoreEmptyAndFull(t *testing.T) {
	t.Parallel()
	c := Score(cdx.NewBOM())
	if c.Score != 0 || len(c.Missing) != len(Checklist) {
		t.Errorf("empty BOM: %+v", c)
	}
	// A library-only BOM has no model: everything is missing.
	b := cdx.NewBOM()
	b.Components = &[]cdx.Component{{Type: cdx.ComponentTypeLibrary, Name: "x"}}
	if c := Score(b); c.Score != 0 {
		t.Errorf("no model: %+v", c)
	}

	dir := richModel(t)
	o := fixedOpts()
	o.NoScan = false
	r := generate(t, dir, o)
	// The rich model lacks only a revision and inputs/outputs.
	if want := []string{"version", "inputs-outputs"}; !reflect.DeepEqual(r.Score.Missing, want) || r.Score.Score != 93 {
		t.Errorf("rich model: %+v", r.Score)
	}
	if got := prop(r.BOM.Metadata.Properties, PropCompleteness); got != "93" {
		t.Errorf("recorded score %q", got)
	}
	if got := prop(r.BOM.Metadata.Properties, PropMissing); got != "version,inputs-outputs" {
		t.Errorf("recorded missing %q", got)
	}
	if s := r.Score.String(); s != "completeness 93/100; missing: version, inputs-outputs" {
		t.Errorf("String() = %q", s)
	}
	// Score reads metadata.component when components has no model.
	m := model(r)
	b = cdx.NewBOM()
	b.Metadata = &cdx.Metadata{Component: &m}
	if c := Score(b); c.Score == 0 || strings.Contains(strings.Join(c.Missing, ","), "hash") {
		t.Errorf("metadata.component model: %+v", c)
	}
}

func TestScoreEachField(t *testing.T) {
	t.Parallel()
	// Removing one field from a full BOM costs exactly its weight.
	r := generate(t, richModel(t), fixedOpts())
	full := Score(r.BOM).Score
	m := &(*r.BOM.Components)[0]
	m.Licenses = nil
	if got := Score(r.BOM); got.Score != full-10 || !contains(got.Missing, "license") {
		t.Errorf("without license: %+v (full %d)", got, full)
	}
	m.ModelCard.ModelParameters.Datasets = nil
	if got := Score(r.BOM); got.Score != full-20 || !contains(got.Missing, "datasets") {
		t.Errorf("without datasets: %+v", got)
	}
}
