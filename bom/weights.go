package bom

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/mlsec/mlsec/formats/onnx"
	"github.com/mlsec/mlsec/formats/pbwalk"
	"github.com/mlsec/mlsec/formats/safetensors"
	"github.com/mlsec/mlsec/formats/zipx"
	"github.com/mlsec/mlsec/pickle"
)

// What the model files themselves declare. A file that does not parse
// here adds nothing: the scan reports it (FMT001), and the BOM must still
// describe the rest of the folder.

// weightInfo is what the weight files declare about the model as a whole,
// kept until the card has been read so the card wins.
type weightInfo struct {
	ioFile          string   // the ONNX file inputs and outputs come from
	inputs, outputs []string // "name: type[dims]"
	moduleFile      string   // the TorchScript file the root module comes from
	module          string   // TorchScript root module class
	licenseFile     string   // the file whose metadata names a licence
	license         string   // a "license" entry of ONNX or safetensors metadata
}

// noteLicense keeps the first licence a weight file's metadata declares.
func (w *weightInfo) noteLicense(file, key, value string) {
	if w.license == "" && strings.EqualFold(key, "license") && strings.TrimSpace(value) != "" {
		w.license, w.licenseFile = strings.TrimSpace(value), file
	}
}

// useWeights fills what the card left empty from the weight files.
func (m *modelInfo) useWeights() {
	w := m.weights
	if len(m.Inputs) == 0 && len(m.Outputs) == 0 && w.ioFile != "" {
		m.Inputs, m.Outputs = w.inputs, w.outputs
		m.prop("inputs_outputs_from", w.ioFile)
	}
	if m.Arch == "" && w.module != "" {
		m.Arch = w.module
		m.prop("architecture_from", w.moduleFile)
	}
	if len(m.License) == 0 && w.license != "" {
		m.License = []string{w.license}
		m.prop("license_from", w.licenseFile)
	}
}

// maxMetaProps bounds the metadata entries of one file copied into the
// BOM, and maxMetaValue the length of each value.
const (
	maxMetaProps = 32
	maxMetaValue = 256
)

// readSafetensorsFile records tensor and parameter counts, dtypes and the
// __metadata__ entries of a safetensors file (header only).
func (m *modelInfo) readSafetensorsFile(p, name string) error {
	f, size, err := openSized(p)
	if err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	defer f.Close()
	h, err := safetensors.Parse(f, size)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	var params uint64
	dtypes := map[string]bool{}
	for _, t := range h.Tensors {
		n := uint64(1)
		for _, d := range t.Shape {
			n *= d
		}
		params += n
		dtypes[t.DType] = true
	}
	if len(h.Problems) > 0 { // the scan reports them; counts would be meaningless
		return nil
	}
	total, _ := strconv.ParseUint(m.Props["parameters"], 10, 64)
	m.Props["parameters"] = fmt.Sprint(total + params)
	m.fileProp(name, "safetensors:tensors", fmt.Sprint(len(h.Tensors)))
	m.fileProp(name, "safetensors:parameters", fmt.Sprint(params))
	m.fileProp(name, "safetensors:dtypes", strings.Join(sortedKeys(dtypes), ","))
	if v := h.Metadata["format"]; v != "" {
		m.fileProp(name, "safetensors:format", v)
	}
	for i, k := range h.MetadataKeys {
		if i == maxMetaProps {
			m.fileProp(name, "safetensors:metadata-truncated", fmt.Sprint(len(h.MetadataKeys)))
			break
		}
		if k != "format" {
			m.fileProp(name, "safetensors:metadata:"+k, truncate(h.Metadata[k], maxMetaValue))
		}
		m.weights.noteLicense(name, k, h.Metadata[k])
	}
	return nil
}

// readONNXFile records the opsets, producer, graph inputs and outputs and
// metadata_props of an ONNX model.
func (m *modelInfo) readONNXFile(p, name string) {
	f, size, err := openSized(p)
	if err != nil {
		return
	}
	defer f.Close()
	om, err := onnx.Parse(f, size, pbwalk.Limits{})
	if err != nil {
		return
	}
	var opsets []string
	for _, o := range om.Opsets {
		if o.Where != "model" {
			continue
		}
		d := o.Domain
		if d == "" {
			d = "ai.onnx"
		}
		opsets = append(opsets, fmt.Sprintf("%s %d", d, o.Version))
	}
	m.fileProp(name, "onnx:opsets", strings.Join(opsets, ", "))
	m.fileProp(name, "onnx:ir-version", fmt.Sprint(om.IRVersion))
	m.fileProp(name, "onnx:producer", strings.TrimSpace(om.Producer+" "+om.ProducerVersion))
	in, out := valueStrings(om.Inputs), valueStrings(om.Outputs)
	m.fileProp(name, "onnx:inputs", strings.Join(in, "; "))
	m.fileProp(name, "onnx:outputs", strings.Join(out, "; "))
	for i, kv := range om.Metadata {
		if i == maxMetaProps {
			m.fileProp(name, "onnx:metadata-truncated", fmt.Sprint(len(om.Metadata)))
			break
		}
		m.fileProp(name, "onnx:metadata:"+kv.Key, truncate(kv.Value, maxMetaValue))
		m.weights.noteLicense(name, kv.Key, kv.Value)
	}
	// The first ONNX file (in manifest order) with a signature speaks for
	// the model; the others keep theirs in file properties.
	if m.weights.ioFile == "" && len(in)+len(out) > 0 {
		m.weights.ioFile, m.weights.inputs, m.weights.outputs = name, in, out
	}
}

