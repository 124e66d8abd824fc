package pickle

import "strings"

// What the loader does with a callable decides how dangerous it is, so the
// machine records each invocation with its kind (see Call.Rebuilds), and
// follows the helpers that invoke their own arguments: a global passed to
// copyreg._reconstructor or torch._tensor._rebuild_from_type_v2 runs even
// though no opcode of the stream calls it directly.

// keepDepth is the nesting kept inside stored values: deeper containers
// and call results keep their kind, length and depth only, so a
// million-deep list costs memory for the stack only. The analysis reads
// call arguments, dtype states and wrapper dicts, all a few levels deep.
const keepDepth = 32

// MaxNesting is the container and object nesting CPython's pickler can
// write with its default recursion limit (1000): pickle.dumps recurses
// once per level. A deeper stream was crafted by hand, and code that walks
// the loaded object (repr, copy, a second pickle.dumps) dies of
// RecursionError. Deeper nesting is reported (IssueNesting).
const MaxNesting = 1000

// depthOf is a value's nesting depth: 0 for scalars and globals.
func depthOf(v Value) int32 {
	if v.depth > 0 {
		return v.depth
	}
	switch v.Kind {
	case KindTuple, KindList, KindDict, KindSet, KindObject:
		return 1
	}
	return 0
}

// nest copies the first n items for storage inside a new container, call
// or state, dropping what values nested deeper than keepDepth hold (their
// kind, length and depth stay), and returns the depth of a value holding
// all the items.
func (m *machine) nest(items []Value, n int) ([]Value, int32) {
	d := int32(0)
	for i := range items {
		d = max(d, depthOf(items[i]))
	}
	d++
	if d > MaxNesting && !m.st.deep {
		m.st.deep = true
		m.issue(IssueNesting, m.rd.pos(), nil, "containers or objects nest %d levels deep, deeper than pickle.dumps can write with the default recursion limit (%d): a hand-made stream; code walking the loaded object fails with RecursionError", d, MaxNesting)
	}
	if n <= 0 {
		return nil, d
	}
	kept := append([]Value(nil), items[:n]...)
	for i := range kept {
		if kept[i].depth >= keepDepth && !kept[i].lost() {
			kept[i].ref = nil
		}
	}
	return kept, d
}

// call records an invocation and returns the value it produces.
func (m *machine) call(kind CallKind, off int64, callee Value, args []Value) Value {
	c := &Call{Kind: kind, Offset: off, Target: callee}
	c.Callable = callee.Global()
	kept, d := m.nest(args, min(len(args), maxItems))
	c.Args = kept
	switch {
	case callee.lost():
		m.issue(IssueUnresolved, off, nil, "%s calls a memo entry beyond the %d retained values; the callable is unknown", kind, preciseMemo)
	case c.Callable == nil && kind != CallBuild:
		m.issue(IssueDynamicCall, off, nil, "%s calls %s, a value made by the stream rather than a named global", kind, describe(callee))
	}
	if m.o.OnCall != nil {
		m.o.OnCall(c)
	}
	if g := c.Callable; g != nil {
		switch {
		case c.Rebuilds():
			g.Rebuilt = true
		case kind != CallDeferred:
			g.Called = true
		}
		k := callKey{g, kind, c.Rebuilds()}
		if _, ok := m.st.calls[k]; !ok {
			m.st.calls[k] = c
			m.st.Calls = append(m.st.Calls, c)
		}
	} else if m.st.dynamic < 64 {
		m.st.dynamic++
		m.st.Calls = append(m.st.Calls, c)
	}
	res := Value{Kind: KindObject, ref: &object{call: c, class: c.Callable}, depth: d}
	runs := kind != CallBuild && kind != CallDeferred && kind != CallRebuild
	if c.Callable != nil && runs {
		m.invoke(c, res.ref, c.Args)
	} else if w := callee.ref; w != nil && w.wraps != nil && runs {
		// Calling a functools.partial calls what it wraps.
		all := append(append([]Value(nil), w.wraps.Args...), args...)
		m.call(CallIndirect, off, w.wraps.Target, all)
	}
	return res
}

