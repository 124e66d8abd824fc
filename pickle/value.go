package pickle

import (
	"fmt"
	"strings"
)

// Kind is the type of a symbolic value on the VM's stack.
type Kind uint8

// Value kinds. Numbers are kept only as far as the analysis needs them.
const (
	KindUnknown Kind = iota // result of a call or an opaque object
	KindNone                // None
	KindBool                // True/False (Int is 0 or 1)
	KindInt                 // int; Big is set when it does not fit in Int
	KindFloat               // float (value not kept)
	KindStr                 // str
	KindBytes               // bytes, bytearray or a protocol-0/1 string
	KindTuple               // tuple
	KindList                // list
	KindDict                // dict
	KindSet                 // set or frozenset
	KindGlobal              // a class or function reference (GLOBAL, STACK_GLOBAL, INST, EXT)
	KindObject              // an object made by a call (REDUCE, OBJ, INST, NEWOBJ, NEWOBJ_EX)
	KindPersID              // the result of persistent_load
	KindBuffer              // an out-of-band buffer (NEXT_BUFFER)
)

var kindNames = [...]string{"unknown", "None", "bool", "int", "float", "str", "bytes", "tuple", "list", "dict", "set", "global", "object", "persistent-id", "buffer"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// maxItems bounds the items kept per container: enough for the argument
// tuples, dtype states and wrapper dicts the analysis reads, while a list of
// two million floats costs a counter.
const maxItems = 32

// A Value is a symbolic Python value. Strings keep at most
// Options.MaxString bytes; Len and Offset locate the whole payload in the
// input. A Value is 48 bytes: the stack of a million-deep pickle holds a
// million of them.
type Value struct {
	Kind Kind
	Big  bool // KindInt too large for Int; Str holds its decimal digits (if short)
	// depth is the nesting depth of containers and call results (0 means
	// 1 for a container, 0 otherwise); it fits in the padding after Kind.
	depth int32
	// Int is the value of KindInt and KindBool; for KindStr and KindBytes
	// it holds the payload's offset (see Offset).
	Int int64
	Str string // KindStr, KindBytes: the first bytes of the payload; KindInt with Big
	Len int64  // KindStr, KindBytes: payload length; containers: item count
	ref *object
}

// Offset is where a str or bytes payload starts in the input, or -1 when
// it is not contiguous there (protocol-0 text operands are decoded).
func (v Value) Offset() int64 {
	if v.Kind != KindStr && v.Kind != KindBytes {
		return -1
	}
	return v.Int
}

// object holds what a container, global or call result refers to.
type object struct {
	items  []Value // tuple/list/set items, or dict keys and values interleaved
	global *Global // KindGlobal
	call   *Call   // KindObject: the call that made it
	class  *Global // KindObject: its class when known (NEWOBJ, _reconstructor)
	state  *Value  // KindObject: the state BUILD gave it
	// wraps is the callable a functools.partial object calls, with its
	// arguments, when the object is itself called.
	wraps *Call
}

// Truncated reports whether a string's payload is longer than what was kept.
func (v Value) Truncated() bool {
	return (v.Kind == KindStr || v.Kind == KindBytes) && v.Len > int64(len(v.Str))
}

// Items returns the items kept of a tuple, list or set (at most 32).
func (v Value) Items() []Value {
	if v.ref == nil || v.Kind == KindDict {
		return nil
	}
	return v.ref.items
}

// DictItems returns the key/value pairs kept of a dict, interleaved.
func (v Value) DictItems() []Value {
	if v.ref == nil || v.Kind != KindDict {
		return nil
	}
	return v.ref.items
}

// Lookup returns the value of a str key in a dict (or in an object's
// BUILD state).
func (v Value) Lookup(key string) (Value, bool) {
	var kv []Value
	switch {
	case v.ref == nil:
		return Value{}, false
	case v.Kind == KindDict:
		kv = v.ref.items
	case v.Kind == KindObject:
		kv = stateItems(v.State())
	}
	for i := len(kv) - 2; i >= 0; i -= 2 {
		if kv[i].Kind == KindStr && kv[i].Str == key && !kv[i].Truncated() {
			return kv[i+1], true
		}
	}
	return Value{}, false
}

// stateItems returns the attribute items of a BUILD state: a dict, or
// the two dicts of a (state, slotstate) tuple, interleaved.
func stateItems(st Value) []Value {
	if st.Kind == KindDict {
		return st.DictItems()
	}
	if st.Kind == KindTuple && st.Len == 2 {
		it := st.Items()
		return append(append([]Value(nil), it[0].DictItems()...), it[1].DictItems()...)
	}
	return nil
}

// State returns the state a BUILD gave an object.
func (v Value) State() Value {
	if v.Kind != KindObject || v.ref == nil || v.ref.state == nil {
		return Value{}
	}
	return *v.ref.state
}

// Global returns the global a KindGlobal value refers to.
func (v Value) Global() *Global {
	if v.Kind != KindGlobal || v.ref == nil {
		return nil
	}
	return v.ref.global
}

// Call returns the call that made a KindObject value, if known.
func (v Value) Call() *Call {
	if v.Kind != KindObject || v.ref == nil {
		return nil
	}
	return v.ref.call
}

// Class returns the class of a KindObject value when the stream names it.
func (v Value) Class() *Global {
	if v.Kind != KindObject || v.ref == nil {
		return nil
	}
	return v.ref.class
}

// String renders a value briefly, for messages.
func (v Value) String() string {
	switch v.Kind {
	case KindNone:
		return "None"
	case KindBool:
		if v.Int != 0 {
			return "True"
		}
		return "False"
	case KindInt:
		if v.Big {
			return v.Str
		}
		return fmt.Sprint(v.Int)
	case KindStr, KindBytes:
		s := fmt.Sprintf("%q", v.Str)
		if v.Kind == KindBytes {
			s = "b" + s
		}
		if v.Truncated() {
			s += fmt.Sprintf("...(%d bytes)", v.Len)
		}
		return s
	case KindGlobal:
		if g := v.Global(); g != nil {
			return g.String()
		}
	case KindTuple, KindList, KindSet:
		parts := make([]string, 0, len(v.Items()))
		for _, it := range v.Items() {
			parts = append(parts, it.String())
		}
		if int64(len(parts)) < v.Len {
			parts = append(parts, "...")
		}
		return "(" + strings.Join(parts, ", ") + ")"
	case KindObject:
		if c := v.Call(); c != nil {
			return c.Name() + "(...)"
		}
	}
	return v.Kind.String()
}

// A Global is a reference the stream resolves to a module attribute, the
// way Unpickler.find_class does.
type Global struct {
	Module string
	Name   string // may be dotted (protocol 4+ resolves attribute paths)
	Op     string // GLOBAL, STACK_GLOBAL, INST, EXT1, EXT2, EXT4
	Offset int64  // of the first opcode that referenced it
	// Resolved is false when the names are not known statically: operands
	// built at run time, truncated names, or extension-registry codes.
	Resolved bool
	// Called is set when the stream calls it with arguments it chose, or
	// calls it as a function (see Call.Rebuilds for the other case).
	Called bool
	// Rebuilt is set when the stream instantiates it as a class without
	// running its __init__ (cls.__new__(cls) then __setstate__), the way
	// pickle restores ordinary objects.
	Rebuilt bool

	obj *object // shared by every stack value referring to it
}

// String returns "module.name".
func (g *Global) String() string {
	if g == nil {
		return "?"
	}
	return g.Module + "." + g.Name
}

// CallKind says which opcode invokes a callable.
type CallKind uint8

// Ways a pickle calls code.
const (
	CallReduce   CallKind = iota // REDUCE: callable(*args)
	CallInst                     // INST: class(*args) (protocol 0)
	CallObj                      // OBJ: class(*args)
	CallNewObj                   // NEWOBJ: cls.__new__(cls, *args)
	CallNewObjEx                 // NEWOBJ_EX: cls.__new__(cls, *args, **kwargs)
	CallBuild                    // BUILD: setstate on an object, or setattr on a global
	// CallRebuild: cls.__new__(cls) done on the stream's behalf by a
	// helper the stream calls (copyreg._reconstructor, a Cython
	// __pyx_unpickle_* function, numpy's _reconstruct, ...).
	CallRebuild
	// CallIndirect: a callable passed to a helper that calls it
	// (torch._tensor._rebuild_from_type_v2's func, copyreg._reconstructor's
	// base), or wrapped by functools.partial and then called.
	CallIndirect
	// CallDeferred: functools.partial(f, *args) binds f to arguments the
	// stream chose; nothing runs at load unless the partial object itself
	// is called (then f is recorded again as CallIndirect).
	CallDeferred
)

var callNames = [...]string{"REDUCE", "INST", "OBJ", "NEWOBJ", "NEWOBJ_EX", "BUILD", "REBUILD", "INDIRECT", "PARTIAL"}

func (k CallKind) String() string {
	if int(k) < len(callNames) {
		return callNames[k]
	}
	return "call"
}

// A Call is an invocation the stream performs.
type Call struct {
	Kind   CallKind
	Offset int64
	// Callable is the global called, or nil when the callable is itself the
	// result of a call (then Target describes it).
	Callable *Global
	Target   Value
	Args     []Value // positional arguments (BUILD: the state), at most 32
}

// Rebuilds reports whether the call only restores an instance of a class
// the way pickle restores ordinary objects: cls.__new__(cls) without
// arguments (NEWOBJ with an empty tuple, copyreg._reconstructor, ...), or
// __setstate__ on such an instance (BUILD). No __init__ runs and no
// argument chosen by the stream reaches a constructor. Every other call
// runs the callable with arguments the stream chose.
func (c *Call) Rebuilds() bool {
	switch c.Kind {
	case CallRebuild, CallBuild:
		return true
	case CallNewObj, CallNewObjEx:
		return len(c.Args) == 0
	}
	return false
}

// Name is the callable's "module.name", or a description.
func (c *Call) Name() string {
	if c.Callable != nil {
		return c.Callable.String()
	}
	return "<" + c.Target.String() + ">"
}

// Argument returns the first constant str or bytes argument, searching one
// level into tuples and lists (pip.main([...]), subprocess.run([...])).
func (c *Call) Argument() (Value, bool) {
	for _, a := range c.Args {
		if a.Kind == KindStr || a.Kind == KindBytes {
			return a, true
		}
	}
	for _, a := range c.Args {
		for _, it := range a.Items() {
			if it.Kind == KindStr || it.Kind == KindBytes {
				return it, true
			}
		}
	}
	return Value{}, false
}

// IssueKind classifies a structural problem in a stream.
type IssueKind uint8

// Issues the VM reports besides imports and calls.
const (
	IssueUnresolved IssueKind = iota // a global whose names are not static (PKL008)
	IssueMemoMiss                    // GET of an index never stored (PKL008)
	IssueExt                         // EXT1/EXT2/EXT4 (PKL006)
	IssueFrame                       // an opcode straddles a frame, or a frame opens inside one (PKL009)
	IssuePlanted                     // BUILD sets attributes on a global (modelscan #85/#330)
	IssueProto                       // PROTO repeated or out of place
	IssueBuffer                      // out-of-band buffers (NEXT_BUFFER) the loader must supply
	// IssueBadProto: PROTO names a protocol the unpickler does not know
	// (above 5). CPython refuses the stream at once; the body is analysed
	// anyway, since it is there to be run by some loader (PKL014).
	IssueBadProto
	// IssueNesting: containers nest deeper than pickle.dumps can write
	// with CPython's default recursion limit (PKL015).
	IssueNesting
	// IssueDynamicCall: the stream calls a value that is itself the
	// result of a call (a functools.partial, a getattr result, ...).
	IssueDynamicCall
	// IssueIterate: a container constructor (list, set, OrderedDict, ...)
	// is called on an object the stream made, which runs that object's
	// own __iter__: the pickler only ever passes it containers.
	IssueIterate
)

var issueNames = [...]string{"unresolved-global", "memo-miss", "extension", "frame", "planted-attribute", "proto", "buffer", "unsupported-protocol", "deep-nesting", "dynamic-call", "iterate-object"}

func (k IssueKind) String() string {
	if int(k) < len(issueNames) {
		return issueNames[k]
	}
	return "issue"
}

// An Issue is a structural finding at an offset.
type Issue struct {
	Kind   IssueKind
	Offset int64
	Detail string
	Global *Global // IssueUnresolved, IssueExt, IssuePlanted
}
