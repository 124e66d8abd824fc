package onnx

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/mlsec/mlsec/formats/pbwalk"
)

// DataLocationExternal is TensorProto.DataLocation EXTERNAL.
const DataLocationExternal = 1

// maxEntries bounds the distinct operators and the external tensors kept,
// so memory stays small whatever the field count.
const maxEntries = 100_000

// An ExternalData is a tensor that names a file for its data.
type ExternalData struct {
	Tensor   string // tensor name
	Location string // the "location" value of its external_data
	// External is true when data_location is EXTERNAL, i.e. loaders read
	// the file. A location without it is ignored by onnx and onnxruntime.
	External bool
	Where    string // e.g. "graph", "graph/node If_0/then_branch", "function local.f"
	Offset   int64  // of the TensorProto
}

// An OpUse counts the nodes of one operator.
type OpUse struct {
	Domain, OpType string
	Count          int
	FirstNode      string // name of the first node, if any
	Where          string // where the first node is
	Offset         int64  // of the first node
}

// An Opset is one opset_import entry.
type Opset struct {
	Domain  string
	Version int64
	Where   string // "model" or "function <domain>.<name>"
	Offset  int64
}

// A Function is a model-local function; nodes calling it do not need an
// operator library.
type Function struct {
	Domain, Name string
	Offset       int64
}

// A ValueInfo is one declared input or output of the main graph: its
// name and, for tensors, element type and shape (dimension values or
// symbolic names), e.g. "input_ids" int64 [batch, sequence].
type ValueInfo struct {
	Name string
	// Type is the element type of a tensor ("float32", "int64", ...), or
	// the kind of a non-tensor type ("sequence", "map", "optional",
	// "sparse_tensor"); "" when the graph does not say.
	Type string
	// Shape has one entry per dimension: its value, its symbolic name, or
	// "?" when unknown. Nil when the graph declares no shape.
	Shape []string
}

// String renders the value as "name: type[d0,d1]".
func (v ValueInfo) String() string {
	s := v.Name
	if v.Type != "" {
		s += ": " + v.Type
	}
	if v.Shape != nil {
		s += "[" + strings.Join(v.Shape, ",") + "]"
	}
	return s
}

// A Prop is a metadata_props entry of the model.
type Prop struct{ Key, Value string }

// A Model is what Parse extracts.
type Model struct {
	IRVersion       int64
	Producer        string
	ProducerVersion string
	Opsets          []Opset
	Ops             []OpUse // sorted by domain then op type
	External        []ExternalData
	Functions       []Function
	// Inputs and Outputs are what the main graph declares (what the BOM
	// reports as the model's inputs and outputs). Inputs that name an
	// initializer (weights listed as inputs by IR < 4 exporters) are left
	// out.
	Inputs, Outputs []ValueInfo
	// Metadata are the model's metadata_props, in file order.
	Metadata []Prop
}

