package bom

import (
	"encoding/json"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/mlsec/mlsec/evidence"
)

// Evidence builds a bom evidence record from a CycloneDX ML-BOM: its completeness
// score (Score), licences and datasets of the model component.
func Evidence(subject evidence.Subject, b *cdx.BOM, version string, now time.Time) (evidence.Record, error) {
	c := Score(b)
	res := evidence.BOMResult{
		CompletenessScore: c.Score, MissingFields: c.Missing, Licenses: []string{}, Datasets: []string{},
		Format: "CycloneDX", SpecVersion: evidenceSpecVersion(b),
	}
	if res.MissingFields == nil {
		res.MissingFields = []string{}
	}
	if m := ModelComponent(b); m != nil {
		if m.Licenses != nil {
			for _, l := range *m.Licenses {
				switch {
				case l.Expression != "":
					res.Licenses = append(res.Licenses, l.Expression)
				case l.License != nil && l.License.ID != "":
					res.Licenses = append(res.Licenses, l.License.ID)
				case l.License != nil && l.License.Name != "":
					res.Licenses = append(res.Licenses, l.License.Name)
				}
			}
		}
		if m.ModelCard != nil && m.ModelCard.ModelParameters != nil && m.ModelCard.ModelParameters.Datasets != nil {
			for _, d := range *m.ModelCard.ModelParameters.Datasets {
				switch {
				case d.ComponentData != nil && d.ComponentData.Name != "":
					res.Datasets = append(res.Datasets, d.ComponentData.Name)
				case d.Ref != "":
					res.Datasets = append(res.Datasets, d.Ref)
				}
			}
		}
	}
	res.HasLicense = len(res.Licenses) > 0
	return evidence.New(evidence.TypeBOM, subject, version, now, res)
}

// ModelComponent returns the BOM's machine-learning-model component: the
// first in Components, else the metadata component if it is one, else nil.
// Score and Evidence both judge this component.
func ModelComponent(b *cdx.BOM) *cdx.Component {
	if b.Components != nil {
		for i := range *b.Components {
			if (*b.Components)[i].Type == cdx.ComponentTypeMachineLearningModel {
				return &(*b.Components)[i]
			}
		}
	}
	if b.Metadata != nil && b.Metadata.Component != nil && b.Metadata.Component.Type == cdx.ComponentTypeMachineLearningModel {
		return b.Metadata.Component
	}
	return nil
}

func evidenceSpecVersion(b *cdx.BOM) string {
	raw, err := json.Marshal(b.SpecVersion)
	if err != nil {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}
