package pickle

import (
	"errors"
	"fmt"
	"math"
	"strconv"
)

// run executes opcodes until STOP, a break or a limit.
func (m *machine) run() error {
	rd := m.rd
	for {
		// Fast path for runs of BINFLOAT inside the buffer and the
		// current frame (float lists are most of a large pickle).
		for m.probe == nil && rd.n-rd.i >= 9 && rd.buf[rd.i] == 'G' && (m.frameEnd < 0 || rd.pos()+9 <= m.frameEnd) &&
			m.stack.n < m.o.MaxStack && m.st.Ops < m.o.MaxOps {
			rd.i += 9
			m.st.Ops++
			m.stack.push(Value{Kind: KindFloat})
		}
		start := rd.pos()
		if m.frameEnd >= 0 && start >= m.frameEnd {
			m.frameEnd = -1
		}
		op, err := rd.readByte()
		if err != nil {
			if err != errEOF {
				return err
			}
			return &SyntaxError{Offset: start, Msg: "stream ends before STOP", Truncated: true}
		}
		m.st.Ops++
		if m.st.Ops > m.o.MaxOps {
			return &LimitError{Limit: "opcode count", Offset: start}
		}
		if m.probe != nil {
			m.probe.op(op)
		}
		stop, err := m.step(op, start)
		if err != nil {
			var le *LimitError
			var se *SyntaxError
			if errors.As(err, &le) || errors.As(err, &se) {
				return err
			}
			if err == errEOF {
				return &SyntaxError{Offset: start, Op: op, Msg: opName(op) + ": data ends inside the opcode", Truncated: true}
			}
			if errors.Is(err, errReadFailed) {
				return err
			}
			return m.fail(start, op, "%s: %v", opName(op), err)
		}
		if m.frameEnd >= 0 && start < m.frameEnd && rd.pos() > m.frameEnd {
			m.issue(IssueFrame, start, nil, "%s at offset %d runs %d bytes past the end of its frame (%d)", opName(op), start, rd.pos()-m.frameEnd, m.frameEnd)
			m.frameEnd = -1
		}
		if stop {
			return nil
		}
	}
}

