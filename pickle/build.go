package pickle

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
)

// build executes BUILD: setstate on an object, or setattr on a global.
func (m *machine) build(start int64) error {
	state, err := m.pop()
	if err != nil {
		return err
	}
	inst, err := m.top()
	if err != nil {
		return err
	}
	if inst.lost() {
		// BUILD on a global or object the memo did not retain: it could
		// plant attributes we cannot name.
		m.issue(IssueUnresolved, start, nil, "BUILD on a memo entry beyond the %d retained values; its target is unknown", preciseMemo)
		return nil
	}
	switch inst.Kind {
	case KindGlobal:
		// BUILD on a class or function sets attributes on a module-level
		// object: later imports of module.name.attr get what was planted.
		g := inst.Global()
		kv := stateItems(state)
		var keys []string
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i].Kind == KindStr {
				if m.planted == nil {
					m.planted = map[string]Value{}
				}
				if len(m.planted) < 10000 {
					m.planted[g.String()+"."+kv[i].Str] = kv[i+1]
				}
				keys = append(keys, kv[i].Str)
			}
		}
		m.issue(IssuePlanted, start, g, "BUILD sets attributes %v on %s", keys, g)
		m.call(CallBuild, start, *inst, []Value{state})
	case KindObject:
		kept, d := m.nest([]Value{state}, 1)
		inst.ref.state = &kept[0]
		inst.depth = max(inst.depth, d)
		cls := inst.Class()
		if cls == nil {
			return nil
		}
		if isPartial(cls) {
			m.setPartialState(inst.ref, state, start)
		}
		m.call(CallBuild, start, m.classValue(cls), []Value{state})
		switch {
		case cls.Module == "joblib.numpy_pickle" && cls.Name == "NumpyArrayWrapper":
			m.st.Joblib = true
			return m.joblibArray(start, inst)
		case strings.HasPrefix(cls.Module, "joblib.numpy_pickle") && (cls.Name == "NDArrayWrapper" || cls.Name == "ZNDArrayWrapper"):
			m.st.Joblib = true // joblib < 0.10: the array is in a separate file
		}
	}
	return nil
}

func (m *machine) classValue(g *Global) Value {
	if g.obj == nil {
		g.obj = &object{global: g}
	}
	return Value{Kind: KindGlobal, ref: g.obj}
}

// joblibArray skips the array bytes joblib's NumpyUnpickler reads from the
// file right after a NumpyArrayWrapper's BUILD (joblib/numpy_pickle.py
// read_array): an optional padding-length byte and padding, then
// prod(shape) * itemsize bytes; an object array is a protocol-2 pickle.
func (m *machine) joblibArray(start int64, w *Value) error {
	pos := m.rd.pos()
	if m.frameEnd >= 0 && pos < m.frameEnd {
		// joblib commits the frame before writing the array; data inside
		// a frame is read by the loader from beyond it.
		m.issue(IssueFrame, start, nil, "joblib array data at offset %d starts inside a frame ending at %d", pos, m.frameEnd)
	}
	m.frameEnd = -1 // the array bytes are outside any frame
	shape, _ := w.Lookup("shape")
	dtype, _ := w.Lookup("dtype")
	itemsize, object, err := dtypeSize(dtype)
	if err != nil {
		return &SyntaxError{Offset: start, Op: 'b', Msg: "joblib array: " + err.Error()}
	}
	if object {
		if m.depth+1 > m.o.MaxNesting {
			return &LimitError{Limit: "pickle nesting", Offset: pos}
		}
		sub := &machine{rd: m.rd, o: m.o, st: m.st, memo: newMemo(m.o.MaxMemo), frameEnd: -1, planted: m.planted, depth: m.depth + 1, start: pos}
		if err := sub.run(); err != nil {
			return err
		}
		m.planted = sub.planted
		*w = Value{Kind: KindObject}
		return nil
	}
	count := uint64(1)
	if shape.Kind != KindTuple || int64(len(shape.Items())) != shape.Len {
		return &SyntaxError{Offset: start, Op: 'b', Msg: "joblib array: shape is not a tuple of integers"}
	}
	for _, d := range shape.Items() {
		if d.Kind != KindInt || d.Big || d.Int < 0 {
			return &SyntaxError{Offset: start, Op: 'b', Msg: "joblib array: shape is not a tuple of integers"}
		}
		hi, lo := bits.Mul64(count, uint64(d.Int))
		if hi != 0 || lo > 1<<62 {
			return &SyntaxError{Offset: start, Op: 'b', Msg: "joblib array: size overflows"}
		}
		count = lo
	}
	hi, size := bits.Mul64(count, uint64(itemsize))
	if hi != 0 || size > 1<<62 {
		return &SyntaxError{Offset: start, Op: 'b', Msg: "joblib array: size overflows"}
	}
	if al, ok := w.Lookup("numpy_array_alignment_bytes"); ok && al.Kind != KindNone {
		c, err := m.rd.readByte()
		if err != nil {
			return &SyntaxError{Offset: pos, Op: 'b', Msg: "joblib array: data ends before the padding byte", Truncated: true}
		}
		if err := m.rd.skip(int64(c)); err != nil {
			return &SyntaxError{Offset: pos, Op: 'b', Msg: "joblib array: data ends inside the padding", Truncated: true}
		}
	}
	if err := m.rd.skip(int64(size)); err != nil {
		return &SyntaxError{Offset: pos, Op: 'b', Msg: fmt.Sprintf("joblib array: data ends inside the %d array bytes", size), Truncated: true}
	}
	*w = Value{Kind: KindObject}
	return nil
}

