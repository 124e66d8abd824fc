package bom

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/mlsec/mlsec/manifest"
	"github.com/mlsec/mlsec/scan"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// fakeReport is a scan report with one finding on the pickle of the MLflow
// fixture, so the golden file pins the vulnerability mapping without
// depending on the scanner's current analysers.
func fakeReport(root string) *scan.Report {
	return &scan.Report{Tool: "mlsec", Version: "test",
		Files: []scan.FileResult{{Path: filepath.Join(root, "model.pkl"), Status: scan.StatusScanned, Findings: 1}},
		Findings: []scan.Finding{{Path: filepath.Join(root, "model.pkl"), Format: "pickle", RuleID: "PKL001",
			Severity: scan.SeverityCritical, Callable: "posix.system", Argument: "echo hi", Offset: 2,
			Message: "pickle calls posix.system(\"echo hi\")"}}}
}

func TestGolden(t *testing.T) {
	t.Parallel()
	mlflow := filepath.Join("testdata", "models", "mlflow-sklearn")
	withReport := fixedOpts()
	withReport.NoScan, withReport.Report = false, fakeReport(mlflow)
	cases := []struct {
		name, path, spec string
		opts             Options
	}{
		{"hf-bert-tiny.cdx.json", filepath.Join("testdata", "models", "hf-bert-tiny"), "1.6", fixedOpts()},
		{"mlflow-sklearn.cdx.json", mlflow, "1.6", withReport},
		{"model-pt.cdx.json", filepath.Join("testdata", "models", "model.pt"), "1.6", fixedOpts()},
		{"tiny-gguf.cdx17.json", filepath.Join("testdata", "models", "gguf", "tiny.gguf"), "1.7", fixedOpts()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := encode(t, generate(t, c.path, c.opts).BOM, c.spec)
			validate(t, got, c.spec)
			golden := filepath.Join("testdata", "golden", c.name)
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./bom -run TestGolden -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the golden file; run with -update and review the diff\n%s", c.name, got)
			}
		})
	}
}

// TestSchemaValidation validates every fixture, both spec versions, with the
// real scanner and with every optional section filled.
func TestSchemaValidation(t *testing.T) {
	t.Parallel()
	rich := richModel(t)
	paths := []string{rich, "testdata/models/hf-bert-tiny", "testdata/models/mlflow-sklearn", "testdata/models/gguf/tiny.gguf", "testdata/models/model.pt"}
	for _, p := range paths {
		for _, spec := range []string{"1.6", "1.7"} {
			opts := fixedOpts()
			opts.NoScan = false
			if p == "testdata/models/mlflow-sklearn" {
				opts.Report = fakeReport(p)
			}
			data := encode(t, generate(t, p, opts).BOM, spec)
			validate(t, data, spec)
			if got := decoded(t, data)["specVersion"]; got != spec {
				t.Errorf("%s: specVersion %v, want %s", p, got, spec)
			}
		}
	}
}

// TestSchemaRejectsBrokenBOM proves the validator is live: a bad enum fails.
func TestSchemaRejectsBrokenBOM(t *testing.T) {
	t.Parallel()
	data := encode(t, generate(t, "testdata/models/hf-bert-tiny", fixedOpts()).BOM, "1.6")
	bad := bytes.Replace(data, []byte(`"type": "machine-learning-model"`), []byte(`"type": "ml-model"`), 1)
	if bytes.Equal(bad, data) {
		t.Fatal("replacement did not apply")
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(bad))
	if err != nil {
		t.Fatal(err)
	}
	err = schemaFor(t, "1.6").Validate(inst)
	if err == nil || !strings.Contains(err.Error(), "/components/0/type") {
		t.Errorf("schema accepted an invalid component type (err %v)", err)
	}
}

