package scan

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/mlsec/mlsec/pickle"
)

func init() {
	registerHandler(FormatPickle, scanPickle)
	// Protocol 0/1 pickles have no magic bytes: a bounded trial parse.
	registerProber(FormatPickle, func(b *blob, head []byte) bool {
		return pickle.Probe(head, int64(len(head)) >= b.size)
	})
}

const nestedPrefix = "<nested pickle @"

// maxArgument bounds the constant argument shown in a finding.
const maxArgument = 200

// nestedRef locates a constant bytes argument of a nested loader.
type nestedRef struct {
	off, n int64
	via    string
}

// scanPickle analyses every stream of a pickle blob (pickle, legacy torch,
// joblib) and reports imports and calls against the pickle rules.
func scanPickle(fs *fileScan, b *blob) error {
	lim := fs.s.opts.Limits
	var nested []nestedRef
	pr := &fs.s.rules.Pickle
	opts := pickle.Options{
		MaxOps: lim.MaxPickleOps, MaxMemo: lim.MaxPickleMemo, MaxStack: lim.MaxPickleStack,
		MaxNesting: lim.MaxPickleNesting,
		OnCall: func(c *pickle.Call) {
			if c.Callable == nil || !c.Callable.Resolved || !isNestedLoader(pr, c.Callable.String()) {
				return
			}
			if a, ok := c.Argument(); ok && a.Offset() >= 0 && len(nested) < 64 {
				nested = append(nested, nestedRef{off: a.Offset(), n: a.Len, via: c.Callable.String()})
			}
		},
	}
	rep, err := pickle.Analyze(io.NewSectionReader(b.r, 0, b.size), opts)
	if err != nil {
		return fmt.Errorf("reading pickle: %w", err)
	}
	first := rep.Streams[0]
	if first.Err != nil && !eventful(first) && len(rep.Streams) == 1 {
		if b.lite {
			// Raw tensor bytes that happen to start like a pickle.
			b.format = FormatUnknown
			return nil
		}
		var se *pickle.SyntaxError
		if errors.As(first.Err, &se) && b.byName {
			fs.emitf(b, "FMT003", se.Offset, "%s is named like a pickle (the format its loader reads it as) but is not one: %s", b.name, se.Msg)
			fs.markError(first.Err)
			return nil
		}
		if errors.As(first.Err, &se) {
			return fmt.Errorf("not a valid pickle: %w", first.Err)
		}
	}
	switch rep.Layout {
	case pickle.LayoutTorchLegacy:
		b.format = FormatPyTorchLegacy
	case pickle.LayoutJoblib:
		b.format = FormatJoblib
	}
	if m := rep.TorchMagic; m != nil && !m.Literal {
		fs.emitf(b, "TORCH001", m.Offset, "legacy torch magic number is computed by the first pickle instead of stored as a literal")
	}
	var limitErr error
	for i, st := range rep.Streams {
		fs.reportStream(b, pr, st, i, len(rep.Streams))
		var le *pickle.LimitError
		if errors.As(st.Err, &le) {
			limitErr = &LimitError{Rule: "PKL010", Limit: "pickle " + le.Limit, Offset: le.Offset}
		}
	}
	for _, j := range rep.Junk {
		fs.emitf(b, "PKL011", j.Offset, "%d bytes that are not a pickle between pickle streams", j.Len)
	}
	if t := rep.Trailing; t != nil {
		fs.emitf(b, "PKL011", t.Offset, "%d bytes after the last pickle stream are not a pickle", b.size-t.Offset)
	}
	if u := rep.Unsearched; u != nil {
		// Streams may follow: pickle.load on a file object reads them.
		le := &LimitError{Rule: "PKL010", Offset: u.Offset, Limit: fmt.Sprintf(
			"pickle resync (searched %d bytes of non-pickle data from offset %d for another stream; %d bytes from offset %d not searched)",
			u.Offset-rep.Trailing.Offset, rep.Trailing.Offset, b.size-u.Offset, u.Offset)}
		if limitErr != nil {
			fs.emit(b, Finding{RuleID: "PKL010", Offset: le.Offset, Message: le.Error()})
		} else {
			limitErr = le
		}
	}
	fs.followNested(b, nested)
	return limitErr
}

