package savedmodel

import (
	"errors"
	"io"
	"strings"

	"github.com/mlsec/mlsec/formats/pbwalk"
)

// Detect tells which kind of TensorFlow protobuf the content is, by a trial
// parse of its top level to the end and of the messages that make the kind
// (a MetaGraphDef holding a GraphDef, NodeDefs with plausible names, Keras
// identifiers). Unknown fields and field order are ignored, as loaders
// ignore them, so a file cannot dodge detection by adding or moving some.
func Detect(r io.ReaderAt, size int64) Kind {
	if size < 2 {
		return KindUnknown
	}
	w := pbwalk.New(r, size, pbwalk.Limits{MaxDepth: 8, MaxFields: 1 << 20, MaxString: 4096})
	var metaGraphs, ones []pbwalk.Msg
	other1 := false
	err := w.Walk(w.Root(), func(f pbwalk.Field) error {
		switch {
		case f.Is(2, pbwalk.Bytes) && len(metaGraphs) < 4:
			metaGraphs = append(metaGraphs, f.Val)
		case f.Is(1, pbwalk.Bytes):
			if len(ones) < 16 {
				ones = append(ones, f.Val)
			}
		case f.Num == 1:
			other1 = true
		}
		return nil
	})
	limited := errors.As(err, new(*pbwalk.LimitError))
	if err != nil && !limited {
		return KindUnknown
	}
	if !limited && len(ones) == 0 && len(metaGraphs) > 0 && isMetaGraph(w, metaGraphs[0]) {
		return KindSavedModel
	}
	// A SavedModel's field 1 is a varint: a length-delimited field 1 makes
	// it a GraphDef (whose library, field 2, may look like a MetaGraphDef).
	if len(ones) == 0 || other1 {
		return KindUnknown
	}
	if isKerasObject(w, ones[0]) {
		return KindKerasMetadata
	}
	for _, n := range ones {
		if !isNodeDef(w, n) {
			return KindUnknown
		}
	}
	return KindGraphDef
}

// isMetaGraph: a MetaGraphDef whose graph_def (2) decodes.
func isMetaGraph(w *pbwalk.Walker, m pbwalk.Msg) bool {
	var graph *pbwalk.Msg
	if w.Walk(m, func(f pbwalk.Field) error {
		if f.Is(2, pbwalk.Bytes) && graph == nil {
			g := f.Val
			graph = &g
		}
		return nil
	}) != nil || graph == nil {
		return false
	}
	err := w.Walk(*graph, func(pbwalk.Field) error { return nil })
	return err == nil || errors.As(err, new(*pbwalk.LimitError))
}

// isKerasObject: a SavedObject whose identifier starts with "_tf_keras_".
func isKerasObject(w *pbwalk.Walker, m pbwalk.Msg) bool {
	var id string
	err := w.Walk(m, func(f pbwalk.Field) error {
		if f.Is(4, pbwalk.Bytes) && f.Val.Len <= 256 {
			id, _ = w.String(f.Val, 0)
		}
		return nil
	})
	return err == nil && strings.HasPrefix(id, "_tf_keras_")
}

// isNodeDef: a NodeDef with a TensorFlow node name and op name.
func isNodeDef(w *pbwalk.Walker, m pbwalk.Msg) bool {
	var name, op string
	err := w.Walk(m, func(f pbwalk.Field) error {
		var err error
		switch {
		case f.Is(1, pbwalk.Bytes):
			name, err = w.String(f.Val, 0)
		case f.Is(2, pbwalk.Bytes):
			op, err = w.String(f.Val, 0)
		}
		return err
	})
	return err == nil && validName(name, true) && validName(op, false)
}

// validName checks TensorFlow's node name ([A-Za-z0-9.][A-Za-z0-9_>./-]*)
// and op name ([A-Za-z_][A-Za-z0-9_>.-]*) syntax.
func validName(s string, node bool) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		switch {
		case alnum:
			if i == 0 && !node && c <= '9' {
				return false
			}
		case c == '.':
			if i == 0 && !node {
				return false
			}
		case c == '_' || c == '>' || c == '-' || (c == '/' && node):
			if i == 0 && (node || c != '_') {
				return false
			}
		default:
			return false
		}
	}
	return true
}
