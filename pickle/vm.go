package pickle

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
)

// Options bound and observe an analysis. The zero value uses the defaults.
type Options struct {
	MaxOps int64 // opcodes per stream (default 200,000,000)
	// MaxMemo bounds memo indices per stream (default 1<<28). Memory does
	// not grow with it: beyond a fixed number of entries the memo keeps
	// one presence bit each (see memo.go).
	MaxMemo    int
	MaxStack   int // stack items, and marks, each (default 1,000,000)
	MaxString  int // bytes kept per str/bytes value (default 4096)
	MaxNesting int // pickles embedded inline (joblib object arrays) (default 4)
	// MaxResync bounds the bytes searched for the next stream after junk
	// (default 1 GiB: the search is a byte scan, cheap). Report.Unsearched
	// says when it stopped the search.
	MaxResync int64
	// OnCall, if set, sees every call as it is made, before deduplication
	// (e.g. to follow each pickle.loads argument).
	OnCall func(*Call)

	keptStr int64 // bytes kept of long strings so far (see keepMax)
}

// strBudget bounds the bytes kept of strings longer than farStringMax over
// an analysis; beyond it strings keep farStringMax bytes (enough for any
// name), so a stream of many long strings costs bounded memory.
const strBudget = 16 << 20

// keepMax is how many bytes of the next str/bytes payload to keep.
func (m *machine) keepMax() int {
	if m.o.keptStr >= strBudget {
		return min(m.o.MaxString, farStringMax)
	}
	return m.o.MaxString
}

// kept accounts for a kept string.
func (m *machine) kept(n int) {
	if n > farStringMax {
		m.o.keptStr += int64(n)
	}
}

func (o *Options) withDefaults() Options {
	d := *o
	if d.MaxOps <= 0 {
		d.MaxOps = 200_000_000
	}
	if d.MaxMemo <= 0 {
		d.MaxMemo = 1 << 28
	}
	if d.MaxStack <= 0 {
		d.MaxStack = 1_000_000
	}
	if d.MaxString <= 0 {
		d.MaxString = 4096
	}
	if d.MaxString > bufSize/2 {
		d.MaxString = bufSize / 2
	}
	if d.MaxNesting <= 0 {
		d.MaxNesting = 4
	}
	if d.MaxResync <= 0 {
		d.MaxResync = 1 << 30
	}
	return d
}

// maxNameLine bounds GLOBAL/INST/GET/PUT/INT text operands.
const maxNameLine = 8 << 10

// A SyntaxError is a stream that CPython would stop loading at Offset.
type SyntaxError struct {
	Offset int64
	Op     byte
	Msg    string
	// Truncated is set when the data ran out (inside an opcode or before
	// STOP) rather than being invalid.
	Truncated bool
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("pickle: %s at offset %d (opcode 0x%02x)", e.Msg, e.Offset, e.Op)
}

// ErrorOffset is where the stream breaks.
func (e *SyntaxError) ErrorOffset() int64 { return e.Offset }

// A LimitError reports that a safety limit stopped the analysis.
type LimitError struct {
	Limit  string
	Offset int64
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("pickle: %s limit reached at offset %d; the rest was not analysed", e.Limit, e.Offset)
}

// ErrorOffset is where the limit was hit.
func (e *LimitError) ErrorOffset() int64 { return e.Offset }

// A Stream is what one pickle stream (PROTO ... STOP) does.
type Stream struct {
	Offset   int64 // first byte
	End      int64 // just past STOP, or where it broke
	Protocol int   // the PROTO operand, 0 if none
	Ops      int64
	// Imports lists each distinct global once, at its first reference.
	Imports []*Global
	// Calls lists each distinct (callable, kind) once, at its first use.
	Calls  []*Call
	Issues []Issue
	// Value is what the stream returns (valid when Err is nil).
	Value Value
	// Err is nil when the stream reached STOP, a *SyntaxError when it
	// breaks (the loader ran everything before Offset), or a *LimitError.
	Err error
	// Joblib is set when the stream carries joblib array wrappers.
	Joblib  bool
	PersIDs int64 // persistent ids loaded (torch storages)
	// Storages maps legacy torch storage keys to their raw byte size, from
	// ('storage', type, key, location, numel, ...) persistent ids.
	Storages map[string]int64

	globals map[string]*Global
	calls   map[callKey]*Call
	dynamic int
	deep    bool // IssueNesting reported
}

