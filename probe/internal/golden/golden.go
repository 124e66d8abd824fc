// Package golden reads probe/testdata/golden/permutation_importance.json,
// scikit-learn's permutation importance of the models
// examples/sklearn-server/serve.py serves, with the permutations it used
// (written by probe/testdata/gen_golden.py). Tests only.
package golden

import (
	"encoding/json"
	"os"
)

// File is the golden file.
type File struct {
	SKLearn string           `json:"sklearn"`
	Models  map[string]Model `json:"models"`
}

// Model is one model's reference numbers.
type Model struct {
	Columns      []string    `json:"columns"`
	Label        string      `json:"label"`
	Scoring      string      `json:"scoring"`
	Repeats      int         `json:"n_repeats"`
	Baseline     float64     `json:"baseline"`
	Importances  [][]float64 `json:"importances"`
	Mean         []float64   `json:"importances_mean"`
	Std          []float64   `json:"importances_std"`
	Permutations [][]int     `json:"permutations"`
	Predictions  []float64   `json:"predictions"`
	Linear       struct {
		W []float64 `json:"w"`
		B float64   `json:"b"`
	} `json:"linear"`
}

// Load reads the golden file at path.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f File
	return &f, json.Unmarshal(data, &f)
}
