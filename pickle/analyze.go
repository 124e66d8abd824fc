package pickle

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Layout names how the streams in an input are arranged.
type Layout string

// Layouts Analyze recognises.
const (
	LayoutPickle      Layout = "pickle"         // one or more pickle streams
	LayoutTorchLegacy Layout = "pytorch-legacy" // torch.save's non-zip format
	LayoutJoblib      Layout = "joblib"         // joblib.dump with inline arrays
)

// A Span is a byte range of the input.
type Span struct {
	Offset int64
	Len    int64 // -1: up to the end of the input
}

// A Report is what Analyze found in an input.
type Report struct {
	Layout  Layout
	Streams []*Stream
	// Junk lists non-pickle bytes skipped between streams.
	Junk []Span
	// Trailing is the non-pickle data after the last stream (Len -1: to the
	// end of the input), or nil.
	Trailing *Span
	// TorchMagic is set for legacy torch files: Literal reports whether the
	// magic number is a literal integer (a computed one is a scanner bypass).
	TorchMagic *TorchMagic
	// StorageBytes is the raw storage data of a legacy torch file, skipped.
	StorageBytes int64
	// Unsearched is set when the search for a stream after junk stopped at
	// its bound (Options.MaxResync, or the trial-parse budget) at Offset
	// with input left (Len -1: to the end): streams there were not
	// analysed, which callers must report (fail closed).
	Unsearched *Span
}

// TorchMagic describes the first pickle of a legacy torch file.
type TorchMagic struct {
	Literal bool
	Offset  int64
}

// torchMagic is 0x1950a86a20f9469cfc6c, the legacy torch.save magic number.
const torchMagic = "119547037146038801333356"

// Analyze runs every pickle stream of r in order, as repeated
// pickle.load calls (or torch's and joblib's loaders) would, without
// executing anything. It returns an error only when r fails; broken
// streams and limits are reported in the streams' Err.
func Analyze(r io.Reader, opts Options) (*Report, error) {
	o := opts.withDefaults()
	rd := newReader(r)
	rep := &Report{Layout: LayoutPickle}
	var planted map[string]Value
	for {
		st := &Stream{Offset: rd.pos(), globals: map[string]*Global{}, calls: map[callKey]*Call{}}
		m := &machine{rd: rd, o: &o, st: st, memo: newMemo(o.MaxMemo), frameEnd: -1, planted: planted, start: st.Offset}
		st.Err = m.run()
		st.End = rd.pos()
		planted = m.planted
		rep.Streams = append(rep.Streams, st)
		if errors.Is(st.Err, errReadFailed) {
			return rep, st.Err
		}
		if st.Joblib {
			rep.Layout = LayoutJoblib
		}
		if st.Err != nil {
			return rep, nil
		}
		rep.checkTorch()
		if rep.Layout == LayoutTorchLegacy && len(rep.Streams) == 5 {
			n := rep.storageBytes()
			rep.StorageBytes = n
			if err := rd.skip(n); err != nil {
				if errors.Is(err, errReadFailed) {
					return rep, err
				}
				return rep, nil // truncated storage data: torch fails after the pickles ran
			}
		}
		if len(rd.peek(1)) == 0 {
			if rd.err != nil && rd.err != io.EOF {
				return rep, rd.err
			}
			return rep, nil
		}
		if startsStream(rd.peek(probeSize), &o) {
			continue
		}
		junk := rd.pos()
		found, exhausted := resync(rd, &o)
		if !found {
			rep.Trailing = &Span{Offset: junk, Len: -1}
			if exhausted {
				rep.Unsearched = &Span{Offset: rd.pos(), Len: -1}
			}
			if rd.err != nil && rd.err != io.EOF {
				return rep, fmt.Errorf("%w: %w", errReadFailed, rd.err)
			}
			return rep, nil
		}
		rep.Junk = append(rep.Junk, Span{Offset: junk, Len: rd.pos() - junk})
	}
}

// checkTorch recognises the legacy torch layout: magic number, protocol
// version 1001, sys_info dict, object, storage keys.
func (rep *Report) checkTorch() {
	s := rep.Streams
	switch {
	case len(s) == 1 && s[0].Value.Kind == KindInt && s[0].Value.Big && s[0].Value.Str == torchMagic:
		rep.Layout = LayoutTorchLegacy
		rep.TorchMagic = &TorchMagic{Literal: true, Offset: s[0].Offset}
	case len(s) == 3 && rep.TorchMagic == nil && s[0].Value.Kind != KindInt &&
		s[1].Value.Kind == KindInt && s[1].Value.Int == 1001 && s[2].Value.Kind == KindDict:
		// The magic is computed (eval of a string, ...): torch compares
		// the result, scanners that look for the literal give up.
		rep.Layout = LayoutTorchLegacy
		rep.TorchMagic = &TorchMagic{Literal: false, Offset: s[0].Offset}
	}
}

func (rep *Report) storageBytes() int64 {
	var n int64
	for _, sz := range rep.Streams[3].Storages {
		n += sz
	}
	return n
}

const probeSize = 4096

// startsStream reports whether p begins a pickle stream: a PROTO 2-5 whose
// stream parses (trial over p), or a protocol 0/1 stream Probe accepts.
func startsStream(p []byte, o *Options) bool {
	if len(p) >= 2 && p[0] == 0x80 && p[1] >= 2 && p[1] <= 5 {
		ok, _ := trial(p, o)
		return ok
	}
	return Probe(p, false)
}

