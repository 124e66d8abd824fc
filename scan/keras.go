package scan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/mlsec/mlsec/formats/hdf5"
	"github.com/mlsec/mlsec/formats/keras"
)

// Keras models come as .keras ZIPs (config.json reaches checkKerasConfig
// through the JSON handler; model.weights.h5 reaches the HDF5 handler) or
// as Keras 2 .h5 files, whose root attribute model_config holds the JSON
// config. A Keras .h5 keeps the format name "hdf5" (it is an HDF5
// container, and the same handler reads weights-only files); findings say
// it is a Keras model.

func init() {
	registerHandler(FormatHDF5, scanHDF5)
}

// kerasConfigAttrs are the HDF5 attributes Keras 2 deserialises on load.
var kerasConfigAttrs = []string{"model_config", "training_config"}

// scanHDF5 walks the whole group tree (every parse error fails closed) and
// analyses every model_config and training_config attribute it finds.
func scanHDF5(fs *fileScan, b *blob) error {
	f, err := hdf5.Open(b.r, b.size)
	if err != nil {
		return fmt.Errorf("hdf5: %w", err)
	}
	return f.Walk(func(o *hdf5.Object) error {
		if err := fs.ctx.Err(); err != nil {
			return err
		}
		for _, name := range kerasConfigAttrs {
			a := o.Attr(name)
			if a == nil {
				continue
			}
			if err := checkH5Config(fs, b, o, a); err != nil {
				return err
			}
		}
		return nil
	})
}

func checkH5Config(fs *fileScan, b *blob, o *hdf5.Object, a *hdf5.Attribute) error {
	s, err := a.String()
	if err != nil {
		return fmt.Errorf("keras .h5 %s attribute of %s: %w", a.Name, o.Path, err)
	}
	if int64(len(s)) > fs.s.opts.Limits.MaxJSONBytes {
		return &LimitError{Rule: "ARC003", Limit: fmt.Sprintf("%s attribute larger than %d bytes", a.Name, fs.s.opts.Limits.MaxJSONBytes), Offset: a.Offset()}
	}
	dec := json.NewDecoder(strings.NewReader(s))
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("keras .h5 attribute %s: invalid JSON: %w", a.Name, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("keras .h5 attribute %s: data after the JSON value", a.Name)
	}
	where := fmt.Sprintf("Keras .h5 %s attribute", a.Name)
	if o.Path != "/" {
		where = fmt.Sprintf("Keras .h5 %s attribute of %s", a.Name, o.Path)
	}
	return walkKeras(fs, b, doc, where, a.Offset(), true)
}

// checkKerasConfig analyses a decoded JSON document that looks like a Keras
// model config (Keras 2 model_config or Keras 3 config.json). The JSON
// handler calls it.
func checkKerasConfig(fs *fileScan, b *blob, doc any) {
	if err := walkKeras(fs, b, doc, "Keras config", -1, false); err != nil {
		fs.failBlob(b, err)
	}
}

func walkKeras(fs *fileScan, b *blob, doc any, where string, off int64, h5 bool) error {
	kr := fs.s.rules.Keras
	issues, err := keras.Walk(doc, keras.Rules{AllowModules: kr.AllowModules, Gadgets: kr.Gadgets, UnsafeSwitches: kr.UnsafeSwitches})
	for _, is := range issues {
		fs.emit(b, kerasFinding(fs, is, where, off, h5))
	}
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	return nil
}

var kerasRules = map[keras.Kind]string{
	keras.Lambda:         "KERAS001",
	keras.MarshalledCode: "KERAS002",
	keras.UnknownModule:  "KERAS003",
	keras.UnknownClass:   "KERAS003",
	keras.Gadget:         "KERAS004",
	keras.UnsafeSwitch:   "KERAS005",
	keras.TorchWrapper:   "KERAS006",
	keras.VocabularyFile: "KERAS007",
}

func kerasFinding(fs *fileScan, is keras.Issue, where string, off int64, h5 bool) Finding {
	f := Finding{RuleID: kerasRules[is.Kind], Offset: off}
	var msg bytes.Buffer
	fmt.Fprintf(&msg, "%s", where)
	if is.Layer != "" {
		fmt.Fprintf(&msg, ", layer %q", is.Layer)
	}
	fmt.Fprintf(&msg, " at %s: %s", is.Path, is.Detail)
	switch is.Kind {
	case keras.UnknownClass:
		f.Severity = SeverityMedium
	case keras.UnknownModule:
		if d, ok := kerasDenied(fs.s.rules, is.Module, is.ClassName, is.Name); ok {
			f.Severity = max(d.Severity, severity("KERAS003"))
			fmt.Fprintf(&msg, " (%s %s)", d.Module, d.Why)
		}
	case keras.Lambda, keras.MarshalledCode:
		if h5 {
			msg.WriteString("; a Keras .h5 file runs it even with safe_mode=True (CVE-2025-9905)")
		}
	}
	if is.Module != "" || is.Name != "" {
		f.Callable = strings.Trim(is.Module+"."+firstNonEmpty(is.Name, is.ClassName), ".")
	}
	f.Message = msg.String()
	return f
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// kerasDenied looks a module reference up in the pickle denylist, which names
// the same dangerous modules (os, subprocess, builtins.eval, ...).
func kerasDenied(rs *Ruleset, module, cls, name string) (DenyEntry, bool) {
	if module == "" {
		return DenyEntry{}, false
	}
	n := firstNonEmpty(name, cls)
	for _, d := range rs.Pickle.Deny { // longest module first
		if module != d.Module && !strings.HasPrefix(module, d.Module+".") {
			continue
		}
		if len(d.Names) == 0 || d.Names[0] == "*" {
			return d, true
		}
		for _, x := range d.Names {
			if x == n {
				return d, true
			}
		}
	}
	return DenyEntry{}, false
}
