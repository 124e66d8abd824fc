package savedmodel

import (
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/mlsec/mlsec/formats/pbwalk"
)

// Kind is the kind of protobuf file.
type Kind int

// Kinds of files this package reads.
const (
	KindUnknown       Kind = iota
	KindSavedModel         // saved_model.pb: SavedModel
	KindGraphDef           // frozen graph .pb: GraphDef
	KindKerasMetadata      // keras_metadata.pb: SavedMetadata
)

func (k Kind) String() string {
	return [...]string{"unknown", "SavedModel", "GraphDef", "Keras SavedMetadata"}[k]
}

// A Node is one NodeDef selected by Options.Keep.
type Node struct {
	Name, Op  string
	Function  string // library function holding the node; "" for the graph itself
	MetaGraph int    // index of the MetaGraphDef; 0 for a GraphDef
	Offset    int64
	// Attrs holds the node's string attributes and function names, each
	// cut to 256 bytes, at most 32 of them.
	Attrs map[string]string
	// InSaver is true for nodes of the SavedModel's saver: in TF1 the name
	// scope of SaverDef.restore_op_name, in TF2 the functions the SaverDef
	// nodes call (__inference__traced_save_N, __inference__traced_restore_N)
	// and whatever those call.
	InSaver bool
}

// A KerasObject is one node of a keras_metadata.pb.
type KerasObject struct {
	NodePath, Identifier string
	Metadata             string // JSON
	Offset               int64
}

// Options control Parse.
type Options struct {
	Limits pbwalk.Limits
	// Keep selects the nodes returned in Model.Nodes by op; nil keeps none.
	Keep func(op string) bool
	// MaxMetadata bounds the Keras metadata JSON strings together (default 64 MiB).
	MaxMetadata int
}

// A Model is what Parse extracts.
type Model struct {
	Kind          Kind
	SchemaVersion int64
	MetaGraphs    int
	NodeCount     int // every NodeDef, in graphs and functions
	Functions     int
	Nodes         []Node // those Keep selected
	Keras         []KerasObject
}

const (
	maxAttrValue = 256
	maxAttrs     = 32
	maxKept      = 100_000 // flagged nodes returned; more is hostile
)

var tracedSaver = regexp.MustCompile(`^__inference__traced_(save|restore)_\d+$`)

// Parse detects the kind of file in the first size bytes of r and reads it.
func Parse(r io.ReaderAt, size int64, opts Options) (*Model, error) {
	k := Detect(r, size)
	if k == KindUnknown {
		return nil, fmt.Errorf("not a SavedModel, GraphDef or Keras metadata file: %w", pbwalk.ErrMalformed)
	}
	return ParseKind(r, size, k, opts)
}

// ParseKind reads the file as the given kind.
func ParseKind(r io.ReaderAt, size int64, k Kind, opts Options) (*Model, error) {
	if opts.MaxMetadata <= 0 {
		opts.MaxMetadata = 64 << 20
	}
	p := &parser{w: pbwalk.New(r, size, opts.Limits), opts: opts, m: &Model{Kind: k}}
	var err error
	switch k {
	case KindSavedModel:
		err = p.savedModel()
	case KindGraphDef:
		err = p.graphDef([]pbwalk.Msg{p.w.Root()}, 0, saver{})
	case KindKerasMetadata:
		err = p.kerasMetadata()
	default:
		err = fmt.Errorf("unknown kind %d", k)
	}
	if err != nil {
		return nil, err
	}
	return p.m, nil
}

type parser struct {
	w    *pbwalk.Walker
	opts Options
	m    *Model
}

// saver describes a MetaGraphDef's SaverDef.
type saver struct {
	nodes map[string]bool // node names it references
	scope string          // TF1 name scope, e.g. "save/"
}

// SavedModel: saved_model_schema_version 1, meta_graphs 2.
func (p *parser) savedModel() error {
	var mgs []pbwalk.Msg
	err := p.w.Walk(p.w.Root(), func(f pbwalk.Field) error {
		switch {
		case f.Is(1, pbwalk.Varint):
			p.m.SchemaVersion = int64(f.V)
		case f.Is(2, pbwalk.Bytes):
			mgs = append(mgs, f.Val)
		}
		return nil
	})
	if err != nil {
		return err
	}
	p.m.MetaGraphs = len(mgs)
	for i, mg := range mgs {
		if err := p.metaGraph(mg, i); err != nil {
			return err
		}
	}
	return nil
}

