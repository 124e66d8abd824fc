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
// have no magic bytes.
package pickle
