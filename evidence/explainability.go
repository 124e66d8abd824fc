package evidence

import (
	"errors"
	"fmt"
)

// ExplainabilityResult is the result of an explainability record: which
// features a model's answers depend on (mlsec probe explain writes
// permutation importance and per-prediction reasons; other tools may
// write e.g. mean |SHAP| values). Method and Features are required.
type ExplainabilityResult struct {
	// Method is e.g. permutation_importance or shap.
	Method   string              `json:"method"`
	Features []FeatureImportance `json:"features"`
	// Scoring is the score whose drop measures importance (accuracy,
	// r2); BaselineScore its value on the unpermuted data.
	Scoring       string   `json:"scoring,omitempty"`
	BaselineScore *float64 `json:"baseline_score,omitempty"`
	Repeats       int      `json:"repeats,omitempty"`
	Rows          int      `json:"rows,omitempty"`

	Endpoint      string `json:"endpoint,omitempty"`
	Protocol      string `json:"protocol,omitempty"`
	Dataset       string `json:"dataset,omitempty"`
	DatasetSHA256 string `json:"dataset_sha256,omitempty"`
	Queries       int64  `json:"queries,omitempty"`
	// Reasons are per-prediction reason labels for a few inputs.
	Reasons []PredictionReasons `json:"reasons,omitempty"`
}

// FeatureImportance is one feature's importance; a null Importance means
// undefined.
type FeatureImportance struct {
	Name       string   `json:"name"`
	Importance *float64 `json:"importance"`
	Std        *float64 `json:"std,omitempty"`
	Rank       int      `json:"rank,omitempty"`
}

// PredictionReasons are the reason labels of one input's answer.
type PredictionReasons struct {
	Row    int      `json:"row"`
	Answer string   `json:"answer"`
	Labels []string `json:"labels"`
}

func (r *ExplainabilityResult) validate() error {
	var missing []string
	if r.Method == "" {
		missing = append(missing, "method")
	}
	if r.Features == nil {
		missing = append(missing, "features")
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing field(s) %v", missing)
	}
	for i, f := range r.Features {
		if f.Name == "" {
			return fmt.Errorf("features[%d]: name is empty", i)
		}
		if f.Rank < 0 {
			return fmt.Errorf("features[%d] (%s): rank %d", i, f.Name, f.Rank)
		}
	}
	if r.Features != nil && len(r.Features) == 0 {
		return errors.New("features is empty")
	}
	return nil
}