type callKey struct {
	g       *Global
	k       CallKind
	rebuild bool
}

// machine runs one stream. Nested streams (joblib object arrays) use a
// fresh machine on the same reader and report into the same Stream.
type machine struct {
	rd       *reader
	o        *Options
	st       *Stream
	stack    valStack
	marks    []int
	memo     *memo
	proto    int
	frameEnd int64
	planted  map[string]Value // attributes set on globals by BUILD, across streams
	depth    int
	start    int64 // offset of this stream's first opcode
	trial    bool  // a trial parse: issues are counted, not described
	probe    *probeStats
	keyBuf   []byte
}

func (m *machine) fail(off int64, op byte, format string, args ...any) error {
	return &SyntaxError{Offset: off, Op: op, Msg: fmt.Sprintf(format, args...)}
}

func (m *machine) push(v Value) error {
	if m.stack.n >= m.o.MaxStack {
		return &LimitError{Limit: "stack depth", Offset: m.rd.pos()}
	}
	m.stack.push(v)
	return nil
}

func (m *machine) fence() int {
	if len(m.marks) > 0 {
		return m.marks[len(m.marks)-1]
	}
	return 0
}

var errUnderflow = fmt.Errorf("stack underflow")

func (m *machine) pop() (Value, error) {
	if m.stack.n <= m.fence() {
		return Value{}, errUnderflow
	}
	return m.stack.pop(), nil
}

func (m *machine) top() (*Value, error) {
	if m.stack.n <= m.fence() {
		return nil, errUnderflow
	}
	return m.stack.top(), nil
}

// peek returns a copy of the top value, for reading only (top splits a
// run of equal values so the top one can change).
func (m *machine) peek() (Value, error) {
	if m.stack.n <= m.fence() {
		return Value{}, errUnderflow
	}
	return *m.stack.at(m.stack.phys - 1), nil
}

// popMark removes the topmost mark and returns the items above it, valid
// until the next push.
func (m *machine) popMark() ([]Value, error) {
	if len(m.marks) == 0 {
		return nil, fmt.Errorf("could not find MARK")
	}
	k := m.marks[len(m.marks)-1]
	m.marks = m.marks[:len(m.marks)-1]
	return m.stack.cut(k), nil
}

// stackChunk is the size of the stack's chunks after the first.
const stackChunk = 4096

// valStack is the VM stack in fixed-size chunks, so a deep stack grows
// without copying: a slice grown by append allocates five times its final
// size and holds the old and new arrays at once. Consecutive equal values
// that refer to nothing (a million EMPTY_LISTs, runs of BINFLOATs) are
// stored once with a count, so the stack of a million-deep nested list
// costs nothing; distinct values cost 48 bytes each. The first chunk
// starts small, since most stacks are a few values deep and trial parses
// make many machines.
type valStack struct {
	chunks [][]Value
	runs   [][]int32 // extra copies each stored value stands for
	phys   int       // values stored
	n      int       // values on the stack
	spill  []Value   // cut's result
}

func (s *valStack) at(i int) *Value { return &s.chunks[i/stackChunk][i%stackChunk] }

func (s *valStack) run(i int) *int32 { return &s.runs[i/stackChunk][i%stackChunk] }

func (s *valStack) push(v Value) {
	s.n++
	if s.phys > 0 && v.ref == nil {
		if top := s.at(s.phys - 1); *top == v {
			if r := s.run(s.phys - 1); *r < math.MaxInt32 {
				*r++
				return
			}
		}
	}
	s.store(v)
}

