package bom

import (
	"os"
	"testing"
)

// FuzzReadme: any model card parses or errors, without panicking.
func FuzzReadme(f *testing.F) {
	if data, err := os.ReadFile("testdata/models/hf-bert-tiny/README.md"); err == nil {
		f.Add(data)
	}
	f.Add([]byte("---\nmodel-index:\n- name: x\n  results:\n  - task: {type: t}\n    dataset: {type: d, split: s}\n    metrics: [{type: acc, value: 1}]\n---\n# t\n\n## Limitations\n\ntext\n"))
	f.Add([]byte("---\nlicense: [a, b]\nbase_model: {x: 1}\n---"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m := &modelInfo{Props: map[string]string{}, FileProps: map[string]map[string]string{}}
		_ = m.readReadme(data)
		for _, l := range m.Limitations {
			if len(l) > 1010 {
				t.Fatalf("limitation of %d bytes", len(l))
			}
		}
	})
}

// FuzzMetadataFiles feeds the same bytes to every metadata reader.
func FuzzMetadataFiles(f *testing.F) {
	for _, p := range []string{"hf-bert-tiny/config.json", "hf-bert-tiny/tokenizer_config.json", "mlflow-sklearn/MLmodel",
		"mlflow-sklearn/conda.yaml", "mlflow-sklearn/python_env.yaml", "mlflow-sklearn/requirements.txt"} {
		if data, err := os.ReadFile("testdata/models/" + p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("[project]\ndependencies = [\"a==1\"]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m := &modelInfo{Props: map[string]string{}, FileProps: map[string]map[string]string{}}
		_ = m.readConfig(data)
		_ = m.readTokenizerConfig("tokenizer_config.json", data)
		_ = m.readMLmodel(data)
		_, _, _ = parseCondaYAML(data, "conda.yaml")
		_, _, _ = parsePythonEnv(data, "python_env.yaml")
		_, _ = parsePyproject(data, "pyproject.toml")
		for _, d := range mergeDeps(append(m.Deps, parseRequirementsTxt(data, "requirements.txt")...)) {
			if d.Name == "" {
				t.Fatalf("dependency without a name: %+v", d)
			}
		}
	})
}