func valueStrings(vs []onnx.ValueInfo) []string {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		out = append(out, v.String())
	}
	return out
}

// Bounds of what is read from a PyTorch zip archive's small members.
const (
	maxTorchEntries = 100_000
	maxDataPkl      = 64 << 20
	maxVersionBytes = 32
)

// torchMangle matches TorchScript's name mangling of a module path part.
var torchMangle = regexp.MustCompile(`^___torch_mangle_\d+$`)

// readTorchZip records what a PyTorch zip archive (torch.save or
// torch.jit.save) declares: whether it holds TorchScript code, its format
// version, its extra files and, for TorchScript, the root module's class
// (the first __torch__ global of data.pkl, read by the pickle VM, never
// unpickled).
func (m *modelInfo) readTorchZip(p, name string) {
	f, size, err := openSized(p)
	if err != nil {
		return
	}
	defer f.Close()
	z, err := zipx.OpenWith(f, size, zipx.Options{MaxEntries: maxTorchEntries})
	if err != nil {
		return
	}
	var data, ver *zipx.Entry
	code := false
	var extra []string
	for i := range z.Entries {
		e := &z.Entries[i]
		_, rest, ok := strings.Cut(e.Name, "/") // the archive's top folder
		if !ok || e.Err != nil {
			continue
		}
		switch {
		case rest == "data.pkl":
			data = e
		case rest == "version":
			ver = e // the archive's format version
		case rest == ".data/version" && ver == nil:
			ver = e
		case strings.HasPrefix(rest, "code/") && !e.IsDir:
			code = true
		case strings.HasPrefix(rest, "extra/") && !e.IsDir:
			extra = append(extra, strings.TrimPrefix(rest, "extra/"))
		}
	}
	if data == nil {
		return // not a PyTorch archive
	}
	format := "torch.save zip"
	if code {
		format = "torchscript"
	}
	m.fileProp(name, "torch:format", format)
	if ver != nil {
		if b, err := readMember(z, ver, maxVersionBytes); err == nil {
			m.fileProp(name, "torch:version", strings.TrimSpace(string(b)))
		}
	}
	sort.Strings(extra)
	m.fileProp(name, "torch:extra-files", strings.Join(extra, ","))
	if !code {
		return
	}
	rc, err := z.Open(data)
	if err != nil {
		return
	}
	defer rc.Close()
	rep, err := pickle.Analyze(io.LimitReader(rc, maxDataPkl), pickle.Options{MaxOps: 10_000_000})
	if err != nil || len(rep.Streams) == 0 {
		return
	}
	for _, g := range rep.Streams[0].Imports {
		if g.Resolved && (g.Module == "__torch__" || strings.HasPrefix(g.Module, "__torch__.")) {
			mod := torchClass(g.Module + "." + g.Name)
			m.fileProp(name, "torch:module", mod)
			if m.weights.module == "" {
				m.weights.module, m.weights.moduleFile = mod, name
			}
			break
		}
	}
}

// torchClass turns "__torch__.___torch_mangle_3.pkg.Net" into "pkg.Net".
func torchClass(s string) string {
	var parts []string
	for _, p := range strings.Split(strings.TrimPrefix(s, "__torch__."), ".") {
		if !torchMangle.MatchString(p) {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ".")
}

// readMember reads a small archive member whole, at most limit bytes.
func readMember(z *zipx.Reader, e *zipx.Entry, limit int64) ([]byte, error) {
	rc, err := z.Open(e)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var b bytes.Buffer
	_, err = io.Copy(&b, io.LimitReader(rc, limit))
	return b.Bytes(), err
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// openSized opens p and returns its size, which the header parsers need
// (one open and stat for the three readers above).
func openSized(p string) (*os.File, int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, st.Size(), nil
}
