package eval

import (
	"encoding/json"
	"fmt"
	"os"
	"unicode/utf8"
)

// A Text is one labelled text of a data set with a single field.
type Text struct {
	Text string
	Gold []Label
}

// presidioNames maps presidio-research's entity names to mlsec's. Types
// mlsec has no recognizer for (GPE, ORGANIZATION, TITLE, AGE, NRP,
// ZIP_CODE, DOMAIN_NAME, US_DRIVER_LICENSE) are left out of the scoring,
// as presidio-evaluator does with unmapped types; a prediction on such a
// span still counts against precision.
var presidioNames = map[string]string{
	"PERSON":         "PERSON",
	"STREET_ADDRESS": "STREET_ADDRESS",
	"CREDIT_CARD":    "CREDIT_CARD",
	"DATE_TIME":      "DATE_TIME",
	"PHONE_NUMBER":   "PHONE_NUMBER",
	"EMAIL_ADDRESS":  "EMAIL_ADDRESS",
	"IBAN_CODE":      "IBAN_CODE",
	"US_SSN":         "US_SSN",
	"IP_ADDRESS":     "IP_ADDRESS",
}

// PresidioPrediction maps an mlsec prediction for scoring on the presidio
// set: it labels no dates of birth, so DATE_OF_BIRTH counts as DATE_TIME.
func PresidioPrediction(entity string) string {
	if entity == "DATE_OF_BIRTH" {
		return "DATE_TIME"
	}
	return entity
}

// PresidioField is the field name given to the texts of the presidio set.
const PresidioField = "text"

// LoadPresidio reads presidio-research's synth_dataset_v2.json.
func LoadPresidio(path string) ([]Text, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var raw []struct {
		FullText string `json:"full_text"`
		Spans    []struct {
			EntityType string `json:"entity_type"`
			Value      string `json:"entity_value"`
			Start      int    `json:"start_position"`
			End        int    `json:"end_position"`
		} `json:"spans"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := make([]Text, 0, len(raw))
	for i, r := range raw {
		t := Text{Text: r.FullText}
		n := utf8.RuneCountInString(r.FullText)
		for _, s := range r.Spans {
			if s.Start < 0 || s.End > n || s.Start >= s.End {
				return nil, fmt.Errorf("%s: record %d: span %d-%d outside the text", path, i, s.Start, s.End)
			}
			if e, ok := presidioNames[s.EntityType]; ok {
				t.Gold = append(t.Gold, Label{Field: PresidioField, Start: s.Start, End: s.End, Entity: e})
			}
		}
		out = append(out, t)
	}
	return out, nil
}