// store adds a stored value with no extra copies.
func (s *valStack) store(v Value) {
	c, i := s.phys/stackChunk, s.phys%stackChunk
	switch {
	case c == len(s.chunks):
		size := stackChunk
		if c == 0 {
			size = 64
		}
		s.chunks = append(s.chunks, make([]Value, size))
		s.runs = append(s.runs, make([]int32, size))
	case i == len(s.chunks[c]): // only the first chunk grows
		grown := make([]Value, min(2*len(s.chunks[c]), stackChunk))
		copy(grown, s.chunks[c])
		s.chunks[c] = grown
		runs := make([]int32, len(grown))
		copy(runs, s.runs[c])
		s.runs[c] = runs
	}
	s.chunks[c][i] = v
	s.runs[c][i] = 0
	s.phys++
}

// pop removes the top value (n > 0), clearing its slot so what it refers
// to can be freed.
func (s *valStack) pop() Value {
	s.n--
	if r := s.run(s.phys - 1); *r > 0 {
		*r--
		return *s.at(s.phys - 1)
	}
	s.phys--
	p := s.at(s.phys)
	v := *p
	*p = Value{}
	return v
}

// top returns the top value (n > 0) for reading or changing in place: the
// top copy of a run becomes a value of its own.
func (s *valStack) top() *Value {
	if r := s.run(s.phys - 1); *r > 0 {
		*r--
		s.store(*s.at(s.phys - 1))
	}
	return s.at(s.phys - 1)
}

// cut removes the values from index k up and returns them, valid until the
// next cut.
func (s *valStack) cut(k int) []Value {
	count := s.n - k
	if cap(s.spill) < count {
		s.spill = make([]Value, count)
	}
	out := s.spill[:count]
	for count > 0 {
		r := s.run(s.phys - 1)
		take := min(int(*r)+1, count)
		v := *s.at(s.phys - 1)
		for j := count - take; j < count; j++ {
			out[j] = v
		}
		if take == int(*r)+1 {
			*s.at(s.phys - 1) = Value{}
			s.phys--
		} else {
			*r -= int32(take)
		}
		count -= take
	}
	s.n = k
	return out
}

// container builds a tuple/list/set/dict value keeping the first items.
func (m *machine) container(k Kind, items []Value) Value {
	v := Value{Kind: k, Len: int64(len(items))}
	if len(items) > 0 {
		n := min(len(items), maxItems)
		if k == KindDict {
			n &^= 1
		}
		if k != KindTuple && m.deepest(items) >= keepDepth {
			n = 0
		}
		kept, d := m.nest(items, n)
		if n > 0 {
			v.ref = &object{items: kept}
		}
		v.depth = d
	}
	return v
}

// deepest is the largest depth among items.
func (m *machine) deepest(items []Value) int32 {
	d := int32(0)
	for i := range items {
		d = max(d, depthOf(items[i]))
	}
	return d
}

// extend adds items to a container value in place. Lists, dicts and sets
// nested deeper than keepDepth keep no items: they are never call
// arguments, and anything holding them drops what they hold anyway.
func (m *machine) extend(c *Value, items []Value) {
	if c.Kind != KindList && c.Kind != KindDict && c.Kind != KindSet {
		return
	}
	room := 0
	if c.Len < maxItems && depthOf(*c) < keepDepth && m.deepest(items)+1 < keepDepth {
		held := 0
		if c.ref != nil {
			held = len(c.ref.items)
		}
		room = maxItems - held
		if c.Kind == KindDict {
			room &^= 1
		}
		room = max(min(room, len(items)), 0)
	}
	kept, d := m.nest(items, room)
	if room > 0 {
		if c.ref == nil {
			c.ref = &object{}
		}
		c.ref.items = append(c.ref.items, kept...)
	} else if d >= keepDepth {
		c.ref = nil
	}
	c.depth = max(depthOf(*c), d)
	c.Len += int64(len(items))
}