// dtypeSize reads the item size of a numpy.dtype(...) value: the type
// string of its constructor call, or the elsize field of its BUILD state
// (ver, byteorder, subarray, names, fields, elsize, alignment, flags).
func dtypeSize(d Value) (size int64, object bool, err error) {
	c := d.Call()
	if c == nil || c.Callable == nil || c.Callable.Name != "dtype" || len(c.Args) == 0 || c.Args[0].Kind != KindStr {
		return 0, false, fmt.Errorf("dtype is not a numpy.dtype constructor")
	}
	ts := strings.TrimLeft(c.Args[0].Str, "<>|=")
	st := d.State()
	if st.Kind == KindTuple {
		it := st.Items()
		if len(it) >= 8 && it[7].Kind == KindInt && it[7].Int&1 != 0 {
			object = true // NPY_ITEM_HASOBJECT
		}
		if len(it) >= 6 && it[5].Kind == KindInt && it[5].Int > 0 {
			size = it[5].Int
		}
	}
	if ts != "" && ts[0] == 'O' {
		object = true
	}
	if object || size > 0 {
		return size, object, nil
	}
	i := strings.IndexFunc(ts, func(r rune) bool { return r >= '0' && r <= '9' })
	if i < 0 {
		return 0, false, fmt.Errorf("dtype %q has no item size", c.Args[0].Str)
	}
	n, err := strconv.ParseInt(strings.TrimRight(ts[i:], "[]abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"), 10, 64)
	if err != nil || n <= 0 || n > 1<<30 {
		return 0, false, fmt.Errorf("dtype %q has no item size", c.Args[0].Str)
	}
	if ts[0] == 'U' {
		n *= 4
	}
	return n, false, nil
}

// storageSizes are element sizes of legacy torch storage types.
var storageSizes = map[string]int64{
	"FloatStorage": 4, "DoubleStorage": 8, "HalfStorage": 2, "BFloat16Storage": 2,
	"LongStorage": 8, "IntStorage": 4, "ShortStorage": 2, "CharStorage": 1, "ByteStorage": 1,
	"BoolStorage": 1, "ComplexFloatStorage": 8, "ComplexDoubleStorage": 16, "QUInt8Storage": 1,
	"QInt8Storage": 1, "QInt32Storage": 4, "QUInt4x2Storage": 1, "QUInt2x4Storage": 1, "UntypedStorage": 1,
}

// storage records the raw size of a legacy torch storage from its
// persistent id ('storage', type, key, location, numel, view).
func (m *machine) storage(pid Value) {
	it := pid.Items()
	if pid.Kind != KindTuple || len(it) < 5 || it[0].Kind != KindStr || it[0].Str != "storage" || it[2].Kind != KindStr || it[4].Kind != KindInt {
		return
	}
	g := it[1].Global()
	if g == nil {
		return
	}
	es, ok := storageSizes[g.Name]
	if !ok || it[4].Big || it[4].Int < 0 || it[4].Int > 1<<50 {
		return
	}
	if m.st.Storages == nil {
		m.st.Storages = map[string]int64{}
	}
	if len(m.st.Storages) < 1_000_000 {
		m.st.Storages[it[2].Str] = 8 + it[4].Int*es
	}
}

// torchModuleClass returns cls of a legacy torch ('module', cls, ...)
// persistent id.
func torchModuleClass(pid Value) *Global {
	it := pid.Items()
	if pid.Kind != KindTuple || len(it) < 2 || it[0].Kind != KindStr || it[0].Str != "module" {
		return nil
	}
	return it[1].Global()
}