func richModel(t *testing.T) string {
	return writeTree(t, map[string]string{
		"README.md": `---
license: other
license_name: llama3
license_link: https://llama.meta.com/llama3/license
datasets: [imdb]
base_model: [org/base-a, org/base-b]
base_model_relation: merge
pipeline_tag: text-classification
language: [en, fr]
tags: [sentiment]
model-index:
- name: tiny-sentiment
  results:
  - task: {type: text-classification}
    dataset: {type: glue, name: GLUE SST-2, split: validation}
    metrics:
    - {type: accuracy, value: 0.925}
    - {type: f1, value: 0.91}
---
# tiny-sentiment

<!-- Provide a quick summary -->

A sentiment classifier for movie reviews.

## Bias, Risks, and Limitations

Trained on English reviews only; accuracy drops on other domains.

## Intended uses

Classifying the polarity of short reviews.
`,
		"config.json":                         `{"_name_or_path": "acme/tiny-sentiment", "architectures": ["BertForSequenceClassification"], "model_type": "bert", "quantization_config": {"quant_method": "gptq", "bits": 4}}`,
		"tokenizer_config.json":               `{"chat_template": [{"name": "default", "template": "{{ messages }}"}, {"name": "tool_use", "template": "{{ tools }}"}]}`,
		"chat_template.jinja":                 "{% for m in messages %}{{ m.content }}{% endfor %}",
		"additional_chat_templates/rag.jinja": "{{ documents }}",
		"requirements.txt":                    "torch==2.3.1\nNumPy>=1.26 ; python_version >= '3.9'\n-r other.txt\n--index-url https://example.org\ngit+https://github.com/x/y@v1\nSentencePiece==0.2.0 # tokenizer\n",
		"pyproject.toml":                      "[project]\nname = \"x\"\ndependencies = [\"Safetensors==0.4.3\", \"tokenizers (>=0.19)\"]\n",
		"model.safetensors":                   safetensorsBytes(),
		"model.sig":                           `{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json"}`,
	})
}

// safetensorsBytes is a valid one-tensor safetensors file (F32, shape [2,3]).
func safetensorsBytes() string {
	hdr := `{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}`
	var b bytes.Buffer
	n := uint64(len(hdr))
	for i := 0; i < 8; i++ {
		b.WriteByte(byte(n >> (8 * i)))
	}
	b.WriteString(hdr)
	b.Write(make([]byte, 24))
	return b.String()
}