// step executes one opcode; start is its offset.
func (m *machine) step(op byte, start int64) (bool, error) {
	rd := m.rd
	switch op {
	case 'G': // BINFLOAT: the hot path of float lists
		if _, err := rd.next(8); err != nil {
			return false, err
		}
		return false, m.push(Value{Kind: KindFloat})
	case 'K': // BININT1
		c, err := rd.readByte()
		if err != nil {
			return false, err
		}
		return false, m.push(Value{Kind: KindInt, Int: int64(c)})
	case 'M': // BININT2
		p, err := rd.next(2)
		if err != nil {
			return false, err
		}
		return false, m.push(Value{Kind: KindInt, Int: int64(p[0]) | int64(p[1])<<8})
	case 'J': // BININT
		n, err := m.u32()
		if err != nil {
			return false, err
		}
		return false, m.push(Value{Kind: KindInt, Int: int64(int32(n))})
	case '(':
		if len(m.marks) >= m.o.MaxStack {
			return false, &LimitError{Limit: "stack depth", Offset: start}
		}
		m.marks = append(m.marks, m.stack.n)
	case '.': // STOP
		v, err := m.pop()
		if err != nil {
			return false, err
		}
		m.st.Value = v
		return true, nil
	case '0': // POP
		if n := len(m.marks); n > 0 && m.marks[n-1] == m.stack.n {
			m.marks = m.marks[:n-1]
		} else if _, err := m.pop(); err != nil {
			return false, err
		}
	case '1': // POP_MARK
		if _, err := m.popMark(); err != nil {
			return false, err
		}
	case '2': // DUP
		t, err := m.peek()
		if err != nil {
			return false, err
		}
		return false, m.push(t)
	case 'F': // FLOAT
		line, err := rd.line(maxNameLine)
		if err != nil {
			return false, err
		}
		if _, err := strconv.ParseFloat(string(trimSpace(line)), 64); err != nil && !errors.Is(err, strconv.ErrRange) {
			return false, fmt.Errorf("invalid float %q", line)
		}
		return false, m.push(Value{Kind: KindFloat})
	case 'I', 'L': // INT, LONG
		line, err := rd.line(maxNameLine)
		if err != nil {
			return false, err
		}
		s := string(line)
		if op == 'I' && (s == "00" || s == "01") {
			return false, m.push(Value{Kind: KindBool, Int: int64(s[1] - '0')})
		}
		if op == 'L' && len(s) > 0 && s[len(s)-1] == 'L' {
			s = s[:len(s)-1]
		}
		v, ok := parseIntText(s)
		if !ok {
			return false, fmt.Errorf("invalid integer %q", line)
		}
		return false, m.push(v)
	case 0x8a, 0x8b: // LONG1, LONG4
		var n uint64
		if op == 0x8a {
			c, err := rd.readByte()
			if err != nil {
				return false, err
			}
			n = uint64(c)
		} else {
			u, err := m.u32()
			if err != nil {
				return false, err
			}
			if int32(u) < 0 {
				return false, fmt.Errorf("negative byte count")
			}
			n = uint64(u)
		}
		if n > 256 {
			return false, m.pushSkipped(n)
		}
		p, err := rd.next(int(n))
		if err != nil {
			return false, err
		}
		return false, m.push(longBytes(p))
	case 'N':
		return false, m.push(Value{Kind: KindNone})
	case 0x88, 0x89: // NEWTRUE, NEWFALSE
		return false, m.push(Value{Kind: KindBool, Int: int64(0x89 - op)})
	case 'P': // PERSID
		if _, err := rd.line(maxNameLine); err != nil {
			return false, err
		}
		m.st.PersIDs++
		return false, m.push(Value{Kind: KindPersID})
	case 'Q': // BINPERSID
		pid, err := m.pop()
		if err != nil {
			return false, err
		}
		m.st.PersIDs++
		m.storage(pid)
		if cls := torchModuleClass(pid); cls != nil {
			// Legacy torch.save writes a module's class as the persistent
			// id ('module', cls, file, source); torch's persistent_load
			// returns cls, which NEWOBJ then instantiates.
			return false, m.push(m.globalValue(cls))
		}
		return false, m.push(Value{Kind: KindPersID})
	case 'R': // REDUCE
		args, err := m.pop()
		if err != nil {
			return false, err
		}
		fn, err := m.top()
		if err != nil {
			return false, err
		}
		*fn = m.call(CallReduce, start, *fn, args.Items())
	case 'S': // STRING
		keep := m.keepMax()
		head, last, n, err := rd.longLine(keep + 2)
		if err != nil {
			return false, err
		}
		s, ok := unquote(head, last, n)
		if !ok {
			return false, fmt.Errorf("the STRING opcode argument must be quoted")
		}
		m.kept(len(head))
		return false, m.push(textPayload(s, n-2, int64(len(head)) == n, keep))
	case 'T', 'U', 'X', 'B', 'C', 0x8c, 0x8d, 0x8e, 0x96: // length-prefixed str/bytes
		return false, m.binPayload(op)
	case 'V': // UNICODE
		keep := m.keepMax()
		head, _, n, err := rd.longLine(keep)
		if err != nil {
			return false, err
		}
		m.kept(len(head))
		return false, m.push(textPayload(decodeEscapes(head, true), n, int64(len(head)) == n, keep))
	case 'a': // APPEND
		v, err := m.pop()
		if err != nil {
			return false, err
		}
		l, err := m.top()
		if err != nil {
			return false, err
		}
		m.extend(l, []Value{v})
	case 'e', 'u', 0x90: // APPENDS, SETITEMS, ADDITEMS
		items, err := m.popMark()
		if err != nil {
			return false, err
		}
		if op == 'u' && len(items)%2 != 0 {
			return false, fmt.Errorf("odd number of items for SETITEMS")
		}
		c, err := m.top()
		if err != nil {
			return false, err
		}
		m.extend(c, items)
	case 's': // SETITEM
		v, err := m.pop()
		if err != nil {
			return false, err
		}
		k, err := m.pop()
		if err != nil {
			return false, err
		}
		d, err := m.top()
		if err != nil {
			return false, err
		}
		m.extend(d, []Value{k, v})
	case 'b': // BUILD
		return false, m.build(start)
	case 'c', 'i': // GLOBAL, INST
		module, name, err := m.names()
		if err != nil {
			return false, err
		}
		if !validDotted(module) || !validDotted(name) {
			// find_class would fail; only a hand-made stream has these.
			g := &Global{Module: module, Name: name, Op: opName(op), Offset: start}
			m.issue(IssueUnresolved, start, g, "%s with names that are not Python identifiers: %q %q", opName(op), module, name)
			return false, &SyntaxError{Offset: start, Op: op, Msg: fmt.Sprintf("invalid global name %q %q", module, name)}
		}
		opn := "GLOBAL"
		if op == 'i' {
			opn = "INST"
		}
		g := m.global(module, name, opn, start, true)
		gv := m.globalValue(g)
		if op == 'c' {
			return false, m.push(gv)
		}
		items, err := m.popMark()
		if err != nil {
			return false, err
		}
		return false, m.push(m.call(CallInst, start, gv, items))
	case 0x93: // STACK_GLOBAL
		return false, m.stackGlobal(start)
	case 'd', ']', 'l', ')', 't', '}', 0x8f, 0x91: // containers
		return false, m.makeContainer(op)
	case 0x85, 0x86, 0x87: // TUPLE1..3
		n := int(op - 0x84)
		if m.stack.n-m.fence() < n {
			return false, errUnderflow
		}
		v := m.container(KindTuple, m.stack.cut(m.stack.n-n))
		return false, m.push(v)
	case 'g', 'h', 'j': // GET, BINGET, LONG_BINGET
		idx, err := m.memoIndex(op)
		if err != nil {
			return false, err
		}
		v, ok := m.memo.get(idx)
		if !ok {
			m.issue(IssueMemoMiss, start, nil, "%s %d reads a memo index that was never stored", opName(op), idx)
			return false, &SyntaxError{Offset: start, Op: op, Msg: fmt.Sprintf("memo value not found at index %d", idx)}
		}
		return false, m.push(v)
	case 'p', 'q', 'r', 0x94: // PUT, BINPUT, LONG_BINPUT, MEMOIZE
		var idx uint64
		if op == 0x94 {
			idx = uint64(m.memo.n)
		} else {
			var err error
			if idx, err = m.memoIndex(op); err != nil {
				return false, err
			}
		}
		t, err := m.peek()
		if err != nil {
			return false, err
		}
		if !m.memo.put(idx, t) {
			return false, &LimitError{Limit: "memo size", Offset: start}
		}
	case 'o': // OBJ
		items, err := m.popMark()
		if err != nil {
			return false, err
		}
		if len(items) < 1 {
			return false, errUnderflow
		}
		cls := items[0]
		return false, m.push(m.call(CallObj, start, cls, items[1:]))
	case 0x81, 0x92: // NEWOBJ, NEWOBJ_EX
		var kwargs Value
		var err error
		if op == 0x92 {
			if kwargs, err = m.pop(); err != nil {
				return false, err
			}
		}
		args, err := m.pop()
		if err != nil {
			return false, err
		}
		cls, err := m.top()
		if err != nil {
			return false, err
		}
		kind := CallNewObj
		all := args.Items()
		if op == 0x92 {
			kind = CallNewObjEx
			all = append(append([]Value(nil), all...), kwargs.DictItems()...)
		}
		*cls = m.call(kind, start, *cls, all)
	case 0x82, 0x83, 0x84: // EXT1, EXT2, EXT4
		return false, m.ext(op, start)
	case 0x80: // PROTO
		c, err := rd.readByte()
		if err != nil {
			return false, err
		}
		if c > 5 {
			// CPython stops here ("unsupported pickle protocol"), but the
			// body is there to be run by something: analyse it as 5.
			m.issue(IssueBadProto, start, nil, "PROTO %d names a pickle protocol that does not exist (the highest is 5): today's unpickler refuses the stream, and the body after it is analysed as protocol 5", c)
			c = 5
		}
		if start != m.start {
			m.issue(IssueProto, start, nil, "PROTO %d in the middle of the stream", c)
		}
		m.proto = int(c)
		m.st.Protocol = int(c)
	case 0x95: // FRAME
		n, err := m.u64()
		if err != nil {
			return false, err
		}
		if m.frameEnd >= 0 && start < m.frameEnd {
			m.issue(IssueFrame, start, nil, "FRAME at offset %d opens inside the frame ending at %d", start, m.frameEnd)
		}
		if n > math.MaxInt64/2 {
			return false, fmt.Errorf("frame length %d out of range", n)
		}
		m.frameEnd = rd.pos() + int64(n)
	case 0x97: // NEXT_BUFFER
		m.issue(IssueBuffer, start, nil, "NEXT_BUFFER needs out-of-band buffers from the loader")
		return false, m.push(Value{Kind: KindBuffer})
	case 0x98: // READONLY_BUFFER
		if _, err := m.peek(); err != nil {
			return false, err
		}
	default:
		return false, &SyntaxError{Offset: start, Op: op, Msg: fmt.Sprintf("invalid opcode 0x%02x", op)}
	}
	return false, nil
}

