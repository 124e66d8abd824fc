package bom

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlsec/mlsec/evidence"
)

// safetensorsWithMeta is a safetensors file with one F32 tensor and the
// given __metadata__ JSON object.
func safetensorsWithMeta(meta string) string {
	header := `{"__metadata__":` + meta + `,"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return string(append(append(b, header...), make([]byte, 8)...))
}

func TestParseDataset(t *testing.T) {
	t.Parallel()
	d := strings.Repeat("ab", 32)
	cases := []struct {
		in      string
		want    Dataset
		wantErr bool
	}{
		{"train", Dataset{Name: "train"}, false},
		{"train@sha256:" + strings.ToUpper(d), Dataset{Name: "train", Digest: d}, false},
		{"train@" + d, Dataset{Name: "train", Digest: d}, false},
		{"user@host/data@sha256:" + d, Dataset{Name: "user@host/data", Digest: d}, false},
		{"train@sha256:abc", Dataset{}, true},
		{"@sha256:" + d, Dataset{}, true},
		{"", Dataset{}, true},
	}
	for _, c := range cases {
		got, err := ParseDataset(c.in)
		if (err != nil) != c.wantErr || got != c.want {
			t.Errorf("ParseDataset(%q) = %+v, %v", c.in, got, err)
		}
		if err != nil && !errors.Is(err, ErrDeclared) {
			t.Errorf("%q: error does not wrap ErrDeclared: %v", c.in, err)
		}
	}
}

// A folder holding only weights gets its licence, datasets and card from
// the user: the BOM records them, says they were declared, and the bom
// evidence the policy reads has a licence and datasets.
func TestDeclaredFillsWhatTheFolderLacks(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string]string{"model.safetensors": safetensorsWithMeta(`{"format":"pt"}`)})
	card := filepath.Join(t.TempDir(), "card.md")
	os.WriteFile(card, []byte("---\npipeline_tag: text-classification\nlicense: mit\n---\nA sentiment classifier for reviews.\n\n## Limitations\n\nEnglish only.\n"), 0o644)
	bare := generate(t, dir, fixedOpts())
	digest := strings.Repeat("0f", 32)
	opts := fixedOpts()
	opts.Declared = Declared{Licenses: []string{"apache-2.0"}, Datasets: []Dataset{{Name: "reviews-2024", Digest: digest}, {Name: "imdb"}}, ModelCard: card}
	r := generate(t, dir, opts)
	validate(t, encode(t, r.BOM, "1.6"), "1.6")
	m := model(r)
	if m.Licenses == nil || len(*m.Licenses) != 1 || (*m.Licenses)[0].License.ID != "Apache-2.0" {
		t.Errorf("licences %+v (the flag replaces the card's MIT)", m.Licenses)
	}
	if m.Description != "A sentiment classifier for reviews." || m.ModelCard.ModelParameters.Task != "text-classification" {
		t.Errorf("card not read: %q %+v", m.Description, m.ModelCard.ModelParameters)
	}
	if got := prop(m.Properties, "mlsec:model:declared"); got != "model-card,license,datasets" {
		t.Errorf("declared = %q", got)
	}
	ds, ok := component(r, "dataset:reviews-2024")
	if !ok || ds.Hashes == nil || (*ds.Hashes)[0].Value != digest || (*ds.Data)[0].Contents != nil {
		t.Errorf("declared dataset component %+v", ds)
	}
	if hub, _ := component(r, "dataset:imdb"); hub.Data == nil || (*hub.Data)[0].Contents == nil {
		t.Errorf("a Hub dataset name without a digest keeps its Hub link: %+v", hub)
	}
	if r.Score.Score <= bare.Score.Score {
		t.Errorf("completeness %d, not above %d without declarations", r.Score.Score, bare.Score.Score)
	}
	rec, err := Evidence(evidence.NewSubject("m", strings.Repeat("1", 64)), r.BOM, "test", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var res evidence.BOMResult
	if err := json.Unmarshal(rec.Result, &res); err != nil {
		t.Fatal(err)
	}
	if !res.HasLicense || len(res.Datasets) != 2 {
		t.Errorf("evidence %+v", res)
	}
}

// A card in YAML (front matter fields only) works as a Markdown one; a
// missing card file is an error, not a silently thinner BOM.
func TestModelCardFileForms(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string]string{"model.safetensors": safetensorsWithMeta(`{}`), "README.md": "---\nlicense: mit\n---\nThe folder's card.\n"})
	card := filepath.Join(t.TempDir(), "card.yaml")
	os.WriteFile(card, []byte("license: bsd-3-clause\ndatasets: [squad]\n"), 0o644)
	opts := fixedOpts()
	opts.Declared.ModelCard = card
	m := model(generate(t, dir, opts))
	if m.Licenses == nil || (*m.Licenses)[0].License.ID != "BSD-3-Clause" || m.Description != "" {
		t.Errorf("YAML card: licences %+v description %q (the card replaces README.md)", m.Licenses, m.Description)
	}
	opts.Declared.ModelCard = filepath.Join(t.TempDir(), "missing.md")
	if _, err := Generate(t.Context(), dir, opts); !errors.Is(err, ErrDeclared) {
		t.Errorf("missing card: %v", err)
	}
}

// What the files declare reaches the BOM: ONNX graph inputs, outputs,
// opsets and producer; safetensors metadata and dtypes; the TorchScript
// root module, format version and extra files.
func TestWeightFilesDeclare(t *testing.T) {
	t.Parallel()
	onnxModel, err := os.ReadFile(filepath.Join("..", "scan", "testdata", "benign", "onnx", "mlp.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	dir := writeTree(t, map[string]string{
		"model.onnx":        string(onnxModel),
		"model.safetensors": safetensorsWithMeta(`{"format":"pt","author":"ml-team"}`),
		"scripted.pt":       torchScriptZip(t),
	})
	r := generate(t, dir, fixedOpts())
	validate(t, encode(t, r.BOM, "1.6"), "1.6")
	m := model(r)
	params := m.ModelCard.ModelParameters
	if params.Inputs == nil || len(*params.Inputs) == 0 || !strings.Contains((*params.Inputs)[0].Format, ": float32[") {
		t.Errorf("inputs from the ONNX graph: %+v", params.Inputs)
	}
	if params.ModelArchitecture != "net.TinyNet" {
		t.Errorf("architecture %q, want the TorchScript root module", params.ModelArchitecture)
	}
	if got := prop(m.Properties, "mlsec:model:inputs_outputs_from"); got != "model.onnx" {
		t.Errorf("inputs_outputs_from %q", got)
	}
	// mlp.onnx's metadata_props say license: apache-2.0; with no card, that
	// is the model's licence.
	if m.Licenses == nil || (*m.Licenses)[0].License.ID != "Apache-2.0" || prop(m.Properties, "mlsec:model:license_from") != "model.onnx" {
		t.Errorf("licence from ONNX metadata: %+v %q", m.Licenses, prop(m.Properties, "mlsec:model:license_from"))
	}
	file := func(name string) func(string) string {
		for _, c := range *m.Components {
			if c.BOMRef == "file:"+name {
				return func(k string) string { return prop(c.Properties, "mlsec:file:"+k) }
			}
		}
		t.Fatalf("no file component %s", name)
		return nil
	}
	onnxProps, stProps, ptProps := file("model.onnx"), file("model.safetensors"), file("scripted.pt")
	if !strings.HasPrefix(onnxProps("onnx:opsets"), "ai.onnx ") || onnxProps("onnx:inputs") == "" || onnxProps("onnx:outputs") == "" {
		t.Errorf("onnx props: opsets %q inputs %q outputs %q", onnxProps("onnx:opsets"), onnxProps("onnx:inputs"), onnxProps("onnx:outputs"))
	}
	if stProps("safetensors:metadata:author") != "ml-team" || stProps("safetensors:dtypes") != "F32" {
		t.Errorf("safetensors props: author %q dtypes %q", stProps("safetensors:metadata:author"), stProps("safetensors:dtypes"))
	}
	if ptProps("torch:format") != "torchscript" || ptProps("torch:module") != "net.TinyNet" || ptProps("torch:version") != "3" ||
		ptProps("torch:extra-files") != "producer.json" {
		t.Errorf("torch props: %q %q %q %q", ptProps("torch:format"), ptProps("torch:module"), ptProps("torch:version"), ptProps("torch:extra-files"))
	}
	// The card wins over what the files declare.
	dir2 := writeTree(t, map[string]string{"scripted.pt": torchScriptZip(t), "config.json": `{"architectures": ["BertModel"]}`})
	if a := model(generate(t, dir2, fixedOpts())).ModelCard.ModelParameters.ModelArchitecture; a != "BertModel" {
		t.Errorf("architecture %q, want the card's", a)
	}
}

// A broken ONNX or torch file adds nothing and breaks nothing: the scan
// reports it.
func TestBrokenWeightFilesAddNothing(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string]string{"model.onnx": "\x08\x07garbage", "model.pt": "PK\x03\x04 not a zip"})
	for _, c := range *model(generate(t, dir, fixedOpts())).Components {
		for _, k := range []string{"mlsec:file:onnx:opsets", "mlsec:file:torch:format"} {
			if v := prop(c.Properties, k); v != "" {
				t.Errorf("%s: %s = %q from a broken file", c.Name, k, v)
			}
		}
	}
}

// torchScriptZip is a minimal torch.jit.save archive: its data.pkl (never
// unpickled) names the root module class __torch__.net.TinyNet, mangled
// as TorchScript does.
func torchScriptZip(t *testing.T) string {
	t.Helper()
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	files := []struct{ name, body string }{
		{"scripted/data.pkl", "\x80\x02c__torch__.___torch_mangle_0.net\nTinyNet\nq\x00)\x81q\x01}q\x02b."},
		{"scripted/code/__torch__/net.py", "class TinyNet(Module):\n  pass\n"},
		{"scripted/extra/producer.json", `{"by": "ci"}`},
		{"scripted/version", "3\n"},
		{"scripted/constants.pkl", "\x80\x02).\n"},
	}
	for _, f := range files {
		w, err := z.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(f.body))
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}