func TestRichModelCard(t *testing.T) {
	t.Parallel()
	dir := richModel(t)
	r := generate(t, dir, fixedOpts())
	m := model(r)
	if m.Name != "tiny-sentiment" || m.Group != "acme" || m.PackageURL != "pkg:huggingface/acme/tiny-sentiment" {
		t.Errorf("identity: name %q group %q purl %q", m.Name, m.Group, m.PackageURL)
	}
	if l := (*m.Licenses)[0].License; l.Name != "llama3" || l.URL != "https://llama.meta.com/llama3/license" || l.ID != "" {
		t.Errorf("license other: %+v", l)
	}
	if m.Description != "A sentiment classifier for movie reviews." {
		t.Errorf("description %q", m.Description)
	}
	p := m.ModelCard.ModelParameters
	if p.Task != "text-classification" || p.ModelArchitecture != "BertForSequenceClassification" || p.ArchitectureFamily != "bert" {
		t.Errorf("model parameters: %+v", p)
	}
	var refs []string
	for _, d := range *p.Datasets {
		refs = append(refs, d.Ref)
	}
	if !reflect.DeepEqual(refs, []string{"dataset:glue", "dataset:imdb"}) {
		t.Errorf("dataset refs %v", refs)
	}
	for _, ref := range refs {
		c, ok := component(r, ref)
		if !ok || c.Type != cdx.ComponentTypeData || (*c.Data)[0].Type != cdx.ComponentDataTypeDataset {
			t.Errorf("dataset component %s missing or wrong: %+v", ref, c)
		}
	}
	pm := *m.ModelCard.QuantitativeAnalysis.PerformanceMetrics
	if len(pm) != 2 || pm[0] != (cdx.MLPerformanceMetric{Type: "accuracy", Value: "0.925", Slice: "text-classification: GLUE SST-2 (validation)"}) {
		t.Errorf("performance metrics %+v", pm)
	}
	cons := m.ModelCard.Considerations
	if len(*cons.TechnicalLimitations) != 1 || !strings.Contains((*cons.TechnicalLimitations)[0], "English reviews only") ||
		len(*cons.UseCases) != 1 {
		t.Errorf("considerations %+v", cons)
	}
	var anc []string
	for _, a := range *m.Pedigree.Ancestors {
		anc = append(anc, a.PackageURL)
	}
	if !reflect.DeepEqual(anc, []string{"pkg:huggingface/org/base-a", "pkg:huggingface/org/base-b"}) {
		t.Errorf("ancestors %v", anc)
	}
	if got := prop(m.Properties, "mlsec:model:base_model_relation"); got != "merge" {
		t.Errorf("base_model_relation %q", got)
	}
	if got := prop(m.Properties, "mlsec:model:quantization"); got != "gptq" {
		t.Errorf("quantization %q", got)
	}
	if got := prop(m.Properties, "mlsec:model:parameters"); got != "6" {
		t.Errorf("parameters %q", got)
	}
	// Libraries, pinned only with ==, names PEP 503-normalised; a VCS
	// requirement keeps its URL as the purl's vcs_url.
	want := []string{"pkg:pypi/numpy", "pkg:pypi/safetensors@0.4.3", "pkg:pypi/sentencepiece@0.2.0", "pkg:pypi/tokenizers", "pkg:pypi/torch@2.3.1", "pkg:pypi/y?vcs_url=git%2Bhttps%3A%2F%2Fgithub.com%2Fx%2Fy%40v1"}
	var libs []string
	for _, c := range *r.BOM.Components {
		if c.Type == cdx.ComponentTypeLibrary {
			libs = append(libs, c.PackageURL)
		}
	}
	if !reflect.DeepEqual(libs, want) {
		t.Errorf("libraries %v, want %v", libs, want)
	}
	// Chat templates: every source, hashed over the template text.
	texts := map[string]string{
		"chat-template:tokenizer_config.json#default":           "{{ messages }}",
		"chat-template:tokenizer_config.json#tool_use":          "{{ tools }}",
		"chat-template:chat_template.jinja#default":             "{% for m in messages %}{{ m.content }}{% endfor %}",
		"chat-template:additional_chat_templates/rag.jinja#rag": "{{ documents }}",
	}
	deps := *(*r.BOM.Dependencies)[0].Dependencies
	for ref, text := range texts {
		c, ok := component(r, ref)
		sum := sha256.Sum256([]byte(text))
		if !ok || (*c.Hashes)[0].Value != hex.EncodeToString(sum[:]) {
			t.Errorf("template %s: missing or wrong hash: %+v", ref, c.Hashes)
		}
		if !containsStr(deps, ref) {
			t.Errorf("model does not depend on %s", ref)
		}
	}
	// model.sig is not hashed as a model file but referenced as an attestation.
	for _, f := range *m.Components {
		if f.Name == SignatureFile {
			t.Error("model.sig listed as a model file")
		}
	}
	var att bool
	for _, e := range *m.ExternalReferences {
		att = att || e.Type == cdx.ERTypeAttestation && e.URL == SignatureFile
	}
	if !att {
		t.Error("no attestation reference to model.sig")
	}
	// A model.sig that is not a Sigstore bundle is a model file like any
	// other: listed and hashed, never referenced as an attestation.
	if err := os.WriteFile(filepath.Join(dir, SignatureFile), []byte("real data"), 0o644); err != nil {
		t.Fatal(err)
	}
	m2 := model(generate(t, dir, fixedOpts()))
	if m2.Components == nil || !slices.ContainsFunc(*m2.Components, func(c cdx.Component) bool { return c.Name == SignatureFile }) {
		t.Error("a model file named model.sig is not listed")
	}
	if m2.ExternalReferences != nil && slices.ContainsFunc(*m2.ExternalReferences, func(e cdx.ExternalReference) bool { return e.URL == SignatureFile }) {
		t.Error("a model file named model.sig is referenced as an attestation")
	}
}

func containsStr(s []string, v string) bool {
	for _, e := range s {
		if e == v {
			return true
		}
	}
	return false
}

// TestDigestsMatchManifest: file components carry exactly the signature
// manifest's digests, and the model hash is its root digest.
func TestDigestsMatchManifest(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"testdata/models/hf-bert-tiny", "testdata/models/model.pt"} {
		man, err := manifest.Hash(context.Background(), p, manifest.Options{Algorithm: "sha256", IgnorePaths: []string{SignatureFile}})
		if err != nil {
			t.Fatal(err)
		}
		r := generate(t, p, fixedOpts())
		m := model(r)
		if got, want := (*m.Hashes)[0].Value, hex.EncodeToString(man.RootDigest()); got != want || (*m.Hashes)[0].Algorithm != cdx.HashAlgoSHA256 {
			t.Errorf("%s: model hash %s, want root digest %s", p, got, want)
		}
		files := *m.Components
		if len(files) != len(man.Items) {
			t.Fatalf("%s: %d file components, manifest has %d", p, len(files), len(man.Items))
		}
		for i, it := range man.Items {
			if files[i].Name != it.Name || (*files[i].Hashes)[0].Value != hex.EncodeToString(it.Digest) || files[i].Type != cdx.ComponentTypeFile {
				t.Errorf("%s: file %d = %s %v, want %s %x", p, i, files[i].Name, *files[i].Hashes, it.Name, it.Digest)
			}
		}
	}
}

