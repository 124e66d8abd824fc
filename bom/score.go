package bom

import (
	"strconv"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// A Field is one item of the completeness checklist.
type Field struct {
	ID     string // short name, as listed in Completeness.Missing
	Weight int    // points; the weights sum to 100
	Desc   string // where the field lives in the BOM
	has    func(b *cdx.BOM, m *cdx.Component) bool
}

// Completeness is the weighted share of checklist fields a BOM fills.
type Completeness struct {
	Score   int      // 0..100
	Missing []string // ids of the missing fields, in checklist order
}

func mp(m *cdx.Component) *cdx.MLModelParameters {
	if m.ModelCard == nil || m.ModelCard.ModelParameters == nil {
		return &cdx.MLModelParameters{}
	}
	return m.ModelCard.ModelParameters
}

func hasProp(ps *[]cdx.Property, name string) (string, bool) {
	if ps == nil {
		return "", false
	}
	for _, p := range *ps {
		if p.Name == name {
			return p.Value, true
		}
	}
	return "", false
}

// Checklist is the completeness checklist, documented in docs/bom.md.
var Checklist = []Field{
	{"name", 5, "component name", func(_ *cdx.BOM, m *cdx.Component) bool { return m.Name != "" }},
	{"hash", 10, "component hashes (OMS root digest)", func(_ *cdx.BOM, m *cdx.Component) bool { return m.Hashes != nil && len(*m.Hashes) > 0 }},
	{"purl", 5, "component purl", func(_ *cdx.BOM, m *cdx.Component) bool { return m.PackageURL != "" }},
	{"version", 3, "component version (revision)", func(_ *cdx.BOM, m *cdx.Component) bool { return m.Version != "" }},
	{"supplier", 4, "component supplier", func(_ *cdx.BOM, m *cdx.Component) bool { return m.Supplier != nil && m.Supplier.Name != "" }},
	{"description", 4, "component description", func(_ *cdx.BOM, m *cdx.Component) bool { return m.Description != "" }},
	{"license", 10, "component licenses", func(_ *cdx.BOM, m *cdx.Component) bool { return m.Licenses != nil && len(*m.Licenses) > 0 }},
	{"task", 8, "modelCard.modelParameters.task", func(_ *cdx.BOM, m *cdx.Component) bool { return mp(m).Task != "" }},
	{"architecture", 5, "modelCard.modelParameters.modelArchitecture", func(_ *cdx.BOM, m *cdx.Component) bool { return mp(m).ModelArchitecture != "" }},
	{"architecture-family", 4, "modelCard.modelParameters.architectureFamily", func(_ *cdx.BOM, m *cdx.Component) bool { return mp(m).ArchitectureFamily != "" }},
	{"datasets", 10, "modelCard.modelParameters.datasets", func(_ *cdx.BOM, m *cdx.Component) bool { return mp(m).Datasets != nil && len(*mp(m).Datasets) > 0 }},
	{"inputs-outputs", 4, "modelCard.modelParameters.inputs/outputs", func(_ *cdx.BOM, m *cdx.Component) bool {
		return mp(m).Inputs != nil && len(*mp(m).Inputs) > 0 || mp(m).Outputs != nil && len(*mp(m).Outputs) > 0
	}},
	{"performance-metrics", 5, "modelCard.quantitativeAnalysis.performanceMetrics", func(_ *cdx.BOM, m *cdx.Component) bool {
		q := m.ModelCard
		return q != nil && q.QuantitativeAnalysis != nil && q.QuantitativeAnalysis.PerformanceMetrics != nil && len(*q.QuantitativeAnalysis.PerformanceMetrics) > 0
	}},
	{"base-model", 3, "pedigree.ancestors", func(_ *cdx.BOM, m *cdx.Component) bool {
		return m.Pedigree != nil && m.Pedigree.Ancestors != nil && len(*m.Pedigree.Ancestors) > 0
	}},
	{"limitations", 5, "modelCard.considerations.technicalLimitations", func(_ *cdx.BOM, m *cdx.Component) bool {
		c := m.ModelCard
		return c != nil && c.Considerations != nil && c.Considerations.TechnicalLimitations != nil && len(*c.Considerations.TechnicalLimitations) > 0
	}},
	{"dependencies", 5, "library components", func(b *cdx.BOM, _ *cdx.Component) bool {
		if b.Components != nil {
			for _, c := range *b.Components {
				if c.Type == cdx.ComponentTypeLibrary {
					return true
				}
			}
		}
		return false
	}},
	{"files", 5, "nested file components with hashes", func(_ *cdx.BOM, m *cdx.Component) bool {
		if m.Components == nil || len(*m.Components) == 0 {
			return false
		}
		for _, f := range *m.Components {
			if f.Hashes == nil || len(*f.Hashes) == 0 {
				return false
			}
		}
		return true
	}},
	{"scan", 5, "security scan result (metadata property mlsec:scan:result)", func(b *cdx.BOM, _ *cdx.Component) bool {
		if b.Metadata == nil {
			return false
		}
		v, ok := hasProp(b.Metadata.Properties, PropScanResult)
		return ok && v != "not-run"
	}},
}

// Score rates how complete the BOM's description of its model is. It looks at
// the first machine-learning-model component (in components, else
// metadata.component); a BOM without one scores 0 with every field missing.
func Score(b *cdx.BOM) Completeness {
	model := ModelComponent(b)
	var c Completeness
	for _, f := range Checklist {
		if model != nil && f.has(b, model) {
			c.Score += f.Weight
		} else {
			c.Missing = append(c.Missing, f.ID)
		}
	}
	return c
}

// String renders the score as the CLI prints it.
func (c Completeness) String() string {
	s := "completeness " + strconv.Itoa(c.Score) + "/100"
	if len(c.Missing) > 0 {
		s += "; missing: " + strings.Join(c.Missing, ", ")
	}
	return s
}