// pushSkipped skips a huge LONG4 operand and pushes an opaque big int.
func (m *machine) pushSkipped(n uint64) error {
	if err := m.rd.skip(int64(n)); err != nil {
		return err
	}
	return m.push(Value{Kind: KindInt, Big: true})
}

func (m *machine) binPayload(op byte) error {
	var n uint64
	switch op {
	case 'U', 'C', 0x8c: // one-byte length
		c, err := m.rd.readByte()
		if err != nil {
			return err
		}
		n = uint64(c)
	case 'T', 'X', 'B': // four-byte length
		u, err := m.u32()
		if err != nil {
			return err
		}
		if op == 'T' && int32(u) < 0 {
			return fmt.Errorf("BINSTRING pickle has negative byte count")
		}
		n = uint64(u)
	default: // eight-byte length
		u, err := m.u64()
		if err != nil {
			return err
		}
		n = u
	}
	kind := KindBytes
	if op == 'X' || op == 0x8c || op == 0x8d || op == 'T' || op == 'U' {
		kind = KindStr // protocol-0/1 strings decode to str with the default encoding
	}
	v, err := m.payload(kind, n)
	if err != nil {
		return err
	}
	return m.push(v)
}

func (m *machine) makeContainer(op byte) error {
	switch op {
	case ']':
		return m.push(Value{Kind: KindList})
	case ')':
		return m.push(Value{Kind: KindTuple})
	case '}':
		return m.push(Value{Kind: KindDict})
	case 0x8f:
		return m.push(Value{Kind: KindSet})
	}
	items, err := m.popMark()
	if err != nil {
		return err
	}
	var v Value
	switch op {
	case 'd':
		if len(items)%2 != 0 {
			return fmt.Errorf("odd number of items for DICT")
		}
		v = m.container(KindDict, items)
	case 'l':
		v = m.container(KindList, items)
	case 't':
		v = m.container(KindTuple, items)
	default:
		v = m.container(KindSet, items)
	}
	return m.push(v)
}