// invoke follows helpers that call or instantiate their arguments. Only
// helpers an allowlist could vouch for need to be here: any other callable
// is reported for itself.
func (m *machine) invoke(c *Call, res *object, args []Value) {
	arg := func(i int) Value {
		if i < len(args) {
			return args[i]
		}
		return Value{}
	}
	g := c.Callable
	rebuild := func(i int) {
		if cls := arg(i); cls.Global() != nil {
			m.call(CallRebuild, c.Offset, cls, nil)
			if i == 0 {
				res.class = cls.Global()
			}
		}
	}
	name := g.Module + "." + g.Name
	if iterates[name] {
		for _, a := range args {
			if (a.Kind == KindObject && !plainValue(a)) || a.lost() {
				m.issue(IssueIterate, c.Offset, g, "calls %s on %s, an object the stream made: that runs the object's own __iter__ (the pickler only passes containers here)", name, describe(a))
				break
			}
		}
	}
	switch name {
	case "copyreg._reconstructor":
		// _reconstructor(cls, base, state): base.__new__(cls, state), and
		// base.__init__(obj, state) unless base is object.
		rebuild(0)
		if base := arg(1); base.Global() != nil && base.Global().String() != "builtins.object" {
			m.call(CallIndirect, c.Offset, base, []Value{arg(2)})
		}
	case "copyreg.__newobj__":
		if cls := arg(0); cls.Global() != nil {
			m.call(CallNewObj, c.Offset, cls, args[1:])
			res.class = cls.Global()
		}
	case "copyreg.__newobj_ex__":
		if cls := arg(0); cls.Global() != nil {
			all := append(append([]Value(nil), arg(1).Items()...), arg(2).DictItems()...)
			m.call(CallNewObjEx, c.Offset, cls, all)
			res.class = cls.Global()
		}
	case "torch._tensor._rebuild_from_type_v2", "torch._tensor._rebuild_from_type":
		// (func, new_type, args, state): func(*args), then as_subclass.
		if fn := arg(0); fn.Global() != nil {
			m.call(CallIndirect, c.Offset, fn, arg(2).Items())
		}
		rebuild(1)
	case "torch._utils._rebuild_wrapper_subclass", "numpy.core.multiarray._reconstruct",
		"numpy._core.multiarray._reconstruct":
		rebuild(0)
	case "numpy.ma.core._mareconstruct":
		rebuild(0)
		rebuild(1)
	case "numpy.random._pickle.__bit_generator_ctor", "numpy.random._pickle.__randomstate_ctor",
		"numpy.random._pickle.__generator_ctor":
		// (name_or_class, ctor=...): a class argument is instantiated, a
		// ctor argument is called with the first one.
		if cls := arg(0); cls.Global() != nil {
			m.call(CallIndirect, c.Offset, cls, nil)
		}
		if ctor := arg(1); ctor.Global() != nil {
			m.call(CallIndirect, c.Offset, ctor, []Value{arg(0)})
		}
	case "pandas.core.indexes.base._new_Index", "pandas.core.indexes.period._new_PeriodIndex":
		// (cls, d): cls.__new__(cls, **d).
		if cls := arg(0); cls.Global() != nil {
			m.call(CallNewObjEx, c.Offset, cls, arg(1).DictItems())
			res.class = cls.Global()
		}
	case "functools.partial", "_functools.partial":
		if len(args) > 0 {
			setPartial(m, res, args[0], args[1:], c.Offset)
		}
	default:
		// Cython's generated unpickler (__pyx_unpickle_Cls(type, checksum,
		// state)) and scikit-learn's newObj(cls) are cls.__new__(cls).
		if strings.HasPrefix(g.Name, "__pyx_unpickle_") || g.Name == "newObj" {
			rebuild(0)
		}
	}
}

// iterates are the allowlisted constructors that iterate their argument.
var iterates = map[string]bool{
	"builtins.list": true, "builtins.tuple": true, "builtins.set": true, "builtins.frozenset": true,
	"builtins.dict": true, "builtins.bytearray": true, "collections.deque": true,
	"collections.OrderedDict": true, "collections.Counter": true, "_collections.deque": true,
	"_collections.OrderedDict": true,
}

// plainValue reports whether an object was made by a constructor of plain
// values (protocols 0-2 write bytes as _codecs.encode(str, "latin1")).
func plainValue(v Value) bool {
	c := v.Call()
	if c == nil || c.Callable == nil {
		return false
	}
	n := c.Callable.Module + "." + c.Callable.Name
	return iterates[n] || n == "_codecs.encode" || n == "builtins.bytes" || n == "builtins.str" || n == "builtins.range"
}

// isPartial reports whether g is functools.partial.
func isPartial(g *Global) bool {
	return g != nil && (g.Module == "functools" || g.Module == "_functools") && g.Name == "partial"
}

// setPartialState applies partial.__setstate__((func, args, kwds, dict)),
// which replaces what the object calls.
func (m *machine) setPartialState(o *object, state Value, off int64) {
	it := state.Items()
	if state.Kind != KindTuple || len(it) < 2 {
		return
	}
	args := append([]Value(nil), it[1].Items()...)
	if len(it) > 2 {
		args = append(args, it[2].DictItems()...)
	}
	setPartial(m, o, it[0], args, off)
}

// setPartial records what a functools.partial object wraps: a deferred
// call of fn, and the call made if the object is called at load.
func setPartial(m *machine, o *object, fn Value, args []Value, off int64) {
	o.wraps = &Call{Kind: CallIndirect, Offset: off, Callable: fn.Global(), Target: fn, Args: args}
	if fn.Global() != nil {
		m.call(CallDeferred, off, fn, args)
	}
}
