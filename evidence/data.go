package evidence

import (
	"errors"
	"fmt"
)

// DataResult is the result of a "data" record (mlsec data scan): what a
// dataset holds, per column, bound to the dataset's OMS root digest. The
// registry keeps its summary on a dataset version, and the training-data
// policy rules (MLSEC-DATA-003) compare the entity types found with the
// version's classification.
type DataResult struct {
	Rows  int64 `json:"rows"`
	Files int   `json:"files"`
	// Complete is false when a file could not be fully analysed: what was
	// not read may hold anything, so policy treats it as a failure.
	Complete bool         `json:"complete"`
	Columns  []DataColumn `json:"columns"`
	// Entities counts the values holding each PII entity type (SECRET for
	// keys, tokens and private keys), over every column.
	Entities map[string]int64 `json:"entities"`
}

// DataColumn is one column (or JSON path) of a DataResult.
type DataColumn struct {
	Name               string           `json:"name"`
	File               string           `json:"file,omitempty"`
	Entities           map[string]int64 `json:"entities,omitempty"`
	SensitiveAttribute bool             `json:"sensitive_attribute"`
	// Category is the sensitive attribute's category (sex, race, age ...).
	Category string `json:"category,omitempty"`
}

// SensitiveColumns returns the names of the sensitive-attribute columns,
// each once, in order.
func (r *DataResult) SensitiveColumns() []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range r.Columns {
		if c.SensitiveAttribute && !seen[c.Name] {
			seen[c.Name] = true
			out = append(out, c.Name)
		}
	}
	return out
}

func (r *DataResult) validate() error {
	if r.Columns == nil {
		return errors.New("columns is required (an empty list when the dataset has none)")
	}
	if r.Rows < 0 || r.Files < 0 {
		return fmt.Errorf("rows %d, files %d: want non-negative counts", r.Rows, r.Files)
	}
	for e, n := range r.Entities {
		if n < 0 {
			return fmt.Errorf("entities[%s] is negative", e)
		}
	}
	for i, c := range r.Columns {
		if c.Name == "" {
			return fmt.Errorf("columns[%d].name is empty", i)
		}
		for e, n := range c.Entities {
			if n < 0 {
				return fmt.Errorf("columns[%d].entities[%s] is negative", i, e)
			}
		}
	}
	return nil
}