// MetaGraphDef: graph_def 2, saver_def 3. A repeated singular message is
// merged by protobuf parsers, so every occurrence is read.
func (p *parser) metaGraph(mg pbwalk.Msg, idx int) error {
	var graphs, savers []pbwalk.Msg
	err := p.w.Walk(mg, func(f pbwalk.Field) error {
		switch {
		case f.Is(2, pbwalk.Bytes):
			graphs = append(graphs, f.Val)
		case f.Is(3, pbwalk.Bytes):
			savers = append(savers, f.Val)
		}
		return nil
	})
	if err != nil {
		return err
	}
	sv := saver{nodes: map[string]bool{}}
	for _, s := range savers {
		// SaverDef: filename_tensor_name 1, save_tensor_name 2, restore_op_name 3.
		err := p.w.Walk(s, func(f pbwalk.Field) error {
			if f.Type != pbwalk.Bytes || f.Num < 1 || f.Num > 3 {
				return nil
			}
			name, err := p.w.String(f.Val, 0)
			if i := strings.LastIndexByte(name, ':'); i >= 0 {
				name = name[:i]
			}
			if name != "" {
				sv.nodes[name] = true
			}
			if f.Num == 3 {
				if i := strings.LastIndexByte(name, '/'); i > 0 {
					sv.scope = name[:i+1]
				} else {
					sv.scope = ""
				}
			}
			return err
		})
		if err != nil {
			return err
		}
	}
	return p.graphDef(graphs, idx, sv)
}

// node is what graphDef learns from one NodeDef.
type node struct {
	keep  int // index into p.m.Nodes, -1 when not kept
	name  string
	calls []string // function names in attributes, and the op itself
}

// graphState collects, for one GraphDef, what markSaver needs. It holds
// sets, not nodes, so a graph of millions of nodes costs little memory.
type graphState struct {
	funcs     []string
	calls     map[string]map[string]bool // function -> ops and functions it calls
	roots     []string                   // functions the SaverDef's nodes call
	keptFuncs map[int]string             // kept node index -> its function
}

