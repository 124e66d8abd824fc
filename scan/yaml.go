package scan

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"gopkg.in/yaml.v3"
)

func init() {
	registerHandler(FormatYAML, scanYAML)
	registerHandler(FormatMLmodel, scanMLmodel)
}

// maxYAMLDocs bounds the documents of one multi-document YAML stream.
const maxYAMLDocs = 1000

// decodeYAML decodes every document. yaml.v3 refuses excessive alias
// expansion ("billion laughs"); size is bounded by readSmall.
func decodeYAML(data []byte) ([]any, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []any
	for len(docs) < maxYAMLDocs {
		var d any
		err := dec.Decode(&d)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return docs, fmt.Errorf("invalid YAML: %w", err)
		}
		docs = append(docs, d)
	}
	return docs, fmt.Errorf("more than %d YAML documents", maxYAMLDocs)
}

// scanYAML checks YAML configs for Hydra _target_ callables and
// trust_remote_code (the same walk as JSON configs).
func scanYAML(fs *fileScan, b *blob) error {
	data, err := readSmall(fs, b)
	if err != nil {
		return err
	}
	docs, err := decodeYAML(data)
	for _, d := range docs {
		w := &configWalk{fs: fs, b: b, raw: data}
		w.walk(d, 0)
		w.flush()
	}
	return err
}

// scanMLmodel checks an MLflow MLmodel file: the pyfunc loader module,
// shipped code, and pickled custom models.
func scanMLmodel(fs *fileScan, b *blob) error {
	data, err := readSmall(fs, b)
	if err != nil {
		return err
	}
	docs, err := decodeYAML(data)
	if err != nil {
		return err
	}
	off := func(key string) int64 {
		if i := bytes.Index(data, []byte(key)); i >= 0 {
			return int64(i)
		}
		return -1
	}
	for _, d := range docs {
		w := &configWalk{fs: fs, b: b, raw: data}
		w.walk(d, 0)
		w.flush()
		m, _ := d.(map[string]any)
		flavors, _ := m["flavors"].(map[string]any)
		for name, fv := range flavors {
			f, _ := fv.(map[string]any)
			if f == nil {
				continue
			}
			if name == "python_function" {
				if lm, ok := f["loader_module"].(string); ok && !contains(fs.s.rules.MLflow.AllowLoaders, lm) {
					fs.emit(b, Finding{RuleID: "MLF001", Callable: lm, Offset: off("loader_module"),
						Message: fmt.Sprintf("MLflow pyfunc loader_module %q is not a built-in flavor; it is imported on load", lm)})
				}
				if pm, ok := f["python_model"].(string); ok {
					fs.emit(b, Finding{RuleID: "MLF003", Argument: pm, Offset: off("python_model"),
						Message: fmt.Sprintf("MLflow custom pyfunc model is the cloudpickle file %q; that file is scanned as its own pickle", pm)})
				}
			}
			for _, key := range []string{"code", "code_paths"} {
				switch c := f[key].(type) {
				case string:
					if c != "" {
						fs.emitf(b, "MLF002", off(key+":"), "MLflow flavor %s ships code in %q, imported on load", name, c)
					}
				case []any:
					for _, p := range c {
						fs.emitf(b, "MLF002", off(key+":"), "MLflow flavor %s ships code path %v, imported on load", name, p)
					}
				}
			}
			if sf, ok := f["serialization_format"].(string); ok && strings.Contains(sf, "pickle") {
				fs.emitf(b, "MLF003", off("serialization_format"), "MLflow flavor %s is serialized with %s; the model file is scanned as its own pickle", name, sf)
			}
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