func (m *machine) stackGlobal(start int64) error {
	name, err := m.pop()
	if err != nil {
		return err
	}
	module, err := m.pop()
	if err != nil {
		return err
	}
	if module.Kind == KindStr && name.Kind == KindStr && !module.Truncated() && !name.Truncated() {
		if !validDotted(module.Str) || !validDotted(name.Str) {
			// find_class would raise ModuleNotFoundError/AttributeError.
			g := &Global{Module: module.Str, Name: name.Str, Op: "STACK_GLOBAL", Offset: start}
			m.issue(IssueUnresolved, start, g, "STACK_GLOBAL with names that are not Python identifiers: %q %q", module.Str, name.Str)
			return &SyntaxError{Offset: start, Op: 0x93, Msg: "STACK_GLOBAL names are not importable"}
		}
		g := m.global(module.Str, name.Str, "STACK_GLOBAL", start, true)
		return m.push(m.globalValue(g))
	}
	if module.lost() || name.lost() {
		g := &Global{Module: describe(module), Name: describe(name), Op: "STACK_GLOBAL", Offset: start}
		m.issue(IssueUnresolved, start, g, "STACK_GLOBAL operands come from memo entries beyond the %d retained values (%s, %s)", preciseMemo, describe(module), describe(name))
		return m.push(Value{Kind: KindGlobal, ref: &object{global: g}})
	}
	opaque := func(v Value) bool { return v.Kind == KindUnknown || v.Kind == KindObject || v.Kind == KindPersID }
	if (module.Kind == KindStr || opaque(module)) && (name.Kind == KindStr || opaque(name)) {
		// Names assembled at run time (str.join, getattr): a str when
		// loaded, unknown here.
		g := &Global{Module: describe(module), Name: describe(name), Op: "STACK_GLOBAL", Offset: start}
		m.issue(IssueUnresolved, start, g, "STACK_GLOBAL operands are computed at load time (%s, %s)", describe(module), describe(name))
		return m.push(Value{Kind: KindGlobal, ref: &object{global: g}})
	}
	g := &Global{Module: describe(module), Name: describe(name), Op: "STACK_GLOBAL", Offset: start}
	m.issue(IssueUnresolved, start, g, "STACK_GLOBAL operands are not str (%s, %s)", module.Kind, name.Kind)
	return &SyntaxError{Offset: start, Op: 0x93, Msg: "STACK_GLOBAL requires str"}
}