// TestPrecomputedManifest: a caller that already hashed the model (gate,
// the registry worker) passes its manifest, and Generate reads no model
// byte again; only a files-mode SHA-256 manifest is accepted.
func TestPrecomputedManifest(t *testing.T) {
	p := "testdata/models/hf-bert-tiny"
	man, err := manifest.Hash(context.Background(), p, manifest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Changed digests prove the manifest given is the one used.
	fake := *man
	fake.Items = slices.Clone(man.Items)
	fake.Items[0].Digest = make([]byte, 32)
	opts := fixedOpts()
	opts.Manifest = &fake
	r := generate(t, p, opts)
	if got := (*model(r).Hashes)[0].Value; got != hex.EncodeToString(fake.RootDigest()) || bytes.Equal(fake.RootDigest(), man.RootDigest()) {
		t.Errorf("model hash %s, want the given manifest's root", got)
	}
	shards, err := manifest.Hash(context.Background(), p, manifest.Options{ShardSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	opts.Manifest = shards
	if _, err := Generate(context.Background(), p, opts); err == nil {
		t.Error("a shards manifest was accepted")
	}
}

func TestHubCacheRevision(t *testing.T) {
	t.Parallel()
	rev := "559062ad13d311b87b2c455e67dcd5f1c8f65111"
	base := t.TempDir()
	dir := filepath.Join(base, "models--microsoft--deberta-v3-base", "snapshots", rev)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"model_type":"deberta-v2"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	m := model(generate(t, dir, fixedOpts()))
	if m.PackageURL != "pkg:huggingface/microsoft/deberta-v3-base@"+rev || m.Version != rev || m.Name != "deberta-v3-base" {
		t.Errorf("purl %q version %q name %q", m.PackageURL, m.Version, m.Name)
	}
}

func TestNameOrPath(t *testing.T) {
	t.Parallel()
	cases := []struct {
		readme, nameOrPath, wantPURL string
	}{
		{"", "acme/model", "pkg:huggingface/acme/model"},
		{"", "/home/me/checkpoints/run1", ""},
		{"", "./out", ""},
		{"---\nbase_model: acme/base\n---\n", "acme/base", ""}, // fine-tune keeps its base's path
	}
	for _, c := range cases {
		files := map[string]string{"config.json": `{"_name_or_path": "` + c.nameOrPath + `"}`}
		if c.readme != "" {
			files["README.md"] = c.readme
		}
		m := model(generate(t, writeTree(t, files), fixedOpts()))
		if m.PackageURL != c.wantPURL {
			t.Errorf("_name_or_path %q: purl %q, want %q", c.nameOrPath, m.PackageURL, c.wantPURL)
		}
		if c.wantPURL == "" && !strings.HasPrefix(m.BOMRef, "model:") {
			t.Errorf("bom-ref %q for a model of unknown origin", m.BOMRef)
		}
	}
}

func TestLicenses(t *testing.T) {
	t.Parallel()
	cases := []struct {
		front string
		want  []cdx.License
	}{
		{"license: apache-2.0", []cdx.License{{ID: "Apache-2.0"}}},
		{"license: [mit, cc-by-4.0]", []cdx.License{{ID: "MIT"}, {ID: "CC-BY-4.0"}}},
		{"license: openrail", []cdx.License{{Name: "openrail"}}},
		{"license: unknown", nil},
		{"license: other", nil},
		{"license: other\nlicense_link: LICENSE", []cdx.License{{Name: "other", URL: "LICENSE"}}},
	}
	for _, c := range cases {
		m := model(generate(t, writeTree(t, map[string]string{"README.md": "---\n" + c.front + "\n---\n"}), fixedOpts()))
		var got []cdx.License
		if m.Licenses != nil {
			for _, l := range *m.Licenses {
				got = append(got, *l.License)
			}
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q: licenses %+v, want %+v", c.front, got, c.want)
		}
	}
}

func TestMalformedMetadataFails(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"config.json":           "{not json",
		"README.md":             "---\nlicense: [unclosed\n---\n",
		"tokenizer_config.json": "[1,",
		"MLmodel":               "flavors: [",
		"pyproject.toml":        "[project\n",
		"conda.yaml":            "dependencies: {",
		"python_env.yaml":       "python: [",
		"m.gguf":                "GGUF\x03\x00\x00\x00",
	}
	for name, content := range cases {
		_, err := Generate(context.Background(), writeTree(t, map[string]string{name: content}), fixedOpts())
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: err = %v, want an error naming the file", name, err)
		}
	}
	// An MLmodel signature that is not JSON is an error too.
	_, err := Generate(context.Background(), writeTree(t, map[string]string{"MLmodel": "signature:\n  inputs: '[{'\n"}), fixedOpts())
	if err == nil || !strings.Contains(err.Error(), "signature inputs") {
		t.Errorf("bad signature: %v", err)
	}
}

func TestOversizedMetadataFails(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(maxMetaBytes + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := Generate(context.Background(), dir, fixedOpts()); !errors.Is(err, ErrTooLarge) {
		t.Errorf("err = %v, want ErrTooLarge", err)
	}
}

func TestScanFindingsBecomeVulnerabilities(t *testing.T) {
	t.Parallel()
	root := "testdata/models/mlflow-sklearn"
	opts := fixedOpts()
	opts.NoScan, opts.Report = false, fakeReport(root)
	r := generate(t, root, opts)
	if r.BOM.Vulnerabilities == nil || len(*r.BOM.Vulnerabilities) != 1 {
		t.Fatalf("vulnerabilities: %+v", r.BOM.Vulnerabilities)
	}
	v := (*r.BOM.Vulnerabilities)[0]
	if v.ID != "PKL001" || v.Source.Name != "mlsec" || (*v.Ratings)[0].Severity != cdx.SeverityCritical ||
		v.Description != `pickle calls posix.system("echo hi")` || v.Recommendation == "" {
		t.Errorf("vulnerability %+v", v)
	}
	for _, want := range []string{"path: model.pkl", "callable: posix.system", "argument: echo hi", "offset: 2"} {
		if !strings.Contains(v.Detail, want) {
			t.Errorf("detail %q lacks %q", v.Detail, want)
		}
	}
	aff := *v.Affects
	if len(aff) != 2 || aff[0].Ref != model(r).BOMRef || aff[1].Ref != "file:model.pkl" {
		t.Errorf("affects %+v", aff)
	}
	if got := prop(r.BOM.Metadata.Properties, PropScanResult); got != "findings" {
		t.Errorf("scan result %q", got)
	}
	if got := prop(r.BOM.Metadata.Properties, PropScanFindings); got != "1" {
		t.Errorf("scan findings %q", got)
	}
}

func TestScanCleanAndNoScan(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string]string{"weights.dat": "plain bytes", "notes.txt": "hello"})
	opts := fixedOpts()
	opts.NoScan = false
	r := generate(t, dir, opts) // the real scanner
	if got := prop(r.BOM.Metadata.Properties, PropScanResult); got != "clean" || r.BOM.Vulnerabilities != nil {
		t.Errorf("clean model: result %q, vulnerabilities %v", got, r.BOM.Vulnerabilities)
	}
	if got := prop(r.BOM.Metadata.Properties, PropScanFiles); got != "2" {
		t.Errorf("files scanned %q, want 2", got)
	}
	r = generate(t, dir, fixedOpts())
	if got := prop(r.BOM.Metadata.Properties, PropScanResult); got != "not-run" {
		t.Errorf("--no-scan: result %q", got)
	}
	if !containsStr(r.Score.Missing, "scan") {
		t.Error("a BOM without a scan still scores the scan field")
	}
}