// GraphDef: node 1, library 2 (FunctionDefLibrary: function 1).
func (p *parser) graphDef(graphs []pbwalk.Msg, mg int, sv saver) error {
	st := &graphState{calls: map[string]map[string]bool{}, keptFuncs: map[int]string{}}
	for _, g := range graphs {
		err := p.w.Walk(g, func(f pbwalk.Field) error {
			switch {
			case f.Is(1, pbwalk.Bytes):
				n, err := p.nodeDef(f.Val, f.Off, "", mg)
				if err != nil {
					return err
				}
				if sv.nodes[n.name] {
					st.roots = append(st.roots, n.calls...)
				}
				if n.keep >= 0 {
					p.m.Nodes[n.keep].InSaver = sv.nodes[n.name] || (sv.scope != "" && strings.HasPrefix(n.name, sv.scope))
				}
				return nil
			case f.Is(2, pbwalk.Bytes):
				return p.w.Walk(f.Val, func(l pbwalk.Field) error {
					if l.Is(1, pbwalk.Bytes) {
						return p.functionDef(l.Val, mg, st)
					}
					return nil
				})
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	p.m.Functions += len(st.funcs)
	p.markSaver(st)
	return nil
}

// markSaver sets InSaver on the kept function nodes that belong to the
// saver: functions reachable from the SaverDef's nodes, or named like
// TF2's traced save and restore functions.
func (p *parser) markSaver(st *graphState) {
	isFunc := map[string]bool{}
	roots := st.roots
	for _, f := range st.funcs {
		isFunc[f] = true
		if tracedSaver.MatchString(f) {
			roots = append(roots, f)
		}
	}
	inSaver := map[string]bool{}
	for len(roots) > 0 {
		f := roots[len(roots)-1]
		roots = roots[:len(roots)-1]
		if inSaver[f] || !isFunc[f] {
			continue
		}
		inSaver[f] = true
		for c := range st.calls[f] {
			roots = append(roots, c)
		}
	}
	for i, f := range st.keptFuncs {
		p.m.Nodes[i].InSaver = inSaver[f]
	}
}

// FunctionDef: signature 1 (OpDef: name 1), node_def 3.
func (p *parser) functionDef(fd pbwalk.Msg, mg int, st *graphState) error {
	var name string
	var nodeMsgs []pbwalk.Field
	err := p.w.Walk(fd, func(f pbwalk.Field) error {
		switch {
		case f.Is(1, pbwalk.Bytes):
			return p.w.Walk(f.Val, func(s pbwalk.Field) error {
				var err error
				if s.Is(1, pbwalk.Bytes) {
					name, err = p.w.String(s.Val, 0)
				}
				return err
			})
		case f.Is(3, pbwalk.Bytes):
			nodeMsgs = append(nodeMsgs, f)
		}
		return nil
	})
	if err != nil {
		return err
	}
	st.funcs = append(st.funcs, name)
	calls := st.calls[name]
	if calls == nil {
		calls = map[string]bool{}
		st.calls[name] = calls
	}
	for _, f := range nodeMsgs {
		n, err := p.nodeDef(f.Val, f.Off, name, mg)
		if err != nil {
			return err
		}
		for _, c := range n.calls {
			calls[c] = true
		}
		if n.keep >= 0 {
			st.keptFuncs[n.keep] = name
		}
	}
	return nil
}

// NodeDef: name 1, op 2, attr 5 (map<string, AttrValue>).
func (p *parser) nodeDef(nd pbwalk.Msg, off int64, fn string, mg int) (node, error) {
	n := node{keep: -1}
	var op string
	var attrs []pbwalk.Msg
	err := p.w.Walk(nd, func(f pbwalk.Field) error {
		var err error
		switch {
		case f.Is(1, pbwalk.Bytes):
			n.name, err = p.w.String(f.Val, 0)
		case f.Is(2, pbwalk.Bytes):
			op, err = p.w.String(f.Val, 0)
		case f.Is(5, pbwalk.Bytes):
			attrs = append(attrs, f.Val)
		}
		return err
	})
	if err != nil {
		return n, err
	}
	p.m.NodeCount++
	keep := p.opts.Keep != nil && p.opts.Keep(op)
	var kept map[string]string
	if keep {
		kept = map[string]string{}
	}
	n.calls = append(n.calls, op)
	for _, a := range attrs {
		if err := p.attr(a, kept, &n.calls); err != nil {
			return n, err
		}
	}
	if keep {
		if len(p.m.Nodes) >= maxKept {
			return n, &pbwalk.LimitError{Limit: fmt.Sprintf("more than %d flagged nodes", maxKept), Off: off}
		}
		n.keep = len(p.m.Nodes)
		p.m.Nodes = append(p.m.Nodes, Node{Name: n.name, Op: op, Function: fn, MetaGraph: mg, Offset: off, Attrs: kept})
	}
	return n, nil
}

// attr reads one map entry (key 1, value 2 AttrValue). AttrValue: list 1
// (ListValue: func 9), s 2, func 10 (NameAttrList: name 1).
func (p *parser) attr(e pbwalk.Msg, kept map[string]string, calls *[]string) error {
	var key, val string
	var hasVal bool
	err := p.w.Walk(e, func(f pbwalk.Field) error {
		var err error
		switch {
		case f.Is(1, pbwalk.Bytes):
			key, err = p.w.String(f.Val, 0)
		case f.Is(2, pbwalk.Bytes):
			err = p.w.Walk(f.Val, func(v pbwalk.Field) error {
				switch {
				case v.Is(2, pbwalk.Bytes):
					if kept != nil {
						s, err := p.prefix(v.Val)
						val, hasVal = s, true
						return err
					}
				case v.Is(10, pbwalk.Bytes):
					name, err := p.funcName(v.Val)
					*calls = append(*calls, name)
					val, hasVal = name, true
					return err
				case v.Is(1, pbwalk.Bytes):
					return p.w.Walk(v.Val, func(l pbwalk.Field) error {
						if l.Is(9, pbwalk.Bytes) {
							name, err := p.funcName(l.Val)
							*calls = append(*calls, name)
							return err
						}
						return nil
					})
				}
				return nil
			})
		}
		return err
	})
	if err == nil && kept != nil && hasVal && len(kept) < maxAttrs {
		kept[key] = val
	}
	return err
}

func (p *parser) funcName(m pbwalk.Msg) (string, error) {
	var name string
	err := p.w.Walk(m, func(f pbwalk.Field) error {
		var err error
		if f.Is(1, pbwalk.Bytes) {
			name, err = p.w.String(f.Val, 0)
		}
		return err
	})
	return name, err
}

// prefix reads at most maxAttrValue bytes of a string.
func (p *parser) prefix(m pbwalk.Msg) (string, error) {
	if m.Len > maxAttrValue {
		m.Len = maxAttrValue
	}
	return p.w.String(m, 0)
}

// SavedMetadata: nodes 1 (SavedObject: node_path 3, identifier 4, metadata 5).
func (p *parser) kerasMetadata() error {
	var total int64
	return p.w.Walk(p.w.Root(), func(f pbwalk.Field) error {
		if !f.Is(1, pbwalk.Bytes) {
			return nil
		}
		o := KerasObject{Offset: f.Off}
		err := p.w.Walk(f.Val, func(g pbwalk.Field) error {
			var err error
			switch {
			case g.Is(3, pbwalk.Bytes):
				o.NodePath, err = p.w.String(g.Val, 0)
			case g.Is(4, pbwalk.Bytes):
				o.Identifier, err = p.w.String(g.Val, 0)
			case g.Is(5, pbwalk.Bytes):
				if total += g.Val.Len; total > int64(p.opts.MaxMetadata) {
					return &pbwalk.LimitError{Limit: fmt.Sprintf("Keras metadata over %d bytes", p.opts.MaxMetadata), Off: g.Off}
				}
				o.Metadata, err = p.w.String(g.Val, p.opts.MaxMetadata)
			}
			return err
		})
		p.m.Keras = append(p.m.Keras, o)
		return err
	})
}
