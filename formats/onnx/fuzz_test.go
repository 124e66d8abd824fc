package onnx

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/mlsec/mlsec/formats/pbwalk"
)

func FuzzONNX(f *testing.F) {
	f.Add([]byte(benignModel()))
	sub := graph(pb{}.M(1, node("If", "", "if", attrGraph("then_branch", graph(pb{}.M(5, extTensor("t", "../x")))))))
	f.Add([]byte(model(sub)))
	files, _ := filepath.Glob(filepath.Join("..", "..", "scan", "testdata", "benign", "onnx", "*", "*.onnx"))
	gen, _ := filepath.Glob(filepath.Join("..", "..", "scan", "testdata", "onnx", "*.onnx"))
	files = append(files, gen...)
	more, _ := filepath.Glob(filepath.Join("..", "..", "scan", "testdata", "benign", "onnx", "*.onnx"))
	for _, p := range append(files, more...) {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bytes.NewReader(b)
		Probe(r, int64(len(b)))
		m, err := Parse(r, int64(len(b)), pbwalk.Limits{MaxFields: 100000})
		if err == nil {
			for _, e := range m.External {
				CheckLocation(e.Location)
			}
		}
	})
}
