// Package pickle analyses Python pickle streams without executing them.
//
// It is a symbolic re-implementation of CPython's _pickle Unpickler: every
// opcode of protocols 0 to 5 is decoded with the same operand rules, the
// stack, mark stack and memo behave as in CPython (PUT/BINPUT/LONG_BINPUT
// store at their real index, MEMOIZE at len(memo), GET of a missing index
// stops the load), and each GLOBAL, STACK_GLOBAL and INST is resolved as
// find_class would resolve it: STRING/BINSTRING/UNICODE operands, dotted
// attribute paths, attributes planted on globals by BUILD, Python 2 module
// names. Instead of importing and calling, the machine records which
// globals are imported and which are invoked (REDUCE, INST, OBJ, NEWOBJ,
// NEWOBJ_EX, BUILD), with their constant arguments.
//
// We wrote our own because the scanners that key on opcodes with
// look-back heuristics (picklescan, modelscan) are bypassed by memo
// tricks, STRING operands, broken streams and frame over-reads, and the
// one full symbolic interpreter (fickling) buffers whole files and builds
// an AST 45 times their size. This package streams from an io.Reader with
// bounded memory: large str/bytes payloads are skipped, keeping only a
// prefix and their offset; container contents are kept only up to a few
// items; the memo keeps precise values for its first entries and what a
// GET can turn into a name or callable, and only presence bits beyond
// (a GET of an unretained entry used as a callable or a name is reported
// as unresolved); limits on opcodes, stack and memo indices end in a
// LimitError, never a silent truncation. A stream that breaks before STOP still reports what
// its prefix did, since the loader has already run it.
//
// Analyze also follows what surrounds the streams: several streams in a
// row, junk between them (bounded resynchronisation), the legacy
// torch.save layout (five pickles and raw storages, with computed magic
// numbers detected), and joblib's raw array bytes written inline after each
// NumpyArrayWrapper. Probe recognises protocol 0 and 1 pickles, which
// have no magic bytes, streams that break right after a call (the loader
// has run it), and PROTO headers the 2-5 magic check does not accept (0,
// 1, and the unsupported ones above 5, whose body is analysed anyway).
//
// Every Call records what the loader does with its callable, which is what
// a scanner should grade: run it with arguments the stream chose, create
// it with cls.__new__ and arguments, bind it in a functools.partial, or
// only rebuild an instance of a class (Call.Rebuilds: cls.__new__(cls),
// then __setstate__). Helpers that call or instantiate their own arguments
// (copyreg._reconstructor and __newobj__, torch's _rebuild_from_type_v2,
// numpy's _reconstruct, Cython's __pyx_unpickle_*) are followed, so an
// allowlisted helper cannot smuggle a call; calling a value the stream
// made itself is an issue of its own.
//
// Memory stays bounded on hostile nesting too: the stack grows in chunks
// and stores runs of equal values once, values nested deeper than a few
// dozen levels keep only their kind, length and depth, and nesting deeper
// than pickle.dumps can write (MaxNesting) is reported.
package pickle
