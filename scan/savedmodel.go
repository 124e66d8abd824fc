package scan

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/mlsec/mlsec/formats/onnx"
	"github.com/mlsec/mlsec/formats/pbwalk"
	"github.com/mlsec/mlsec/formats/savedmodel"
)

// TensorFlow protobufs (saved_model.pb, frozen GraphDef .pb, Keras 2's
// keras_metadata.pb) have no magic: probers do a trial parse.
func init() {
	registerProber(FormatSavedModel, func(b *blob, _ []byte) bool {
		k := savedmodel.Detect(b.r, b.size)
		return k == savedmodel.KindSavedModel || k == savedmodel.KindKerasMetadata
	})
	registerProber(FormatGraphDef, func(b *blob, _ []byte) bool {
		return savedmodel.Detect(b.r, b.size) == savedmodel.KindGraphDef
	})
	registerHandler(FormatSavedModel, scanTF)
	registerHandler(FormatGraphDef, scanTF)
}

func scanTF(fs *fileScan, b *blob) error {
	ops := fs.s.rules.TF.Ops
	m, err := savedmodel.Parse(b.r, b.size, savedmodel.Options{
		Limits:      pbwalk.DefaultLimits(),
		Keep:        func(op string) bool { return ops[op] != "" },
		MaxMetadata: int(fs.s.opts.Limits.MaxJSONBytes),
	})
	if err != nil {
		return protobufError("tensorflow", err)
	}
	if m.Kind == savedmodel.KindKerasMetadata {
		return checkKerasMetadata(fs, b, m.Keras)
	}
	reportTFOps(fs, b, m)
	// A SavedModel can be an ONNX model too (each loader skips the other's
	// fields); scanONNX checks the other way when it came first.
	if b.format != FormatONNX && onnx.Probe(b.r, b.size) {
		fs.emitf(b, "ARC006", 0, "file is both a TensorFlow %s and an ONNX model: each loader sees different content", m.Kind)
		return scanONNX(fs, b)
	}
	return nil
}

// reportTFOps reports the flagged ops, one finding per op and function.
func reportTFOps(fs *fileScan, b *blob, m *savedmodel.Model) {
	ops := fs.s.rules.TF.Ops
	type group struct {
		rule  string
		nodes []savedmodel.Node
	}
	groups := map[string]*group{}
	var keys []string
	for _, n := range m.Nodes {
		rule := ops[n.Op]
		if rule == "TF004" && n.InSaver {
			continue // the SavedModel's own checkpoint ops; see rules.yaml
		}
		if n.Op == "PrintV2" && strings.HasPrefix(n.Attrs["output_stream"], "file://") {
			rule = "TF001"
		}
		k := fmt.Sprintf("%d\x00%s\x00%s\x00%s", n.MetaGraph, n.Function, n.Op, rule)
		g := groups[k]
		if g == nil {
			g = &group{rule: rule}
			groups[k] = g
			keys = append(keys, k)
		}
		g.nodes = append(g.nodes, n)
	}
	sort.Strings(keys)
	for _, k := range keys {
		g := groups[k]
		n := g.nodes[0]
		where := "the graph"
		if n.Function != "" {
			where = fmt.Sprintf("function %q", n.Function)
		}
		if m.MetaGraphs > 1 {
			where += fmt.Sprintf(" of meta graph %d", n.MetaGraph)
		}
		arg := tfArgument(n)
		msg := fmt.Sprintf("op %s in %s (node %q", n.Op, where, n.Name)
		if len(g.nodes) > 1 {
			msg += fmt.Sprintf(" and %d more", len(g.nodes)-1)
		}
		msg += ")"
		if arg != "" {
			msg += ": " + arg
		}
		fs.emit(b, Finding{RuleID: g.rule, Callable: n.Op, Argument: arg, Offset: n.Offset, Message: msg})
	}
}

// tfArgument picks the attribute that explains a node: a Python op's
// registered function token, a print's output stream, a called function.
func tfArgument(n savedmodel.Node) string {
	for _, k := range []string{"token", "output_stream", "func", "f"} {
		if v := n.Attrs[k]; v != "" {
			return k + "=" + v
		}
	}
	return ""
}

// checkKerasMetadata hands the Keras configs of a keras_metadata.pb to the
// Keras analyser. The root object's config holds every layer of a
// Functional or Sequential model; subclassed models have none, so then each
// object is checked on its own.
func checkKerasMetadata(fs *fileScan, b *blob, objs []savedmodel.KerasObject) error {
	docs := make([]any, len(objs))
	rootHasLayers := false
	for i, o := range objs {
		if strings.TrimSpace(o.Metadata) == "" {
			continue
		}
		dec := json.NewDecoder(strings.NewReader(o.Metadata))
		if err := dec.Decode(&docs[i]); err != nil {
			return fmt.Errorf("keras_metadata %s: invalid JSON: %w", o.NodePath, err)
		}
		if _, err := dec.Token(); err != io.EOF {
			return fmt.Errorf("keras_metadata %s: data after the JSON value", o.NodePath)
		}
		if o.NodePath == "root" {
			if d, ok := docs[i].(map[string]any); ok {
				if c, ok := d["config"].(map[string]any); ok && c["layers"] != nil {
					rootHasLayers = true
				}
			}
		}
	}
	for i, o := range objs {
		if docs[i] == nil || (rootHasLayers && o.NodePath != "root") {
			continue
		}
		checkKerasConfig(fs, b, docs[i])
	}
	return nil
}