func TestReproducible(t *testing.T) {
	t.Parallel()
	a := encode(t, generate(t, "testdata/models/hf-bert-tiny", fixedOpts()).BOM, "1.6")
	b := encode(t, generate(t, "testdata/models/hf-bert-tiny", fixedOpts()).BOM, "1.6")
	if !bytes.Equal(a, b) {
		t.Error("same inputs gave different BOMs")
	}
	o := fixedOpts()
	o.Reproducible = false
	s1 := generate(t, "testdata/models/model.pt", o).BOM.SerialNumber
	s2 := generate(t, "testdata/models/model.pt", o).BOM.SerialNumber
	if s1 == s2 || !strings.HasPrefix(s1, "urn:uuid:") || s1[23] != '4' {
		t.Errorf("random serials %s %s", s1, s2)
	}
	o.SerialNumber = "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79"
	if got := generate(t, "testdata/models/model.pt", o).BOM.SerialNumber; got != o.SerialNumber {
		t.Errorf("explicit serial ignored: %s", got)
	}
}

func TestEncodeErrors(t *testing.T) {
	t.Parallel()
	b := generate(t, "testdata/models/model.pt", fixedOpts()).BOM
	var buf bytes.Buffer
	if err := Encode(&buf, b, FormatSPDX, ""); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "SPDX") {
		t.Errorf("spdx: %v", err)
	}
	if err := Encode(&buf, b, "xml", ""); !errors.Is(err, ErrUnsupported) {
		t.Errorf("xml: %v", err)
	}
	if err := Encode(&buf, b, "", "1.5"); !errors.Is(err, ErrUnsupported) {
		t.Errorf("1.5: %v", err)
	}
	if buf.Len() != 0 {
		t.Error("a refused encoding wrote output")
	}
}