func describe(v Value) string {
	if v.lost() {
		return "<unretained memo entry>"
	}
	switch v.Kind {
	case KindStr:
		return v.Str
	case KindObject:
		if c := v.Call(); c != nil {
			return "<" + c.Name() + "(...)>"
		}
	}
	return "<" + v.Kind.String() + ">"
}

func (m *machine) ext(op byte, start int64) error {
	var code int64
	switch op {
	case 0x82:
		c, err := m.rd.readByte()
		if err != nil {
			return err
		}
		code = int64(c)
	case 0x83:
		p, err := m.rd.next(2)
		if err != nil {
			return err
		}
		code = int64(p[0]) | int64(p[1])<<8
	default:
		u, err := m.u32()
		if err != nil {
			return err
		}
		code = int64(int32(u))
	}
	if code <= 0 {
		return fmt.Errorf("EXT specifies code <= 0")
	}
	g := &Global{Module: "copyreg", Name: fmt.Sprintf("_extension_registry[%d]", code), Op: opName(op), Offset: start}
	m.issue(IssueExt, start, g, "%s %d loads a callable from the copyreg extension registry", opName(op), code)
	return m.push(Value{Kind: KindGlobal, ref: &object{global: g}})
}

var opNames = map[byte]string{
	'(': "MARK", '.': "STOP", '0': "POP", '1': "POP_MARK", '2': "DUP", 'F': "FLOAT", 'I': "INT",
	'J': "BININT", 'K': "BININT1", 'L': "LONG", 'M': "BININT2", 'N': "NONE", 'P': "PERSID",
	'Q': "BINPERSID", 'R': "REDUCE", 'S': "STRING", 'T': "BINSTRING", 'U': "SHORT_BINSTRING",
	'V': "UNICODE", 'X': "BINUNICODE", 'a': "APPEND", 'b': "BUILD", 'c': "GLOBAL", 'd': "DICT",
	'}': "EMPTY_DICT", 'e': "APPENDS", 'g': "GET", 'h': "BINGET", 'i': "INST", 'j': "LONG_BINGET",
	'l': "LIST", ']': "EMPTY_LIST", 'o': "OBJ", 'p': "PUT", 'q': "BINPUT", 'r': "LONG_BINPUT",
	's': "SETITEM", 't': "TUPLE", ')': "EMPTY_TUPLE", 'u': "SETITEMS", 'G': "BINFLOAT",
	0x80: "PROTO", 0x81: "NEWOBJ", 0x82: "EXT1", 0x83: "EXT2", 0x84: "EXT4", 0x85: "TUPLE1",
	0x86: "TUPLE2", 0x87: "TUPLE3", 0x88: "NEWTRUE", 0x89: "NEWFALSE", 0x8a: "LONG1", 0x8b: "LONG4",
	'B': "BINBYTES", 'C': "SHORT_BINBYTES", 0x8c: "SHORT_BINUNICODE", 0x8d: "BINUNICODE8",
	0x8e: "BINBYTES8", 0x8f: "EMPTY_SET", 0x90: "ADDITEMS", 0x91: "FROZENSET", 0x92: "NEWOBJ_EX",
	0x93: "STACK_GLOBAL", 0x94: "MEMOIZE", 0x95: "FRAME", 0x96: "BYTEARRAY8", 0x97: "NEXT_BUFFER",
	0x98: "READONLY_BUFFER",
}

func opName(op byte) string {
	if n, ok := opNames[op]; ok {
		return n
	}
	return fmt.Sprintf("0x%02x", op)
}

// IsOpcode reports whether c is a pickle opcode of some protocol.
func IsOpcode(c byte) bool { _, ok := opNames[c]; return ok }