// global returns the shared Global for (module, name), recording the import.
func (m *machine) global(module, name, op string, off int64, resolved bool) *Global {
	if m.probe != nil {
		m.probe.imported = true
	}
	if m.proto < 3 {
		if to, ok := compatNames[[2]string{module, name}]; ok {
			module, name = to[0], to[1]
		} else if to, ok := compat[module]; ok {
			module = to
		}
	}
	m.keyBuf = append(append(append(m.keyBuf[:0], module...), 0), name...)
	if g, ok := m.st.globals[string(m.keyBuf)]; ok {
		return g
	}
	g := &Global{Module: module, Name: name, Op: op, Offset: off, Resolved: resolved}
	m.st.globals[string(m.keyBuf)] = g
	m.st.Imports = append(m.st.Imports, g)
	return g
}

// globalValue is the value find_class returns: the global, or what BUILD
// planted at that attribute path.
func (m *machine) globalValue(g *Global) Value {
	if len(m.planted) > 0 {
		path := g.String()
		if v, ok := m.planted[path]; ok {
			return v
		}
		for p := range m.planted {
			if len(path) > len(p) && path[:len(p)] == p && path[len(p)] == '.' {
				return Value{Kind: KindUnknown}
			}
		}
	}
	if g.obj == nil {
		g.obj = &object{global: g}
	}
	return Value{Kind: KindGlobal, ref: g.obj}
}

func (m *machine) issue(k IssueKind, off int64, g *Global, format string, args ...any) {
	if m.trial {
		if len(m.st.Issues) == 0 {
			m.st.Issues = append(m.st.Issues, Issue{Kind: k, Offset: off})
		}
		return
	}
	if len(m.st.Issues) < 1000 {
		m.st.Issues = append(m.st.Issues, Issue{Kind: k, Offset: off, Global: g, Detail: fmt.Sprintf(format, args...)})
	}
}

func (m *machine) u32() (uint32, error) {
	p, err := m.rd.next(4)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(p), nil
}

func (m *machine) u64() (uint64, error) {
	p, err := m.rd.next(8)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(p), nil
}

// payload reads a length-prefixed str/bytes, keeping a prefix.
func (m *machine) payload(k Kind, n uint64) (Value, error) {
	if n > 1<<62 {
		return Value{}, fmt.Errorf("length %d out of range", n)
	}
	off := m.rd.pos()
	s, err := m.rd.keep(int64(n), m.keepMax())
	if err != nil {
		return Value{}, err
	}
	m.kept(len(s))
	return Value{Kind: k, Str: s, Len: int64(n), Int: off}, nil
}

// textPayload makes a str value from a decoded protocol-0 operand; n is
// the raw operand's length, complete whether all of it was decoded.
func textPayload(s string, n int64, complete bool, max int) Value {
	l := int64(len(s))
	if len(s) > max {
		s = s[:max]
	}
	if !complete && n > l {
		l = n
	}
	return Value{Kind: KindStr, Str: s, Len: l, Int: -1}
}

func (m *machine) memoIndex(op byte) (uint64, error) {
	switch op {
	case 'g', 'p':
		line, err := m.rd.line(maxNameLine)
		if err != nil {
			return 0, err
		}
		n, err := strconv.ParseInt(string(trimSpace(line)), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("invalid memo index %q", line)
		}
		if n < 0 {
			return 0, fmt.Errorf("negative memo index")
		}
		return uint64(n), nil
	case 'h', 'q':
		c, err := m.rd.readByte()
		return uint64(c), err
	default:
		n, err := m.u32()
		return uint64(n), err
	}
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// names reads the two text lines of GLOBAL and INST.
func (m *machine) names() (string, string, error) {
	mod, err := m.rd.line(maxNameLine)
	if err != nil {
		return "", "", err
	}
	module := string(mod)
	name, err := m.rd.line(maxNameLine)
	if err != nil {
		return "", "", err
	}
	return module, string(name), nil
}
