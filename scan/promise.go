package scan

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/mlsec/mlsec/formats/onnx"
	"github.com/mlsec/mlsec/formats/pbwalk"
)

// Formats are detected from content, but loaders choose how to read a file
// from its name: torch.load unpickles a .pt whatever it holds, and
// onnx.load parses a .onnx as ModelProto. A file whose name promises a
// model format and whose content is in no format the scanner recognises
// must not pass as "skipped" (fail closed): it is analysed the way its
// loader would read it where that is possible (pickle, ONNX), and is a
// FMT003 finding otherwise.

// promisedByExt maps name extensions to the format their loaders read.
// FormatUnknown means "a model format", with no parser to force.
var promisedByExt = map[string]Format{
	".pt": FormatPickle, ".pth": FormatPickle, ".bin": FormatPickle, ".ckpt": FormatPickle,
	".pkl": FormatPickle, ".pickle": FormatPickle, ".joblib": FormatPickle,
	".onnx":  FormatONNX,
	".pmml":  FormatXML,
	".pb":    FormatUnknown,
	".h5":    FormatUnknown,
	".hdf5":  FormatUnknown,
	".keras": FormatUnknown, ".safetensors": FormatUnknown, ".gguf": FormatUnknown,
	".npy": FormatUnknown, ".npz": FormatUnknown, ".msgpack": FormatUnknown, ".tflite": FormatUnknown,
}

// promise returns the format a name promises, and whether it promises one.
func promise(name string) (Format, bool) {
	f, ok := promisedByExt[strings.ToLower(filepath.Ext(name))]
	return f, ok
}

// recognised reports whether sniffing found a format (text and empty
// content are not model formats).
func recognised(formats []Format) bool {
	switch formats[0] {
	case FormatUnknown, FormatText, FormatEmpty:
		return false
	}
	return true
}

// keepPromise is called by analyze when b's content is in no format the
// scanner recognises. It returns the format to analyse b as (by name), or
// "" after reporting FMT003 when there is none.
func (fs *fileScan) keepPromise(b *blob, formats []Format) Format {
	want, ok := promise(b.name)
	if !ok || b.force != "" || recognised(formats) {
		return ""
	}
	if b.depth == 0 {
		if why := rawWeights(b.file); why != "" {
			fs.res.Status = StatusSkipped
			fs.res.Reason = why
			return ""
		}
	}
	if f := weakSignature(b); f != "" {
		// Recognised, with no analyser: listed as skipped.
		if b.depth == 0 {
			fs.res.Status = StatusSkipped
			fs.res.Reason = fmt.Sprintf("%s file: recognised; mlsec has no analyser for this format", f)
		}
		b.format = f
		return ""
	}
	b.format = formats[0]
	if b.size == 0 {
		fs.emitf(b, "FMT003", -1, "%s is empty, but its name promises a model file", b.name)
		fs.markError(fmt.Errorf("empty file named like a model"))
		return ""
	}
	if want != FormatUnknown {
		b.byName = true
		return want
	}
	fs.emitf(b, "FMT003", 0, "%s is named like a model file but its content is in no format mlsec recognises (%s)", b.name, formats[0])
	fs.markError(fmt.Errorf("content matches no model format"))
	return ""
}

// rawWeights says why a top-level .bin file holds raw tensor data another
// model file describes, or returns "": OpenVINO IR keeps weights in a .bin
// beside the .xml of the same name, and Core ML packages keep them under
// Data/com.apple.CoreML/weights/. ONNX external data is matched after the
// scan (see dropCompanions), since only the model says which files it uses.
func rawWeights(path string) string {
	if !strings.EqualFold(filepath.Ext(path), ".bin") {
		return ""
	}
	stem := strings.TrimSuffix(path, filepath.Ext(path))
	if fi, err := os.Stat(stem + ".xml"); err == nil && fi.Mode().IsRegular() {
		return "raw weights of the OpenVINO model " + filepath.Base(stem) + ".xml"
	}
	for d := filepath.Dir(path); d != filepath.Dir(d); d = filepath.Dir(d) {
		if strings.HasSuffix(strings.ToLower(d), ".mlpackage") {
			return "raw weights of the Core ML package " + filepath.Base(d)
		}
	}
	if model := onnxUser(path); model != "" {
		return "external tensor data of the ONNX model " + model
	}
	return ""
}

// onnxUser returns an ONNX model in path's folder or its parent that names
// path as external data, so a lone scan of the data file knows it too.
// Models past maxONNXProbe bytes, or beyond the first 16 found, are not
// read (dropCompanions still matches models scanned alongside).
func onnxUser(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return ""
	}
	dir := filepath.Dir(abs)
	var models []string
	for _, d := range []string{dir, filepath.Dir(dir)} {
		m, _ := filepath.Glob(filepath.Join(d, "*.onnx"))
		models = append(models, m...)
	}
	for i, m := range models {
		if i >= 16 {
			break
		}
		f, err := os.Open(m)
		if err != nil {
			continue
		}
		fi, err := f.Stat()
		if err == nil && fi.Size() <= maxONNXProbe {
			if mod, err := onnx.Parse(f, fi.Size(), pbwalk.DefaultLimits()); err == nil {
				for _, e := range mod.External {
					loc := filepath.Join(filepath.Dir(m), filepath.FromSlash(strings.ReplaceAll(e.Location, "\\", "/")))
					if onnx.CheckLocation(e.Location) == "" && loc == abs {
						f.Close()
						return filepath.Base(m)
					}
				}
			}
		}
		f.Close()
	}
	return ""
}

// maxONNXProbe bounds the ONNX files onnxUser reads: a model that keeps
// its weights outside is small.
const maxONNXProbe = 256 << 20

// dropCompanions removes the FMT003 findings of files that a model in the
// same scan reads as raw external data (ONNX external_data), and lists
// those files as skipped instead.
func dropCompanions(results []*fileScan) {
	users := map[string]string{}
	for _, r := range results {
		for _, c := range r.companions {
			users[c] = r.res.Path
		}
	}
	if len(users) == 0 {
		return
	}
	for _, r := range results {
		abs, err := filepath.Abs(r.res.Path)
		if err != nil {
			continue
		}
		user, ok := users[abs]
		if !ok || len(r.findings) == 0 {
			continue
		}
		only := true
		for _, f := range r.findings {
			only = only && f.RuleID == "FMT003" && f.Member == ""
		}
		if only {
			r.findings = nil
			r.res.Status = StatusSkipped
			r.res.Reason = "external tensor data of " + user
		}
	}
}

// weakSignature recognises formats whose signatures are too short to sniff
// in any file, for files whose names promise them: Flax's msgpack (a map
// whose first key is a string) and word2vec's binary format (a header line
// "<words> <dimensions>").
func weakSignature(b *blob) Format {
	head, err := readHead(b, 64)
	if err != nil || len(head) < 2 {
		return ""
	}
	switch strings.ToLower(filepath.Ext(b.name)) {
	case ".msgpack":
		c, k := head[0], head[1]
		isMap := c >= 0x80 && c <= 0x8f || c == 0xde || c == 0xdf
		if c == 0xde {
			k = head[min(3, len(head)-1)]
		} else if c == 0xdf {
			k = head[min(5, len(head)-1)]
		}
		if isMap && (k >= 0xa0 && k <= 0xbf || k == 0xd9 || k == 0xda || k == 0xdb) {
			return FormatMsgpack
		}
	case ".bin":
		if word2vecHeader.Match(head) {
			return FormatWord2Vec
		}
	}
	return ""
}

var word2vecHeader = regexp.MustCompile(`^[1-9][0-9]* [1-9][0-9]*\r?\n`)