// eventful reports whether a stream imported, called or resolved anything.
func eventful(st *pickle.Stream) bool {
	return len(st.Imports) > 0 || len(st.Calls) > 0 || len(st.Issues) > 0
}

// reportStream emits the findings of one stream: each distinct
// (callable, rule) once, at its first offset.
func (fs *fileScan) reportStream(b *blob, pr *PickleRules, st *pickle.Stream, idx, total int) {
	where := ""
	if total > 1 {
		where = fmt.Sprintf(" (stream %d of %d)", idx+1, total)
	}
	seen := map[string]bool{}
	emit := func(f Finding) {
		k := f.RuleID + "\x00" + f.Callable
		if seen[k] {
			return
		}
		seen[k] = true
		f.Message += where
		fs.emit(b, f)
	}
	uses := usesOf(st)
	for _, g := range st.Imports {
		if f, ok := judgeImport(pr, g, uses[g]); ok {
			emit(f)
		}
	}
	for _, is := range st.Issues {
		f := Finding{Offset: is.Offset, Message: is.Detail}
		if is.Global != nil {
			f.Callable = is.Global.String()
		}
		switch is.Kind {
		case pickle.IssueUnresolved, pickle.IssueMemoMiss:
			f.RuleID = "PKL008"
		case pickle.IssueExt:
			f.RuleID = "PKL006"
		case pickle.IssueFrame:
			f.RuleID = "PKL009"
		case pickle.IssuePlanted:
			// setattr on a module-level object: never part of an ordinary
			// model, and how modelscan #85/#330 smuggle names.
			f.RuleID, f.Severity = "PKL004", SeverityHigh
			f.Message = "pickle " + is.Detail + " (BUILD on a global plants attributes that later imports and calls pick up)"
		case pickle.IssueDynamicCall:
			// Calling what another call returned (a functools.partial, a
			// getattr result): no list can vouch for it.
			f.RuleID, f.Severity = "PKL004", SeverityHigh
			f.Message = "pickle " + is.Detail
		case pickle.IssueIterate:
			f.RuleID, f.Severity = "PKL004", SeverityHigh
			f.Message = "pickle " + is.Detail
		case pickle.IssueBadProto:
			f.RuleID = "PKL014"
		case pickle.IssueNesting:
			f.RuleID = "PKL015"
		default:
			continue
		}
		emit(f)
	}
	var se *pickle.SyntaxError
	if errors.As(st.Err, &se) {
		emit(Finding{RuleID: "PKL007", Offset: se.Offset,
			Message: fmt.Sprintf("pickle stream starting at offset %d breaks at offset %d (%s); the loader has already executed everything before it", st.Offset, se.Offset, se.Msg)})
	}
}

func argument(v pickle.Value) string {
	s := v.Str
	if len(s) > maxArgument {
		s = s[:maxArgument]
	}
	s = strings.ToValidUTF8(s, "?")
	if v.Truncated() || len(v.Str) > maxArgument {
		s += "..."
	}
	return s
}

func argSuffix(a string) string {
	if a == "" {
		return ""
	}
	return fmt.Sprintf(" with %q", a)
}

// followNested analyses constant payloads handed to nested loaders, as
// blobs of their own, up to the nesting limit.
func (fs *fileScan) followNested(b *blob, refs []nestedRef) {
	level := strings.Count(b.member, nestedPrefix)
	done := map[int64]bool{}
	for _, r := range refs {
		if done[r.off] || r.off < 0 || r.off+r.n > b.size {
			continue
		}
		done[r.off] = true
		if level >= fs.s.opts.Limits.MaxPickleNesting {
			fs.emit(b, Finding{RuleID: "PKL010", Offset: r.off, Callable: r.via,
				Message: fmt.Sprintf("pickle nesting deeper than %d levels: the payload passed to %s was not analysed", fs.s.opts.Limits.MaxPickleNesting, r.via)})
			continue
		}
		name := fmt.Sprintf("%s%d>", nestedPrefix, r.off)
		fs.analyze(fs.child(b, name, io.NewSectionReader(b.r, r.off, r.n), r.n))
	}
}