// Parse reads the model in the first size bytes of r. It returns an error
// for anything it cannot parse completely; a *pbwalk.LimitError when a
// bound stopped it.
func Parse(r io.ReaderAt, size int64, lim pbwalk.Limits) (*Model, error) {
	p := &parser{w: pbwalk.New(r, size, lim), m: &Model{}, ops: map[[2]string]*OpUse{}, initializers: map[string]bool{}}
	var haveIR, haveGraph bool
	err := p.w.Walk(p.w.Root(), func(f pbwalk.Field) error {
		switch {
		case f.Is(1, pbwalk.Varint):
			p.m.IRVersion, haveIR = int64(f.V), true
		case f.Is(2, pbwalk.Bytes):
			s, err := p.w.String(f.Val, 0)
			p.m.Producer = s
			return err
		case f.Is(3, pbwalk.Bytes):
			s, err := p.w.String(f.Val, 0)
			p.m.ProducerVersion = s
			return err
		case f.Is(14, pbwalk.Bytes):
			return p.metadataProp(f.Val, f.Off)
		case f.Is(7, pbwalk.Bytes):
			haveGraph = true
			return p.graph(f.Val, mainGraph)
		case f.Is(8, pbwalk.Bytes):
			return p.opset(f.Val, "model")
		case f.Is(20, pbwalk.Bytes): // training_info
			return p.w.Walk(f.Val, func(g pbwalk.Field) error {
				switch {
				case g.Is(1, pbwalk.Bytes):
					return p.graph(g.Val, "training_info/initialization")
				case g.Is(2, pbwalk.Bytes):
					return p.graph(g.Val, "training_info/algorithm")
				}
				return nil
			})
		case f.Is(25, pbwalk.Bytes):
			return p.function(f.Val)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !haveIR || !haveGraph {
		return nil, fmt.Errorf("not an ONNX model: no ir_version or graph: %w", pbwalk.ErrMalformed)
	}
	for _, u := range p.ops {
		p.m.Ops = append(p.m.Ops, *u)
	}
	for _, in := range p.inputs {
		if !p.initializers[in.Name] {
			p.m.Inputs = append(p.m.Inputs, in)
		}
	}
	sort.Slice(p.m.Ops, func(i, j int) bool {
		a, b := p.m.Ops[i], p.m.Ops[j]
		if a.Domain != b.Domain {
			return a.Domain < b.Domain
		}
		return a.OpType < b.OpType
	})
	return p.m, nil
}

type parser struct {
	w   *pbwalk.Walker
	m   *Model
	ops map[[2]string]*OpUse
	// inputs of the main graph, before initializers are left out, and the
	// main graph's initializer names.
	inputs       []ValueInfo
	initializers map[string]bool
}

// mainGraph is the where label of the model's graph.
const mainGraph = "graph"

// GraphProto: node 1, initializer 5, input 11, output 12,
// sparse_initializer 15.
func (p *parser) graph(g pbwalk.Msg, where string) error {
	return p.w.Walk(g, func(f pbwalk.Field) error {
		switch {
		case f.Is(1, pbwalk.Bytes):
			return p.node(f.Val, f.Off, where)
		case f.Is(5, pbwalk.Bytes):
			return p.tensor(f.Val, f.Off, where)
		case f.Is(15, pbwalk.Bytes):
			return p.sparse(f.Val, where)
		case where == mainGraph && (f.Is(11, pbwalk.Bytes) || f.Is(12, pbwalk.Bytes)):
			if len(p.inputs)+len(p.m.Outputs) >= maxEntries {
				return &pbwalk.LimitError{Limit: fmt.Sprintf("more than %d graph inputs and outputs", maxEntries), Off: f.Off}
			}
			v, err := p.valueInfo(f.Val)
			if f.Num == 11 {
				p.inputs = append(p.inputs, v)
			} else {
				p.m.Outputs = append(p.m.Outputs, v)
			}
			return err
		}
		return nil
	})
}

// elemTypes names TensorProto.DataType values.
var elemTypes = map[uint64]string{
	1: "float32", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16", 6: "int32", 7: "int64", 8: "string",
	9: "bool", 10: "float16", 11: "float64", 12: "uint32", 13: "uint64", 14: "complex64", 15: "complex128",
	16: "bfloat16", 17: "float8e4m3fn", 18: "float8e4m3fnuz", 19: "float8e5m2", 20: "float8e5m2fnuz",
	21: "uint4", 22: "int4", 23: "float4e2m1",
}

// ValueInfoProto: name 1, type 2. TypeProto: tensor_type 1 (elem_type 1,
// shape 2), sequence_type 4, map_type 5, sparse_tensor_type 8,
// optional_type 9. TensorShapeProto: dim 1 (dim_value 1, dim_param 2).
func (p *parser) valueInfo(m pbwalk.Msg) (ValueInfo, error) {
	var v ValueInfo
	err := p.w.Walk(m, func(f pbwalk.Field) error {
		switch {
		case f.Is(1, pbwalk.Bytes):
			s, err := p.w.String(f.Val, 0)
			v.Name = s
			return err
		case f.Is(2, pbwalk.Bytes):
			return p.w.Walk(f.Val, func(t pbwalk.Field) error {
				switch {
				case t.Is(1, pbwalk.Bytes):
					return p.tensorType(t.Val, &v)
				case t.Is(4, pbwalk.Bytes):
					v.Type = "sequence"
				case t.Is(5, pbwalk.Bytes):
					v.Type = "map"
				case t.Is(8, pbwalk.Bytes):
					v.Type = "sparse_tensor"
				case t.Is(9, pbwalk.Bytes):
					v.Type = "optional"
				}
				return nil
			})
		}
		return nil
	})
	return v, err
}

// maxDims bounds the dimensions kept per value (ONNX tensors have a few).
const maxDims = 64

func (p *parser) tensorType(m pbwalk.Msg, v *ValueInfo) error {
	return p.w.Walk(m, func(f pbwalk.Field) error {
		switch {
		case f.Is(1, pbwalk.Varint):
			if n, ok := elemTypes[f.V]; ok {
				v.Type = n
			} else {
				v.Type = fmt.Sprintf("type%d", f.V)
			}
		case f.Is(2, pbwalk.Bytes):
			v.Shape = []string{}
			return p.w.Walk(f.Val, func(d pbwalk.Field) error {
				if !d.Is(1, pbwalk.Bytes) {
					return nil
				}
				if len(v.Shape) >= maxDims {
					return &pbwalk.LimitError{Limit: fmt.Sprintf("more than %d dimensions", maxDims), Off: d.Off}
				}
				dim := "?"
				err := p.w.Walk(d.Val, func(x pbwalk.Field) error {
					switch {
					case x.Is(1, pbwalk.Varint):
						dim = strconv.FormatInt(int64(x.V), 10)
					case x.Is(2, pbwalk.Bytes):
						s, err := p.w.String(x.Val, 0)
						if s != "" {
							dim = s
						}
						return err
					}
					return nil
				})
				v.Shape = append(v.Shape, dim)
				return err
			})
		}
		return nil
	})
}

// maxProps bounds the metadata_props kept.
const maxProps = 1000

// StringStringEntryProto: key 1, value 2.
func (p *parser) metadataProp(m pbwalk.Msg, off int64) error {
	if len(p.m.Metadata) >= maxProps {
		return &pbwalk.LimitError{Limit: fmt.Sprintf("more than %d metadata_props", maxProps), Off: off}
	}
	var kv Prop
	err := p.w.Walk(m, func(f pbwalk.Field) error {
		var err error
		switch {
		case f.Is(1, pbwalk.Bytes):
			kv.Key, err = p.w.String(f.Val, 0)
		case f.Is(2, pbwalk.Bytes):
			kv.Value, err = p.w.String(f.Val, 0)
		}
		return err
	})
	p.m.Metadata = append(p.m.Metadata, kv)
	return err
}

// NodeProto: name 3, op_type 4, attribute 5, domain 7. Attributes are
// walked after the node's names are known, so subgraphs are labelled.
func (p *parser) node(n pbwalk.Msg, off int64, where string) error {
	var name, opType, domain string
	var attrs []pbwalk.Msg
	err := p.w.Walk(n, func(f pbwalk.Field) error {
		var err error
		switch {
		case f.Is(3, pbwalk.Bytes):
			name, err = p.w.String(f.Val, 0)
		case f.Is(4, pbwalk.Bytes):
			opType, err = p.w.String(f.Val, 0)
		case f.Is(7, pbwalk.Bytes):
			domain, err = p.w.String(f.Val, 0)
		case f.Is(5, pbwalk.Bytes):
			attrs = append(attrs, f.Val)
		}
		return err
	})
	if err != nil {
		return err
	}
	k := [2]string{domain, opType}
	if u := p.ops[k]; u != nil {
		u.Count++
	} else {
		if len(p.ops) >= maxEntries {
			return &pbwalk.LimitError{Limit: fmt.Sprintf("more than %d distinct operators", maxEntries), Off: off}
		}
		p.ops[k] = &OpUse{Domain: domain, OpType: opType, Count: 1, FirstNode: name, Where: where, Offset: off}
	}
	label := name
	if label == "" {
		label = opType
	}
	for _, a := range attrs {
		if err := p.attribute(a, where+"/node "+label); err != nil {
			return err
		}
	}
	return nil
}

// AttributeProto: name 1, t 5, g 6, tensors 10, graphs 11, sparse_tensor
// 22, sparse_tensors 23.
func (p *parser) attribute(a pbwalk.Msg, where string) error {
	var name string
	type sub struct {
		kind int // 0 tensor, 1 graph, 2 sparse
		m    pbwalk.Msg
		off  int64
	}
	var subs []sub
	err := p.w.Walk(a, func(f pbwalk.Field) error {
		var err error
		switch {
		case f.Is(1, pbwalk.Bytes):
			name, err = p.w.String(f.Val, 0)
		case f.Is(5, pbwalk.Bytes), f.Is(10, pbwalk.Bytes):
			subs = append(subs, sub{0, f.Val, f.Off})
		case f.Is(6, pbwalk.Bytes), f.Is(11, pbwalk.Bytes):
			subs = append(subs, sub{1, f.Val, f.Off})
		case f.Is(22, pbwalk.Bytes), f.Is(23, pbwalk.Bytes):
			subs = append(subs, sub{2, f.Val, f.Off})
		}
		return err
	})
	if err != nil {
		return err
	}
	here := where + "/" + name
	for _, s := range subs {
		switch s.kind {
		case 0:
			err = p.tensor(s.m, s.off, here)
		case 1:
			err = p.graph(s.m, here)
		default:
			err = p.sparse(s.m, here)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// SparseTensorProto: values 1, indices 2 (both TensorProto).
func (p *parser) sparse(s pbwalk.Msg, where string) error {
	return p.w.Walk(s, func(f pbwalk.Field) error {
		if f.Is(1, pbwalk.Bytes) || f.Is(2, pbwalk.Bytes) {
			return p.tensor(f.Val, f.Off, where)
		}
		return nil
	})
}

// TensorProto: name 8, external_data 13 (StringStringEntryProto key 1,
// value 2), data_location 14. raw_data and the typed arrays are skipped
// unread. Every value of a "location" key is kept, not only the last one a
// loader would use, so duplicates cannot hide a path.
func (p *parser) tensor(t pbwalk.Msg, off int64, where string) error {
	var name string
	var external bool
	var locs []string
	err := p.w.Walk(t, func(f pbwalk.Field) error {
		var err error
		switch {
		case f.Is(8, pbwalk.Bytes):
			name, err = p.w.String(f.Val, 0)
		case f.Is(14, pbwalk.Varint):
			external = f.V == DataLocationExternal
		case f.Is(13, pbwalk.Bytes):
			var isLoc bool
			var vals []string
			err = p.w.Walk(f.Val, func(e pbwalk.Field) error {
				switch {
				case e.Is(1, pbwalk.Bytes):
					k, err := p.w.String(e.Val, 0)
					if k == "location" {
						isLoc = true
					}
					return err
				case e.Is(2, pbwalk.Bytes):
					v, err := p.w.String(e.Val, 0)
					vals = append(vals, v)
					return err
				}
				return nil
			})
			if isLoc {
				locs = append(locs, vals...)
			}
		}
		return err
	})
	if err != nil {
		return err
	}
	if where == mainGraph && name != "" {
		if len(p.initializers) >= maxEntries {
			return &pbwalk.LimitError{Limit: fmt.Sprintf("more than %d initializers", maxEntries), Off: off}
		}
		p.initializers[name] = true
	}
	if len(p.m.External)+len(locs) > maxEntries {
		return &pbwalk.LimitError{Limit: fmt.Sprintf("more than %d external tensors", maxEntries), Off: off}
	}
	for _, l := range locs {
		p.m.External = append(p.m.External, ExternalData{Tensor: name, Location: l, External: external, Where: where, Offset: off})
	}
	return nil
}

// OperatorSetIdProto: domain 1, version 2.
func (p *parser) opset(o pbwalk.Msg, where string) error {
	op := Opset{Where: where, Offset: o.Off}
	err := p.w.Walk(o, func(f pbwalk.Field) error {
		var err error
		switch {
		case f.Is(1, pbwalk.Bytes):
			op.Domain, err = p.w.String(f.Val, 0)
		case f.Is(2, pbwalk.Varint):
			op.Version = int64(f.V)
		}
		return err
	})
	if len(p.m.Opsets) >= maxEntries {
		return &pbwalk.LimitError{Limit: fmt.Sprintf("more than %d opset imports", maxEntries), Off: o.Off}
	}
	p.m.Opsets = append(p.m.Opsets, op)
	return err
}

// FunctionProto: name 1, attribute_proto 11 (defaults), node 7,
// opset_import 9, domain 10.
func (p *parser) function(fn pbwalk.Msg) error {
	fd := Function{Offset: fn.Off}
	var nodes, attrs, opsets []pbwalk.Field
	err := p.w.Walk(fn, func(f pbwalk.Field) error {
		var err error
		switch {
		case f.Is(1, pbwalk.Bytes):
			fd.Name, err = p.w.String(f.Val, 0)
		case f.Is(10, pbwalk.Bytes):
			fd.Domain, err = p.w.String(f.Val, 0)
		case f.Is(7, pbwalk.Bytes):
			nodes = append(nodes, f)
		case f.Is(11, pbwalk.Bytes):
			attrs = append(attrs, f)
		case f.Is(9, pbwalk.Bytes):
			opsets = append(opsets, f)
		}
		return err
	})
	if err != nil {
		return err
	}
	p.m.Functions = append(p.m.Functions, fd)
	where := "function " + fd.Domain + "." + fd.Name
	for _, f := range nodes {
		if err := p.node(f.Val, f.Off, where); err != nil {
			return err
		}
	}
	for _, f := range attrs {
		if err := p.attribute(f.Val, where+"/default"); err != nil {
			return err
		}
	}
	for _, f := range opsets {
		if err := p.opset(f.Val, where); err != nil {
			return err
		}
	}
	return nil
}