// trial parses p as a stream start: it must reach STOP, or run validly to
// the end of p after importing or calling something. It also returns the
// opcodes it ran.
func trial(p []byte, o *Options) (bool, int64) {
	st := &Stream{globals: map[string]*Global{}, calls: map[callKey]*Call{}}
	t := *o
	t.OnCall = nil
	m := &machine{rd: bytesReader(p), o: &t, st: st, memo: newMemo(o.MaxMemo), frameEnd: -1, trial: true}
	err := m.run()
	if err == nil {
		return true, st.Ops
	}
	var se *SyntaxError
	if errors.As(err, &se) && se.Truncated {
		return len(st.Imports) > 0 || len(st.Calls) > 0 || len(st.Issues) > 0 || st.Ops > 64, st.Ops
	}
	return false, st.Ops
}

// resyncTrialOps bounds the opcodes trial parses may run during one
// resynchronisation, so junk packed with PROTO bytes costs linear time.
const resyncTrialOps = 1 << 24

// resync searches forward (bounded by MaxResync bytes) for the next
// PROTO 2-5 that starts a parsable stream, leaving rd there. exhausted is
// set when the search stopped at its bound with input left unsearched.
func resync(rd *reader, o *Options) (found, exhausted bool) {
	var searched, ops int64
	for {
		p := rd.peek(bufSize / 2)
		if len(p) < 2 {
			_ = rd.skip(int64(len(p)))
			return false, false
		}
		limit := len(p) - 1 // candidates need a second byte
		if rem := o.MaxResync - searched; int64(limit) > rem {
			limit = int(rem)
		}
		for i := 0; i < limit; i++ {
			j := bytes.IndexByte(p[i:limit], 0x80)
			if j < 0 {
				break
			}
			i += j
			if p[i+1] < 2 || p[i+1] > 5 {
				continue
			}
			ok, n := trial(rd.peek(i + probeSize)[i:], o)
			if ok {
				_ = rd.skip(int64(i))
				return true, false
			}
			if ops += n; ops > resyncTrialOps {
				_ = rd.skip(int64(i))
				return false, len(rd.peek(2)) >= 2
			}
			p = rd.peek(bufSize / 2) // the peek may have moved the buffer
		}
		_ = rd.skip(int64(limit))
		if searched += int64(limit); searched >= o.MaxResync {
			return false, len(rd.peek(2)) >= 2 // a last byte cannot start a stream
		}
	}
}

// Probe reports whether head (the start of an input; complete when it is
// the whole input) is a pickle without the PROTO 2-5 magic: protocol 0 or 1
// (no PROTO at all, or PROTO 0/1), or a PROTO above 5 in front of a body.
// Every opcode must be valid with valid operands (GLOBAL and INST names are
// Python identifiers), and the stream must reach STOP, import something,
// or run validly through the whole head building containers (a benign
// prefix can hide an import past the head: pickle.load runs it all). A
// stream that breaks is still a pickle when it called something first, or
// imported a global and went on with pickle opcodes (MARK, STRING, TUPLE,
// REDUCE): the nullifAI shape, where the loader has run the payload before
// it fails. Text, JSON, YAML and source code fail within a few bytes.
func Probe(head []byte, complete bool) bool {
	if len(head) < 2 || head[0] >= 0x80 && head[0] != 0x80 {
		return false
	}
	o := (&Options{MaxOps: 100_000, MaxStack: 10_000, MaxMemo: 10_000}).withDefaults()
	st := &Stream{globals: map[string]*Global{}, calls: map[callKey]*Call{}}
	m := &machine{rd: bytesReader(head), o: &o, st: st, memo: newMemo(o.MaxMemo), frameEnd: -1, probe: &probeStats{}}
	err := m.run()
	imported := len(st.Imports) > 0
	if err == nil {
		if imported || head[0] == 0x80 && st.Ops >= 3 {
			return true
		}
		// A bare value: only when nothing but whitespace follows, so
		// "N." at the start of a note is not a pickle.
		return complete && len(bytes.TrimSpace(head[m.rd.pos():])) == 0 && m.rd.pos() >= 2
	}
	var se *SyntaxError
	if !errors.As(err, &se) {
		return false
	}
	for _, c := range st.Calls {
		if c.Callable != nil {
			return true // it ran a call before it broke
		}
	}
	if imported && m.probe.shaped >= 2 {
		return true
	}
	if !se.Truncated || complete {
		return false
	}
	return imported || m.probe.plausible()
}

// probeStats describes the opcodes a probe ran, to tell a pickle prefix
// from text that happens to parse.
type probeStats struct {
	kinds  [256]bool
	nkinds int
	ops    int
	built  int // containers made
	// shaped counts opcodes after the first import that build call
	// arguments (MARK, STRING, UNICODE, TUPLE): a GLOBAL line of two
	// identifiers followed by these is a protocol-0 call in the making.
	shaped   int
	imported bool // a GLOBAL/INST/STACK_GLOBAL ran
}

func (p *probeStats) op(op byte) {
	p.ops++
	if !p.kinds[op] {
		p.kinds[op] = true
		p.nkinds++
	}
	switch op {
	case ']', ')', '}', 'l', 'd', 't', 0x8f, 0x85, 0x86, 0x87, 0x91:
		p.built++
	}
	if p.imported {
		switch op {
		case '(', 'S', 'V', 't', 0x85, 0x86, 0x87, 'R':
			p.shaped++
		}
	}
}

// plausible: a pickle prefix without imports still makes a container and
// runs several kinds of opcodes. Text rarely parses for a whole head at
// all (a space outside a line operand is no opcode), and the runs of "N"
// or "()" that do are one or two kinds.
func (p *probeStats) plausible() bool {
	return p.nkinds >= 4 && p.built >= 1 && p.ops >= 16
}