func TestSPDXIDsMatchSchema(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("testdata/schema/spdx.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var s struct{ Enum []string }
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	if got := strings.Fields(spdxIDList); !reflect.DeepEqual(got, s.Enum) {
		t.Errorf("spdx_ids.txt (%d ids) differs from spdx.schema.json (%d ids)", len(got), len(s.Enum))
	}
	if id, ok := SPDXID("apache-2.0"); !ok || id != "Apache-2.0" {
		t.Errorf("SPDXID(apache-2.0) = %q %v", id, ok)
	}
}

// TestHubCacheSymlinks: a real hub cache snapshot is symlinks into ../../blobs.
func TestHubCacheSymlinks(t *testing.T) {
	t.Parallel()
	rev := "0123456789abcdef0123456789abcdef01234567"
	base := filepath.Join(t.TempDir(), "models--acme--tiny")
	snap := filepath.Join(base, "snapshots", rev)
	for _, d := range []string{filepath.Join(base, "blobs"), snap} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(base, "blobs", "abc"), []byte(`{"model_type":"llama"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join("..", "..", "blobs", "abc"), filepath.Join(snap, "config.json")); err != nil {
		t.Skip("symlinks unsupported:", err)
	}
	if _, err := Generate(context.Background(), snap, fixedOpts()); !errors.Is(err, manifest.ErrSymlink) {
		t.Errorf("symlink without AllowSymlinks: %v", err)
	}
	o := fixedOpts()
	o.AllowSymlinks = true
	m := model(generate(t, snap, o))
	if m.PackageURL != "pkg:huggingface/acme/tiny@"+rev || m.ModelCard.ModelParameters.ArchitectureFamily != "llama" {
		t.Errorf("purl %q, card %+v", m.PackageURL, m.ModelCard)
	}
}

// TestHostileValuesStillValidate: free text from the card never breaks the schema.
func TestHostileValuesStillValidate(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string]string{
		"README.md": "---\nmodel_name: \"a b/c\\u0000<x>\"\nlicense: [other, Apache-2.0, \"not a licence\"]\nlicense_name: \"x y\"\n" +
			"license_link: \"see the LICENSE file\"\ndatasets: [\"my data\", \"a/b/c\", \"ünï\", \"\"]\nbase_model: [\"x\", \"x\", \"not an id\"]\n" +
			"tags: [1, 2]\nlanguage: 5\nmodel-index: [{name: 3, results: [{metrics: [{type: a, value: {x: 1}}]}]}]\n---\n",
		"tokenizer_config.json": `{"chat_template": [{"name": "default", "template": "a"}, {"name": "default", "template": "b"}, {"template": 3}]}`,
		"requirements.txt":      "weird name==1\n",
	})
	r := generate(t, dir, fixedOpts())
	for _, spec := range []string{"1.6", "1.7"} {
		validate(t, encode(t, r.BOM, spec), spec)
	}
	refs := map[string]bool{}
	var walk func(cs *[]cdx.Component)
	walk = func(cs *[]cdx.Component) {
		if cs == nil {
			return
		}
		for _, c := range *cs {
			if c.BOMRef != "" && refs[c.BOMRef] {
				t.Errorf("duplicate bom-ref %q", c.BOMRef)
			}
			refs[c.BOMRef] = true
			walk(c.Components)
			if c.Pedigree != nil {
				walk(c.Pedigree.Ancestors)
			}
		}
	}
	walk(r.BOM.Components)
	// Text that is not a URL never lands in a URL field.
	for _, l := range *model(r).Licenses {
		if l.License.URL != "" {
			t.Errorf("license URL %q from free text", l.License.URL)
		}
	}
	if c, ok := component(r, "dataset:my data"); !ok || (*c.Data)[0].Contents != nil {
		t.Errorf("dataset with a space: %+v", c)
	}
	if c, ok := component(r, "dataset:ünï"); !ok || (*c.Data)[0].Contents != nil {
		t.Errorf("non-Hub dataset name: %+v", c)
	}
}
