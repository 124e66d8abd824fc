package scan

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPromisedNames: a file whose name promises a model format is never a
// silent skip: empty, garbage or truncated, it is a medium finding.
func TestPromisedNames(t *testing.T) {
	t.Parallel()
	exts := []string{".pt", ".pth", ".bin", ".onnx", ".pb", ".h5", ".hdf5", ".keras", ".safetensors", ".gguf", ".pkl",
		".pickle", ".joblib", ".npy", ".npz", ".ckpt", ".msgpack", ".tflite", ".pmml"}
	for _, ext := range exts {
		for kind, data := range map[string][]byte{"empty": nil, "garbage": []byte("\x00\x01\x02\x03\xfe\xff garbage")} {
			t.Run(kind+ext, func(t *testing.T) {
				t.Parallel()
				rep := scanPickleBytes(t, "model"+ext, data)
				var hit *Finding
				for i, f := range rep.Findings {
					if (f.RuleID == "FMT003" || f.RuleID == "FMT001") && f.Severity == SeverityMedium {
						hit = &rep.Findings[i]
					}
				}
				if hit == nil {
					t.Fatalf("no medium FMT003/FMT001:%s (file %+v)", dump(rep), rep.Files[0])
				}
				if kind == "empty" && (hit.RuleID != "FMT003" || !strings.Contains(hit.Message, "empty")) {
					t.Errorf("empty file: %+v", hit)
				}
				if rep.Files[0].Status != StatusError {
					t.Errorf("status %s, want error", rep.Files[0].Status)
				}
			})
		}
	}
	// Names that promise nothing stay skipped and listed.
	for _, name := range []string{"blob.dat", "image.png", "notes", "weights.raw"} {
		rep := scanPickleBytes(t, name, []byte("\x00\x01\x02\x03\xfe\xff garbage"))
		if len(rep.Findings) != 0 || rep.Files[0].Status != StatusSkipped {
			t.Errorf("%s: %+v%s", name, rep.Files[0], dump(rep))
		}
	}
}

// TestPromisedRecognised: formats mlsec recognises but does not analyse
// are listed as skipped, not reported.
func TestPromisedRecognised(t *testing.T) {
	t.Parallel()
	for name, data := range map[string]string{
		"model.tflite":            "\x1c\x00\x00\x00TFL3\x00\x00\x12\x00",
		"ggml-base.bin":           "lmgg\x01\x00\x00\x00\x00\x00",
		"cc.en.300.bin":           "\xba\x16\x4f\x2f\x0c\x00\x00\x00",
		"vectors.bin":             "3 8\n\x00\x00\x80\x3f",
		"flax_model.msgpack":      "\x81\xa6params\x80",
		"big_flax_model.msgpack":  "\xde\x00\x02\xa6params\x80",
		"huge_flax_model.msgpack": "\xdf\x00\x00\x00\x02\xa6params\x80",
	} {
		rep := scanPickleBytes(t, name, []byte(data))
		if len(rep.Findings) != 0 || rep.Files[0].Status != StatusSkipped || !strings.Contains(rep.Files[0].Reason, "recognised") {
			t.Errorf("%s: %+v%s", name, rep.Files[0], dump(rep))
		}
	}
}

func TestTruncatedONNX(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("testdata/benign/onnx/mlp.onnx")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{len(b) / 2, len(b) - 3, 7} {
		rep := scanPickleBytes(t, "model.onnx", b[:n])
		f := findRule(rep, "FMT001", "")
		if f == nil {
			f = findRule(rep, "FMT003", "")
		}
		if f == nil || f.Severity != SeverityMedium {
			t.Errorf("ONNX cut at %d of %d: %s", n, len(b), dump(rep))
		}
	}
}

// TestONNXExternalDataIsNotAModel: the raw tensor file an ONNX model names is not an
// unparsed model when both are scanned; alone, it cannot be told from one.
func TestONNXExternalDataIsNotAModel(t *testing.T) {
	t.Parallel()
	src := "testdata/benign/onnx/external"
	if rep := scanPaths(t, src); len(rep.Findings) != 0 {
		t.Fatalf("ONNX with external data:%s", dump(rep))
	}
	// The data file alone: its model beside it says what it is.
	rep := scanPaths(t, filepath.Join(src, "weights.bin"))
	if len(rep.Findings) != 0 || rep.Files[0].Status != StatusSkipped || !strings.Contains(rep.Files[0].Reason, "model.onnx") {
		t.Fatalf("weights.bin beside its model: %+v%s", rep.Files[0], dump(rep))
	}
	// Without the model, raw bytes named .bin cannot be told from a model.
	dir := t.TempDir()
	b, err := os.ReadFile(filepath.Join(src, "weights.bin"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "weights.bin", b)
	if rep := scanPaths(t, dir); findRule(rep, "FMT003", "") == nil {
		t.Fatalf("lone raw weights.bin:%s", dump(rep))
	}
}
