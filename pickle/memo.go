package pickle

// The memo is where a large pickle's memory goes: the pickler memoizes
// every str, container and object it writes, so a dict of a million
// entries leaves four million memo entries. Keeping each as a precise
// symbolic value costs hundreds of bytes an entry, so the memo keeps:
//
//   - precise values for the first preciseMemo indices (MEMOIZE numbers
//     entries densely, so a slice);
//   - beyond them, precise values only for what the analysis reads back
//     through a GET — globals, short strings (STACK_GLOBAL operands),
//     objects (dtypes, wrappers) and small tuples (call arguments) — up to
//     farMemo of them;
//   - for every other index, only its presence, in a paged bitset bounded
//     by Options.MaxMemo, with the shared placeholder lostValue.
//
// A GET of a placeholder used as a callable or a name is reported as
// unresolved (fail closed), never silently resolved.

const (
	preciseMemo   = 1 << 16 // indices whose values are all kept
	farMemo       = 1 << 15 // values kept beyond them (globals excepted)
	farGlobals    = 1 << 15 // globals kept beyond them
	farStringMax  = 256     // longest str kept beyond them
	farTupleMax   = 8       // largest tuple kept beyond them
	memoPageShift = 16      // indices per bitset page: 65536 (8 KiB)
)

// lostObject marks memo entries whose value was not retained.
var lostObject = &object{}

// lostValue is what a GET of an unretained memo entry pushes.
var lostValue = Value{Kind: KindUnknown, ref: lostObject}

// lost reports whether v is the placeholder of an unretained memo entry.
func (v Value) lost() bool { return v.ref == lostObject }

type memoPage [1 << memoPageShift / 64]uint64

// memo is the unpickler memo with bounded memory (see above).
type memo struct {
	max     uint64 // indices at or above are a limit (Options.MaxMemo)
	n       int    // distinct entries stored: MEMOIZE's next index
	dense   []Value
	pages   map[uint64]*memoPage
	far     map[uint64]Value
	globals int // far entries holding globals
}

func newMemo(max int) *memo {
	return &memo{max: uint64(max), pages: map[uint64]*memoPage{}}
}

func (mm *memo) has(idx uint64) bool {
	p := mm.pages[idx>>memoPageShift]
	i := idx & (1<<memoPageShift - 1)
	return p != nil && p[i/64]&(1<<(i%64)) != 0
}

// get returns the value at idx: precise, lostValue, or false when the
// index was never stored.
func (mm *memo) get(idx uint64) (Value, bool) {
	if idx >= mm.max || !mm.has(idx) {
		return Value{}, false
	}
	if idx < uint64(len(mm.dense)) {
		return mm.dense[idx], true
	}
	if v, ok := mm.far[idx]; ok {
		return v, true
	}
	return lostValue, true
}

// put stores v at idx; false when idx is beyond the memo limit.
func (mm *memo) put(idx uint64, v Value) bool {
	if idx >= mm.max {
		return false
	}
	pi := idx >> memoPageShift
	p := mm.pages[pi]
	if p == nil {
		p = new(memoPage)
		mm.pages[pi] = p
	}
	i := idx & (1<<memoPageShift - 1)
	if p[i/64]&(1<<(i%64)) == 0 {
		p[i/64] |= 1 << (i % 64)
		mm.n++
	}
	if idx < preciseMemo {
		if idx >= uint64(len(mm.dense)) {
			mm.dense = append(mm.dense, make([]Value, int(idx)+1-len(mm.dense))...)
		}
		mm.dense[idx] = v
		return true
	}
	old, had := mm.far[idx]
	if had {
		delete(mm.far, idx) // overwritten: never read back a stale value
		if old.Kind == KindGlobal {
			mm.globals--
		}
	}
	if !keepFar(v) {
		return true
	}
	if v.Kind == KindGlobal {
		if mm.globals >= farGlobals {
			return true
		}
		mm.globals++
	} else if len(mm.far)-mm.globals >= farMemo {
		return true
	}
	if mm.far == nil {
		mm.far = map[uint64]Value{}
	}
	mm.far[idx] = v
	return true
}

// keepFar says which values are worth keeping beyond preciseMemo: those a
// GET can feed to STACK_GLOBAL, REDUCE, NEWOBJ, BUILD or a wrapper's state.
func keepFar(v Value) bool {
	switch v.Kind {
	case KindGlobal, KindObject, KindPersID:
		return !v.lost()
	case KindStr, KindBytes:
		return len(v.Str) <= farStringMax
	case KindTuple:
		return v.Len <= farTupleMax
	}
	return false
}
