package bom

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// mlflowFlavorPackages maps the "<prefix>_version" keys of MLmodel flavors to
// the PyPI distribution that provides the flavor.
var mlflowFlavorPackages = map[string]string{
	"sklearn": "scikit-learn", "pytorch": "torch", "xgb": "xgboost", "lgb": "lightgbm",
	"keras": "keras", "tensorflow": "tensorflow", "transformers": "transformers", "onnx": "onnx",
	"catboost": "catboost", "statsmodels": "statsmodels", "spacy": "spacy", "prophet": "prophet",
	"h2o": "h2o", "paddle": "paddlepaddle", "spark": "pyspark", "sentence_transformers": "sentence-transformers",
}

// readMLmodel maps an MLflow MLmodel file: flavors, library versions and the
// signature's inputs and outputs.
func (m *modelInfo) readMLmodel(b []byte) error {
	var doc struct {
		Flavors        map[string]map[string]scalar `yaml:"flavors"`
		MLflowVersion  scalar                       `yaml:"mlflow_version"`
		ModelUUID      scalar                       `yaml:"model_uuid"`
		RunID          scalar                       `yaml:"run_id"`
		UTCTimeCreated scalar                       `yaml:"utc_time_created"`
		Signature      map[string]scalar            `yaml:"signature"`
		ArtifactPath   any                          `yaml:"artifact_path"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("MLmodel: %w", err)
	}
	flavors := make([]string, 0, len(doc.Flavors))
	for f := range doc.Flavors {
		flavors = append(flavors, f)
	}
	sort.Strings(flavors)
	m.prop("mlflow:flavors", strings.Join(flavors, ","))
	m.prop("mlflow:model_uuid", string(doc.ModelUUID))
	m.prop("mlflow:run_id", string(doc.RunID))
	m.prop("mlflow:utc_time_created", string(doc.UTCTimeCreated))
	if v := string(doc.MLflowVersion); v != "" {
		m.Deps = append(m.Deps, Dependency{Ecosystem: PyPI, Name: "mlflow", Version: v, Sources: []string{"MLmodel"}})
	}
	for _, f := range flavors {
		attrs := doc.Flavors[f]
		if f == "python_function" {
			m.prop("python_version", string(attrs["python_version"]))
			m.prop("mlflow:loader_module", string(attrs["loader_module"]))
			continue
		}
		keys := make([]string, 0, len(attrs))
		for k := range attrs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			pkg, ok := mlflowFlavorPackages[strings.TrimSuffix(k, "_version")]
			if v := string(attrs[k]); ok && strings.HasSuffix(k, "_version") && v != "" {
				m.Deps = append(m.Deps, Dependency{Ecosystem: PyPI, Name: pkg, Version: v, Sources: []string{"MLmodel"}})
			}
		}
		if m.Family == "" && f != "python_function" {
			m.Family = f
		}
	}
	for _, dir := range []struct {
		key string
		out *[]string
	}{{"inputs", &m.Inputs}, {"outputs", &m.Outputs}} {
		s := string(doc.Signature[dir.key])
		if s == "" {
			continue
		}
		formats, err := mlflowSchema(s)
		if err != nil {
			return fmt.Errorf("MLmodel signature %s: %w", dir.key, err)
		}
		*dir.out = append(*dir.out, formats...)
	}
	return nil
}

// mlflowSchema renders an MLflow signature schema (a JSON list of column or
// tensor specs) as one format string per entry.
func mlflowSchema(s string) ([]string, error) {
	var specs []struct {
		Name       string `json:"name"`
		Type       string `json:"type"`
		TensorSpec *struct {
			DType string  `json:"dtype"`
			Shape []int64 `json:"shape"`
		} `json:"tensor-spec"`
	}
	if err := json.Unmarshal([]byte(s), &specs); err != nil {
		return nil, err
	}
	var out []string
	for _, sp := range specs {
		f := sp.Type
		if sp.TensorSpec != nil {
			dims := make([]string, len(sp.TensorSpec.Shape))
			for i, d := range sp.TensorSpec.Shape {
				dims[i] = fmt.Sprint(d)
			}
			f = fmt.Sprintf("tensor %s [%s]", sp.TensorSpec.DType, strings.Join(dims, ", "))
		}
		if sp.Name != "" {
			f = sp.Name + ": " + f
		}
		out = append(out, f)
	}
	return out, nil
}
