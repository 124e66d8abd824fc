package onnx

import (
	"fmt"
	"io"
	"sort"

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

// A Model is what Parse extracts.
type Model struct {
	IRVersion int64
	Producer  string
	Opsets    []Opset
	Ops       []OpUse // sorted by domain then op type
	External  []ExternalData
	Functions []Function
}

// Parse reads the model in the first size bytes of r. It returns an error
// for anything it cannot parse completely; a *pbwalk.LimitError when a
// bound stopped it.
func Parse(r io.ReaderAt, size int64, lim pbwalk.Limits) (*Model, error) {
	p := &parser{w: pbwalk.New(r, size, lim), m: &Model{}, ops: map[[2]string]*OpUse{}}
	var haveIR, haveGraph bool
	err := p.w.Walk(p.w.Root(), func(f pbwalk.Field) error {
		switch {
		case f.Is(1, pbwalk.Varint):
			p.m.IRVersion, haveIR = int64(f.V), true
		case f.Is(2, pbwalk.Bytes):
			s, err := p.w.String(f.Val, 0)
			p.m.Producer = s
			return err
		case f.Is(7, pbwalk.Bytes):
			haveGraph = true
			return p.graph(f.Val, "graph")
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
}

// GraphProto: node 1, initializer 5, sparse_initializer 15.
func (p *parser) graph(g pbwalk.Msg, where string) error {
	return p.w.Walk(g, func(f pbwalk.Field) error {
		switch {
		case f.Is(1, pbwalk.Bytes):
			return p.node(f.Val, f.Off, where)
		case f.Is(5, pbwalk.Bytes):
			return p.tensor(f.Val, f.Off, where)
		case f.Is(15, pbwalk.Bytes):
			return p.sparse(f.Val, where)
		}
		return nil
	})
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
